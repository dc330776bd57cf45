import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { archOf } from '../../src/cli/lookup-command.js';
import { resolveTrainConfig } from '../../src/cli/train-command.js';
import { loadNb201Table } from '../../src/eval/nb201-table.js';
import { assertOneLineError, dnas } from './run-cli.js';

const BEST = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|';

describe('dnas lookup', () => {
  test('printsTheThreeDataSetsToTwoDecimalsWithParamsFlopsAndRank', () => {
    const r = dnas('lookup', BEST);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, /index 6111/);
    assert.match(lines[2]!, /^cifar10\s+99\.99\s+91\.61\s+94\.37\s+1\.073\s+153\.27\s+1 \/ 15625$/);
    assert.match(lines[3]!, /^cifar100\s+99\.87\s+72\.75\s+73\.22\s+1\.079\s+153\.28\s+3 \/ 15625$/);
    assert.match(lines[4]!, /^ImageNet16-120\s+69\.02\s+45\.56\s+46\.71\s+1\.081\s+38\.33\s+6 \/ 15625$/);
  });

  test('readsARunDirectorysGenotypeAndPrintsJson', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnas-lookup-'));
    writeFileSync(join(dir, 'genotype.json'), JSON.stringify({ space: 'nb201', arch: BEST }));
    const r = dnas('lookup', dir, '--json');
    assert.equal(r.code, 0, r.stderr);
    const e = JSON.parse(r.stdout);
    assert.equal(e.results.cifar10.test, 94.3733);
    assert.equal(e.results.cifar10.rank, 1);
  });

  test('errorsAreOneLine', () => {
    assertOneLineError(dnas('lookup', '|nor_conv_3x3~0|+|nor_conv_3x3~1|'), /NB201 arch has 2 nodes but the cell has 3 .*expected the form \|op~0\|\+\|op~0\|op~1\|/);
    const empty = mkdtempSync(join(tmpdir(), 'dnas-lookup-'));
    assert.throws(() => archOf(empty), /run directory '.*' has no genotype\.json: the search has not finished/);
    const darts = mkdtempSync(join(tmpdir(), 'dnas-lookup-'));
    writeFileSync(join(darts, 'genotype.json'), JSON.stringify({ space: 'darts', normal: [], normal_concat: [2], reduce: [], reduce_concat: [2] }));
    assert.throws(() => archOf(darts), /DARTS genotype normal has 0 \(op, input\) pairs/);
    assert.throws(() => loadNb201Table(join(empty, 'none.json')), /NAS-Bench-201 table '.*none\.json' does not exist; pass --nb201/);
  });
});

describe('dnas train flags', () => {
  test('theProtocolsGiveThePapersSettings', async () => {
    const darts = (await resolveTrainConfig({ genotype: 'DARTS_V2', dataset: 'synthetic' })).cfg;
    assert.deepEqual(
      [darts.network, darts.epochs, darts.batchSize, darts.initChannels, darts.layers, darts.lr, darts.lrMin, darts.momentum, darts.weightDecay, darts.gradClip, darts.dropPathProb, darts.cutout, darts.auxiliaryWeight, darts.schedule, darts.nesterov],
      ['cifar', 600, 96, 36, 20, 0.025, 0, 0.9, 3e-4, 5, 0.2, 16, 0.4, 'cosine', false],
    );
    assert.equal((await resolveTrainConfig({ genotype: 'PC_DARTS_cifar', preset: 'pc-darts', dataset: 'synthetic' })).cfg.dropPathProb, 0.3);
    const nb201 = (await resolveTrainConfig({ genotype: BEST, dataset: 'synthetic', epochs: 12 })).cfg;
    assert.deepEqual(
      [nb201.network, nb201.epochs, nb201.batchSize, nb201.initChannels, nb201.layers, nb201.lr, nb201.lrMin, nb201.nesterov, nb201.weightDecay, nb201.gradClip, nb201.auxiliary, nb201.dropPathProb, nb201.cutout],
      ['nb201', 12, 256, 16, 5, 0.1, 0, true, 5e-4, 0, false, 0, 0],
    );
  });

  test('fromARunTrainsItsGenotypeOnItsDataSet', async () => {
    const run = mkdtempSync(join(tmpdir(), 'dnas-from-'));
    writeFileSync(join(run, 'config.json'), JSON.stringify({ dataset: 'synthetic', space: 'nb201' }));
    writeFileSync(join(run, 'genotype.json'), JSON.stringify({ space: 'nb201', arch: BEST }));
    const { cfg } = await resolveTrainConfig({ from: run, preset: 'quick' });
    assert.equal(cfg.dataset, 'synthetic');
    assert.equal(cfg.genotype, BEST);
    assert.equal(cfg.genotypeSource, run);
    assert.deepEqual([cfg.epochs, cfg.layers, cfg.trainLimit], [2, 2, 1000]);
  });

  test('errorsAreOneLine', async () => {
    const normal = `[${Array.from({ length: 8 }, (_, k) => `('${k === 0 ? 'nor_conv_3x3' : 'skip_connect'}', ${k % 2})`).join(', ')}]`;
    await assert.rejects(resolveTrainConfig({}), /dnas train needs --genotype \(a run directory, a genotype\.json, a published name such as DARTS_V2, or a genotype string\) or --from RUN/);
    await assert.rejects(resolveTrainConfig({ genotype: 'DARTS_V3' }), /--genotype 'DARTS_V3' is not a file, a directory or a known genotype; give .*published name \(DARTS_V1, DARTS_V2/);
    await assert.rejects(resolveTrainConfig({ genotype: BEST.replace('nor_conv_1x1', 'sep_conv_3x3') }), /unknown op 'sep_conv_3x3' in NB201 arch node 3 edge 2/);
    await assert.rejects(
      resolveTrainConfig({ genotype: `Genotype(normal=${normal}, normal_concat=[2, 3, 4, 5], reduce=${normal.replace("'nor_conv_3x3'", "'sep_conv_3x3'")}, reduce_concat=[2, 3, 4, 5])` }),
      /unknown op 'nor_conv_3x3' in genotype normal at position 0 \(known: none, max_pool_3x3/,
    );
    await assert.rejects(resolveTrainConfig({ genotype: 'DARTS_V2', dataset: 'synthetic', auxiliary: true }), /--auxiliary needs images of at least 29 px .* synthetic images are 16 px: drop --auxiliary/);
    await assert.rejects(resolveTrainConfig({ genotype: BEST, dataset: 'synthetic', dropPathProb: 0.2 }), /the NAS-Bench-201 network has no auxiliary head and no drop path/);
    await assert.rejects(resolveTrainConfig({ genotype: 'DARTS_V2', preset: 'fast' }), /unknown preset 'fast' \(known: pc-darts, quick\)/);
    const empty = mkdtempSync(join(tmpdir(), 'dnas-from-'));
    mkdirSync(join(empty, 'checkpoint'));
    await assert.rejects(resolveTrainConfig({ from: empty }), /run directory '.*' has no genotype\.json: the search has not finished/);
  });

  test('theCliPrintsTheFirstLineOfAnError', () => {
    assertOneLineError(dnas('train', '--out', '/nonexistent/run', '--resume'), /'\/nonexistent\/run' is not a dnas run directory \(no config\.json\)/);
  });
});
