// ROME end to end: the preset is the paper's, a search resumes bit for bit, the derived cell keeps
// two distinct β-ranked inputs per node, and on NAS-Bench-201 it keeps every edge and says so.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseSearchConfig, resolveSearchConfig, type SearchConfig, type SearchOverrides } from '../../src/nas/config.js';
import { DERIVATIONS } from '../../src/nas/derivation.js';
import type { SearchEvent } from '../../src/nas/search.js';
import type { DartsGenotype } from '../../src/nas/spaces/darts-genotype.js';
import { createDartsSpace } from '../../src/nas/spaces/darts-space.js';
import { epochsOf, search, tinyConfig } from './search-harness.js';

const romeConfig = (overrides: SearchOverrides = {}): SearchConfig => tinyConfig({ method: 'rome', romeK: 2, trainLimit: 64, ...overrides });


const startOf = (events: SearchEvent[]) => events.find((e): e is Extract<SearchEvent, { type: 'start' }> => e.type === 'start')!;

describe('ROME search', () => {
  test('thePresetIsThePapers', () => {
    const cfg = resolveSearchConfig({ method: 'rome' });
    assert.deepEqual(
      { primitives: cfg.primitives, topology: cfg.topology, romeK: cfg.romeK, lr: cfg.lr, momentum: cfg.momentum, archOptimizer: cfg.archOptimizer, archLr: cfg.archLr, mixing: cfg.mixing, tauMax: cfg.tauMax, tauMin: cfg.tauMin, derive: cfg.derive, epochs: cfg.epochs, layers: cfg.layers, initChannels: cfg.initChannels },
      { primitives: ['max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'], topology: 'gumbel-top2', romeK: 7, lr: 0.05, momentum: 0.9, archOptimizer: 'adam', archLr: 3e-4, mixing: 'gdas', tauMax: 10, tauMin: 0.1, derive: 'rome', epochs: 50, layers: 8, initChannels: 16 },
    );
    const nb = resolveSearchConfig({ method: 'rome', space: 'nb201' });
    assert.equal(nb.topology, 'all-edges');
    assert.equal(nb.derive, 'argmax');
    assert.throws(() => resolveSearchConfig({ method: 'rome', space: 'nb201', topology: 'gumbel-top2' }), /^Error: --topology: 'gumbel-top2' draws two distinct inputs per node, but node 1 of the 'nb201' space has 1 incoming edge; use --topology all-edges/);
    assert.throws(() => resolveSearchConfig({ method: 'rome', edgeNorm: true }), /^Error: invalid configuration: --edge-norm and --topology gumbel-top2 both weigh a node's edges by β; choose one$/);
  });

  test('aConfigWrittenBeforeRomeExistedStillParsesWithoutItsParts', () => {
    const { topology, top2Relaxation, romeK, ...older } = resolveSearchConfig({ method: 'gdas' });
    assert.deepEqual([topology, top2Relaxation, romeK], ['all-edges', 'softmax', 1]);
    assert.deepEqual(parseSearchConfig(older), resolveSearchConfig({ method: 'gdas' }));
  });

  test('twoEpochsEqualOneEpochResumeAndOneEpochBitForBit', async () => {
    const cfg = romeConfig();
    const whole = await search(cfg);
    const dir = mkdtempSync(join(tmpdir(), 'dnas-rome-'));
    const first = await search(cfg, { dir, stopAfterSteps: 2 });
    assert.equal(first.result.interrupted, true);
    assert.equal(epochsOf(first.events).length, 1, 'stopped after the first epoch');
    const resumed = await search(cfg, { dir, resume: true });
    const a = epochsOf(whole.events).at(-1)!;
    const b = epochsOf(resumed.events).at(-1)!;
    assert.equal(resumed.result.genotype, whole.result.genotype);
    assert.deepEqual(b.archWeights, a.archWeights);
    assert.deepEqual(b.edgeWeights, a.edgeWeights);
    assert.equal(b.trainLoss, a.trainLoss);
    assert.equal(b.validLoss, a.validLoss);
    // The log names the parts as run.
    assert.deepEqual(startOf(whole.events).parts.mixing, { sampler: 'gdas', tauMax: 10, tauMin: 0.1, partialChannels: 1, edgeNorm: false, topology: 'gumbel-top2', top2Relaxation: 'softmax' });
    assert.equal(startOf(whole.events).parts.update.subModels, 2);
  });

  test('theRomeDerivationKeepsTheTwoLargestBetaEdgesWithTheirArgmaxOps', () => {
    const space = createDartsSpace({ primitives: ['darts-no-none'] });
    // Node 0 (edges 0, 1), node 1 (2–4), node 2 (5–8), node 3 (9–13).
    const edges = [0.5, 0.5, 0.2, 0.5, 0.3, 0.1, 0.4, 0.2, 0.3, 0.05, 0.05, 0.5, 0.1, 0.3];
    const ops = Array.from({ length: 14 }, (_, e) => Array.from({ length: 7 }, (_, k) => (k === e % 7 ? 0.4 : 0.1)));
    const g = DERIVATIONS.rome!.derive(space, { normal: { ops, edges }, reduce: { ops, edges } }) as DartsGenotype;
    const names = space.primitives;
    assert.deepEqual(g.normal, [
      [names[0], 0], [names[1], 1],
      [names[3], 1], [names[4], 2],
      [names[6], 1], [names[1], 3],
      [names[4], 2], [names[6], 4],
    ]);
    assert.throws(() => DERIVATIONS.rome!.derive(space, { normal: { ops }, reduce: { ops } }), /--derive: 'rome' ranks edges by β/);
  });

  test('onNasBench201RomeKeepsEveryEdgeAndLogsIt', async () => {
    const cfg = romeConfig({ space: 'nb201', layers: 1, epochs: 1, trainLimit: 32 });
    const { result, events } = await search(cfg);
    assert.equal(startOf(events).parts.mixing.topology, 'all-edges');
    assert.match(result.genotype, /^\|\w+~0\|\+\|\w+~0\|\w+~1\|\+\|\w+~0\|\w+~1\|\w+~2\|$/);
  });
});
