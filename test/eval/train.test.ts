import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { resolveTrainConfig, type TrainFlags } from '../../src/cli/train-command.js';
import { RunDir } from '../../src/cli/run-dir.js';
import { testMetrics, testSetLoader } from '../../src/eval/evaluate.js';
import { runTraining, TrainingDiverged, type TrainEvent } from '../../src/eval/train.js';
import type { TrainConfig } from '../../src/eval/train-config.js';
import { trainLoader } from '../../src/eval/train-data.js';
import { loadCheckpoint } from '../../src/nas/checkpoint.js';
import * as data from '../../src/data/index.js';
import * as torch from '../../src/torch/index.js';

/** A DARTS_V2 network small enough for a test: 4 channels, 3 cells, 64 synthetic 16×16 images. */
const TINY: TrainFlags = { genotype: 'DARTS_V2', dataset: 'synthetic', epochs: 2, initChannels: 4, layers: 3, batchSize: 32, trainLimit: 64, cutout: 4, evalEvery: 1, threads: 1 };

const testSet = data.loadDataset('synthetic', { split: 'test' });

async function train(cfg: TrainConfig, dataset: data.Dataset, runDir: string, o: { resume?: boolean; stopAfterSteps?: number } = {}) {
  const dir = new RunDir(runDir);
  dir.create();
  let steps = 0;
  const events: TrainEvent[] = [];
  const liveTensors: number[] = [];
  const result = await runTraining(cfg, {
    runDir,
    resume: o.resume ?? false,
    loader: trainLoader(dataset, cfg),
    onEvent: (e) => {
      events.push(e);
      if (e.type === 'step') {
        steps++;
        liveTensors.push(torch.memory().tensors);
      }
      dir.log(e);
    },
    logBytes: () => dir.logBytes(),
    truncateLog: (b) => dir.truncateLog(b),
    shouldStop: () => o.stopAfterSteps !== undefined && steps >= o.stopAfterSteps,
    evaluate: (net) => testMetrics(net, testSetLoader(testSet, cfg)),
  });
  return { result, events, liveTensors };
}

/** The log without wall-clock fields (which differ between any two runs) and checkpoint notes. */
function logWithoutTimes(runDir: string): unknown[] {
  return readFileSync(join(runDir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => {
    const { time: _t, seconds: _s, ...rest } = JSON.parse(l) as Record<string, unknown>;
    return rest;
  }).filter((e) => {
    const { type, resumedFrom } = e as { type: string; resumedFrom?: unknown };
    // A resumed run says so in a second start event; everything else must match.
    return type !== 'checkpoint' && !(type === 'start' && resumedFrom);
  });
}

describe('dnas train', () => {
  test('twoEpochsEqualOneEpochThenResumeThenOneEpochBitForBit', async () => {
    const { cfg, dataset } = await resolveTrainConfig(TINY);
    assert.equal(cfg.dropPathProb, 0.2);
    assert.equal(cfg.auxiliary, false, 'the protocol head does not fit 16-pixel images and is dropped');
    const root = mkdtempSync(join(tmpdir(), 'dnas-train-'));
    const straight = join(root, 'straight');
    const resumed = join(root, 'resumed');
    const { liveTensors } = await train(cfg, dataset, straight);
    // Every step releases what it made: the live tensor count never grows past the first step's.
    assert.equal(liveTensors.length, 4);
    assert.ok(liveTensors.every((n) => n <= liveTensors[0]!), `live tensors per step: ${liveTensors.join(', ')}`);
    assert.equal(liveTensors[3], liveTensors[2]);
    const first = await train(cfg, dataset, resumed, { stopAfterSteps: 2 });
    assert.equal(first.result.interrupted, true);
    assert.equal(first.result.epochsDone, 1);
    const second = await train(cfg, dataset, resumed, { resume: true });
    assert.equal(second.result.interrupted, false);
    const a = loadCheckpoint<{ epoch: number }>(straight);
    const b = loadCheckpoint<{ epoch: number }>(resumed);
    assert.equal(a.state.epoch, 2);
    assert.equal(b.state.epoch, 2);
    assert.deepEqual(Object.keys(b.tensors).sort(), Object.keys(a.tensors).sort());
    for (const [name, t] of Object.entries(a.tensors)) {
      assert.ok(t.eq(b.tensors[name]!).all().item(), `tensor '${name}' differs after resuming`);
    }
    // Test accuracy after each epoch draws nothing from the generators, so it leaves the run unchanged.
    const epochs = second.events.filter((e) => e.type === 'epoch');
    assert.equal(epochs.length, 1);
    assert.ok(epochs[0]!.type === 'epoch' && epochs[0]!.testAcc !== null && epochs[0]!.testAcc >= 0);
    // The resumed log continues where the interrupted one stopped: the same events, in order.
    assert.deepEqual(logWithoutTimes(resumed), logWithoutTimes(straight));
    const start = JSON.parse(readFileSync(join(straight, 'log.jsonl'), 'utf8').split('\n')[0]!) as { type: string; params: number };
    assert.equal(start.type, 'start');
    assert.equal(start.params, 2468);
  });

  test('aNonFiniteLossStopsWithOneLineAndKeepsTheLastCheckpoint', async () => {
    const { cfg, dataset } = await resolveTrainConfig({ ...TINY, lr: 1e30, gradClip: 0, epochs: 3 });
    const runDir = mkdtempSync(join(tmpdir(), 'dnas-nan-'));
    await assert.rejects(train(cfg, dataset, runDir), (e: Error) => {
      assert.ok(e instanceof TrainingDiverged);
      assert.match(e.message, /^training diverged: the loss is (NaN|Infinity) at epoch \d, step \d; the last checkpoint \(epoch \d\) is kept in .*lower --lr/);
      assert.equal(e.message.split('\n').length, 1);
      return true;
    });
    assert.ok(existsSync(join(runDir, 'checkpoint', 'checkpoint.safetensors')));
    const ckpt = loadCheckpoint<{ epoch: number; step: number }>(runDir);
    assert.equal(ckpt.state.step, 0);
    for (const [name, t] of Object.entries(ckpt.tensors)) if (t.dtype === 'float32') assert.ok(t.isfinite().all().item(), `checkpoint tensor '${name}' is not finite`);
  });
});
