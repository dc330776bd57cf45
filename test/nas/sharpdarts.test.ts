// sharpDARTS through the config path: the preset's values, its schedule, its flags' errors,
// parameter counts of the reference's networks, and tiny end-to-end searches of both spaces.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RunDir } from '../../src/cli/run-dir.js';
import type { DataLoader } from '../../src/data/index.js';
import { buildSearch } from '../../src/nas/build.js';
import { judgedCellOps } from '../../src/nas/diagnostics/cell-stats.js';
import { resolveSearchConfig, type SearchConfig, type SearchOverrides } from '../../src/nas/config.js';
import type { SearchEvent } from '../../src/nas/search.js';
import { openSearchData } from '../../src/nas/search-data.js';
import { parseHypercuboidGenotype } from '../../src/nas/spaces/hypercuboid-genotype.js';
import { createSpace } from '../../src/nas/spaces/index.js';
import { PRIMITIVES } from '../../src/nas/spaces/sharp-primitives.js';
import { search, tinyConfig } from './search-harness.js';

const sharp = (o: SearchOverrides = {}) => resolveSearchConfig({ method: 'sharpdarts', ...o });
const countOf = (cfg: SearchConfig) => {
  const p = buildSearch(cfg, { inChannels: 3, numClasses: 10 });
  return { weights: p.weights.reduce((n, t) => n + t.numel(), 0), alphas: p.archParams.reduce((n, t) => n + t.numel(), 0) };
};

describe('sharpDARTS preset', () => {
  test('presetHoldsTrainSearchDefaults', () => {
    const c = sharp();
    assert.equal(c.ops, 'sharp');
    assert.deepEqual(c.primitives, [...PRIMITIVES]);
    assert.equal(c.primitives.length, 9);
    assert.equal(c.mixing, 'softmax');
    assert.deepEqual([c.lr, c.lrMin, c.lrSchedule, c.lrPower, c.lrWarmupEpochs], [0.025, 1e-4, 'cosine-power', 2, 5]);
    assert.deepEqual([c.epochs, c.batchSize, c.momentum, c.weightDecay, c.gradClip, c.trainPortion, c.seed], [50, 64, 0.9, 3e-4, 5, 0.5, 2]);
    assert.deepEqual([c.archOptimizer, c.archLr, c.archWeightDecay, c.order, c.warmupEpochs], ['adam', 3e-4, 1e-3, 1, 0]);
    assert.deepEqual([c.initChannels, c.layers, c.midChannels, c.maxWDetach, c.derive], [16, 8, 32, false, 'darts-top2']);
    // The reference declares --drop_path_prob 0.3 (its search model never reads it; 0 reproduces that).
    assert.equal(c.dropPathProb, 0.3);
    const h = sharp({ space: 'hypercuboid' });
    assert.deepEqual([h.ops, h.primitives, h.derive, h.initChannels, h.layers, h.steps, h.alwaysApplyOps], ['hypercuboid', ['ResizablePool', 'SharpSepConv'], 'hypercuboid-paths', 16, 8, 4, true]);
  });

  test('cosinePowerScheduleRunsThroughTheConfig', () => {
    // methods.md §3.4: E = 10, 0.025 → 1e-4, p = 2, W = 2.
    const p = buildSearch(sharp({ epochs: 10, lrWarmupEpochs: 2, initChannels: 4, layers: 3 }), { inChannels: 3, numClasses: 10 });
    const lrs: number[] = [];
    for (let e = 0; e < 10; e++) {
      lrs.push(p.scheduler.getLastLr()[0]!);
      p.scheduler.step();
    }
    const expected = [0.0084, 0.0167, 0.025, 0.020193, 0.015408, 0.010414, 0.00604, 0.00276, 0.000766, 0.0001];
    lrs.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5, `epoch ${i + 1}: ${v} vs ${expected[i]}`));
  });

  test('badSharpSettingsFailInOneLineNamingTheFlag', () => {
    const oneLine = (fn: () => unknown, re: RegExp) =>
      assert.throws(fn, (e: Error) => {
        assert.match(e.message, re);
        assert.ok(!e.message.includes('\n'));
        return true;
      });
    oneLine(() => sharp({ epochs: 5 }), /--lr-warmup-epochs 5 leaves no epoch of a 5-epoch run/);
    oneLine(() => sharp({ midChannels: 0 }), /--mid-channels: expected an integer ≥ 1/);
    oneLine(() => sharp({ dropPathProb: 1 }), /--drop-path-prob must be below 1/);
    oneLine(() => sharp({ space: 'hypercuboid', layers: 7 }), /--layers 7 is odd/);
    oneLine(() => sharp({ steps: 5 }), /--steps 5: the darts space has 4 nodes per cell/);
    oneLine(() => sharp({ space: 'hypercuboid', partialChannels: 2 }), /--partial-channels and --edge-norm act on cell edges/);
    oneLine(() => sharp({ space: 'hypercuboid', mixing: 'max-w', alwaysApplyOps: false }), /--no-always-apply-ops with --mixing max-w is not supported/);
    // A short run without --lr-warmup-epochs: --preset quick keeps at most one warm-up epoch.
    assert.equal(resolveSearchConfig({ method: 'sharpdarts', preset: 'quick' }).lrWarmupEpochs, 1);
  });

  test('autoaugmentReachesBothHalvesOfTheSearchSplit', async () => {
    const data = await openSearchData(sharp({ dataset: 'synthetic', trainLimit: 32, batchSize: 16, autoaugment: true, autoaugmentPolicy: 'sharpdarts-cifar10' }));
    for (const loader of [data.train, data.valid] as unknown as DataLoader[]) {
      assert.equal(loader.opts.augment?.autoaugment, true);
      assert.equal(loader.opts.augment?.autoaugmentPolicy, 'sharpdarts-cifar10');
    }
    const off = await openSearchData(sharp({ dataset: 'synthetic', trainLimit: 32, batchSize: 16 }));
    assert.equal((off.train as unknown as DataLoader).opts.augment?.autoaugment, false);
  });

  test('midChannelsSetsTheChokeWidth', () => {
    const choke = (midChannels: number) => {
      const space = createSpace('darts', { ops: 'sharp', primitives: ['choke_conv_3x3', 'skip_connect'], midChannels });
      const net = space.createSupernet({ inChannels: 3, numClasses: 10, initChannels: 4, layers: 1 }, buildSearch(sharp({ initChannels: 4, layers: 3 }), { inChannels: 3, numClasses: 10 }).mixing);
      return net.parameters().reduce((n, t) => n + t.numel(), 0);
    };
    // One cell (reduction at layer 0: C = 8), 14 choke ops 8 → m → 8 at stride 1 or 2: each op's params
    // 9·8 + 8·m + 9·m + m·8 (no affine BN); doubling m from 4 to 8 adds 14 · 25 · 4.
    assert.equal(choke(8) - choke(4), 14 * 25 * 4);
  });
});

