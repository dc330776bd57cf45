import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveTrainConfig } from '../../src/cli/train-command.js';
import { RunDir } from '../../src/cli/run-dir.js';
import * as data from '../../src/data/index.js';
import { evaluateRun } from '../../src/eval/evaluate.js';
import { buildNetwork } from '../../src/eval/network.js';
import { runTraining } from '../../src/eval/train.js';
import { trainLoader } from '../../src/eval/train-data.js';
import { loadCheckpoint, unprefixed } from '../../src/nas/checkpoint.js';
import * as torch from '../../src/torch/index.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

describe('dnas eval', () => {
  test('evalJsonHoldsTheTestAccuracyLossAndCostOfTheTrainedNetwork', async () => {
    // An NB201 cell for 1 epoch on synthetic data: the network is small and has no drop path.
    const { cfg, dataset } = await resolveTrainConfig({ genotype: '|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|', dataset: 'synthetic', epochs: 1, layers: 1, initChannels: 4, batchSize: 32, trainLimit: 96, threads: 1 });
    const runDir = mkdtempSync(join(tmpdir(), 'dnas-eval-'));
    const dir = new RunDir(runDir);
    dir.writeJSON('config.json', cfg);
    await runTraining(cfg, { runDir, resume: false, loader: trainLoader(dataset, cfg), onEvent: () => {}, logBytes: () => 0, truncateLog: () => {}, shouldStop: () => false });

    const r = spawnSync(process.execPath, [MAIN, 'eval', runDir, '--threads', '1', '--batch-size', '50'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^synthetic test \(128 images, checkpoint at epoch 1\/1\): top-1 \d+\.\d\d%, top-5 100\.00%, loss \d\.\d{4}\n/);
    const report = JSON.parse(readFileSync(join(runDir, 'eval.json'), 'utf8'));

    // The same numbers, computed here from the checkpoint in one batch.
    const net = buildNetwork(cfg);
    net.loadStateDict(unprefixed('net', loadCheckpoint(runDir).tensors));
    net.eval();
    const test = data.loadDataset('synthetic', { split: 'test' });
    const x = data.augmentBatch(test.images, { mean: cfg.mean, std: cfg.std }, false);
    const logits = torch.noGrad(() => net.forward(x));
    const labels = Array.from(test.labels.toArray() as BigInt64Array, Number);
    const rows = logits.tolist() as number[][];
    const top1 = rows.filter((row, i) => row.indexOf(Math.max(...row)) === labels[i]).length;
    const loss = torch.crossEntropy(logits, test.labels).item();
    assert.equal(report.images, 128);
    assert.equal(report.top1, (100 * top1) / 128);
    assert.equal(report.top5, 100, 'with 4 classes every label is in the top 4');
    assert.ok(Math.abs(report.loss - loss) < 1e-5, `loss ${report.loss} vs ${loss}`);
    // 1 cell per stage at C=4: stem 3·4·9 + cells and blocks + 4·16 → 4 classes.
    assert.equal(report.paramsM, net.numParameters() / 1e6);
    assert.equal(report.paramsM, report.paramsWithAuxiliaryM);
    // Conv and linear MACs per 16×16 image, counted by hand from the architecture.
    const cell = (c: number, hw: number) => (9 * c * c + c * c + 9 * c * c) * hw;
    const block = (cin: number, cout: number, hwOut: number) => (9 * cin * cout + 9 * cout * cout + cin * cout) * hwOut;
    const macs = 3 * 4 * 9 * 256 + cell(4, 256) + block(4, 8, 64) + cell(8, 64) + block(8, 16, 16) + cell(16, 16) + (16 * 4 + 4);
    assert.equal(report.macsM, macs / 1e6);
    assert.equal(report.epoch, 1);
  });

  test('aRunWithoutTrainingConfigIsAOneLineError', async () => {
    const runDir = mkdtempSync(join(tmpdir(), 'dnas-eval-'));
    await assert.rejects(evaluateRun(runDir), /is not a dnas run directory \(no config\.json\)/);
    new RunDir(runDir).writeJSON('config.json', { space: 'darts', method: 'darts' });
    await assert.rejects(evaluateRun(runDir), /is not a training run \(a search\?\): train its genotype first with dnas train --from/);
  });
});