describe('sharpDARTS parameter counts through the config path', () => {
  test('cellSpaceSupernetsMatchTheReference', () => {
    // sharpDARTS model_search.Network(C=16, 10 classes, 8 cells, 4 steps), choke 32 (methods.md §3 rows,
    // also checked on the space directly in spaces/sharp-ops.test.ts).
    assert.deepEqual(countOf(sharp()), { weights: 5_867_642, alphas: 252 });
    assert.deepEqual(countOf(sharp({ primitives: ['sharper'] })), { weights: 9_707_002, alphas: 336 });
    assert.deepEqual(countOf(sharp({ primitives: ['darts'] })), { weights: 2_527_354, alphas: 224 });
    assert.deepEqual(countOf(sharp({ ops: 'darts', primitives: ['darts'] })), { weights: 1_930_618, alphas: 224 });
  });

  test('hypercuboidMatchesTheReferenceMultiChannelNetwork', () => {
    assert.deepEqual(countOf(sharp({ space: 'hypercuboid' })), { weights: 4_224_682, alphas: 256 });
    assert.deepEqual(countOf(sharp({ space: 'hypercuboid', initChannels: 32, layers: 6, steps: 5 })), { weights: 24_697_802, alphas: 300 });
  });
});

describe('sharpDARTS searches end to end', () => {
  test('tinySharpDartsCellSearchRunsAndMovesAlpha', async () => {
    const cfg = tinyConfig({ method: 'sharpdarts', trainLimit: 32, lrWarmupEpochs: 1, dropPathProb: 0.3, mixing: 'max-w' });
    const { result, events } = await search(cfg);
    assert.equal(result.interrupted, false);
    const epochs = events.filter((e) => e.type === 'epoch');
    assert.equal(epochs.length, 2);
    // The reference's warm-up ramps over W + 1 epochs: (1, 2)/(W + 1) of the range above --lr-min.
    assert.deepEqual(epochs.map((e) => e.type === 'epoch' && Number(e.lr.toPrecision(6))), [0.01255, 0.025]);
    assert.match(result.genotype, /^Genotype\(normal=\[\('(none|max_pool_3x3|skip_connect|sep_conv_3x3|dil_conv_3x3|flood_conv_3x3|dil_flood_conv_3x3|choke_conv_3x3|dil_choke_conv_3x3)', \d\)/);
    const w = epochs.at(-1)!.type === 'epoch' ? (epochs.at(-1) as Extract<SearchEvent, { type: 'epoch' }>).archWeights.normal! : [];
    assert.equal(w.length, 14);
    assert.ok(w.some((row) => row.some((v) => Math.abs(v - 1 / 9) > 1e-5)), 'α moved away from its 1e-3 initialisation');
  });

  test('tinyHypercuboidSearchWritesPathsAndWeightGridReadableBack', async () => {
    const cfg = tinyConfig({ method: 'sharpdarts', space: 'hypercuboid', trainLimit: 32, lrWarmupEpochs: 1, layers: 2, steps: 2 });
    const { result, events, dir } = await search(cfg);
    assert.equal(result.interrupted, false);
    const epoch = events.filter((e) => e.type === 'epoch').at(-1) as Extract<SearchEvent, { type: 'epoch' }>;
    // α as the loop holds it: 2 strides × 1 grid layer rows of 2 × 2 widths × 2 primitives.
    assert.equal(epoch.archWeights.grid!.length, 2);
    for (const row of epoch.archWeights.grid!) {
      assert.equal(row.length, 8);
      assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-6);
    }
    assert.match(result.genotype, /^HyperCuboidPath\(0\.1:(4|8)→(4|8):(ResizablePool|SharpSepConv), 0\.2:(4|8)→(4|8):(ResizablePool|SharpSepConv)\)$/);
    // genotype.json as dnas search writes it, read back.
    const file = join(dir, 'genotype.json');
    new RunDir(dir).writeJSON('genotype.json', { ...result.genotypeJSON, genotype: result.genotype });
    const g = parseHypercuboidGenotype(readFileSync(file, 'utf8'));
    assert.deepEqual(g.channels, [4, 8]);
    assert.equal(g.longestPath[0], 'Source');
    assert.equal(g.longestPath.at(-1), 'Linear');
    assert.equal(g.greedyBottomUp.at(-1), 'Linear');
    assert.equal(g.weights[1]![0]![1]![0]![1], epoch.archWeights.grid![1]![(1 * 2 + 0) * 2 + 1]);
    // The report's diagnostics judge the op types along the longest path (one per block).
    assert.deepEqual(judgedCellOps(result.genotypeJSON), { cell: 'path', ops: g.longestPath.flatMap((n) => (n.includes('_op_type_SharpSepConv') ? ['SharpSepConv'] : n.includes('_op_type_ResizablePool') ? ['ResizablePool'] : [])) });
    assert.equal(judgedCellOps(result.genotypeJSON).ops.length, 2);
    assert.throws(() => parseHypercuboidGenotype('{"space":"darts"}'), /expected the JSON form with "space": "hypercuboid"/);
  });

  test('interruptedHypercuboidSearchResumesToTheSameGrid', async () => {
    const cfg = tinyConfig({ method: 'sharpdarts', space: 'hypercuboid', trainLimit: 32, lrWarmupEpochs: 1, layers: 2, steps: 2, mixing: 'max-w' });
    const whole = await search(cfg);
    const dir = mkdtempSync(join(tmpdir(), 'dnas-sharp-'));
    assert.equal((await search(cfg, { dir, stopAfterSteps: 1 })).result.interrupted, true);
    const resumed = await search(cfg, { dir, resume: true });
    assert.equal(resumed.result.interrupted, false);
    assert.deepEqual(resumed.result.genotypeJSON, whole.result.genotypeJSON);
  });
});
