// R-DARTS' reduced spaces S1–S4 on the DARTS cell: per-edge op pairs (S1), small shared lists
// (S2–S4), the noise op, genotypes in DARTS' format, and every method runs on them.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RunDir } from '../../../src/cli/run-dir.js';
import { buildSearch } from '../../../src/nas/build.js';
import { resolveSearchConfig, type SearchOverrides } from '../../../src/nas/config.js';
import { runSearch } from '../../../src/nas/search.js';
import { openSearchData } from '../../../src/nas/search-data.js';
import type { DartsGenotype } from '../../../src/nas/spaces/darts-genotype.js';
import { NoiseOp } from '../../../src/nas/spaces/darts-ops.js';
import { type DartsSearchCell, type DartsSupernet, createDartsSpace } from '../../../src/nas/spaces/darts-space.js';
import { RDARTS_S1 } from '../../../src/nas/spaces/rdarts-spaces.js';
import type { WeightedSumEdge } from '../../../src/nas/mixing/weighted-sum.js';
import * as torch from '../../../src/torch/index.js';

async function tinySearch(overrides: SearchOverrides) {
  const cfg = resolveSearchConfig({ dataset: 'synthetic', epochs: 1, batchSize: 8, initChannels: 4, layers: 3, numThreads: 1, seed: 1, trainLimit: 16, ...overrides });
  const dir = mkdtempSync(join(tmpdir(), 'dnas-rdarts-'));
  new RunDir(dir).create();
  const epochs: { trainLoss: number; validLoss: number | null; archWeights: Record<string, number[][]> }[] = [];
  const result = await runSearch(cfg, {
    runDir: dir,
    resume: false,
    data: await openSearchData(cfg),
    onEvent: (e) => {
      if (e.type === 'epoch') epochs.push(e);
    },
    logBytes: () => 0,
    truncateLog: () => {},
    shouldStop: () => false,
  });
  return { cfg, result, epoch: epochs[0]! };
}

/** Edge index (α row) of input `input` of node `node` in the DARTS cell. */
const edgeIndex = (node: number, input: number) => (node * (node + 3)) / 2 + input;

describe('R-DARTS spaces', () => {
  test('s1GivesEveryEdgeItsOwnPairOfOpsWithAlphaOfTwoColumns', () => {
    const cfg = resolveSearchConfig({ primitives: ['s1'], initChannels: 4, layers: 3 });
    assert.deepEqual(cfg.primitives, ['s1'], 'config.json keeps the list name');
    torch.manualSeed(0);
    const parts = buildSearch(cfg, { inChannels: 3, numClasses: 4 });
    assert.deepEqual(parts.arch.alphas_normal!.shape, [14, 2]);
    assert.deepEqual(parts.arch.alphas_reduce!.shape, [14, 2]);
    assert.deepEqual([...parts.space.primitives], ['max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'dil_conv_3x3', 'dil_conv_5x5']);
    for (const cell of (parts.net as DartsSupernet).cells) {
      const c = cell as DartsSearchCell;
      const built = [...c.edges].map((e) => [...(e as WeightedSumEdge).primitives]);
      assert.deepEqual(built, RDARTS_S1[c.reduction ? 'reduce' : 'normal'].map((r) => [...r]));
    }
  });

  test('s2ToS4AreSharedOpListsInTheReferenceOrder', () => {
    assert.deepEqual(resolveSearchConfig({ primitives: ['s2'] }).primitives, ['skip_connect', 'sep_conv_3x3']);
    assert.deepEqual(resolveSearchConfig({ primitives: ['s3'] }).primitives, ['none', 'skip_connect', 'sep_conv_3x3']);
    assert.deepEqual(resolveSearchConfig({ primitives: ['s4'] }).primitives, ['noise', 'sep_conv_3x3']);
  });

  test('theNoiseOpOutputsStandardGaussianNoiseOfTheStridedShapeAndNoGradient', () => {
    torch.manualSeed(2);
    const x = torch.zeros([4, 8, 32, 32]).requiresGrad_(true);
    const strided = new NoiseOp(2).forward(x);
    assert.deepEqual(strided.shape, [4, 8, 16, 16]);
    assert.equal(strided.requiresGrad, false, 'no gradient reaches the input');
    const plain = new NoiseOp(1).forward(x);
    assert.deepEqual(plain.shape, [4, 8, 32, 32]);
    // N(0, 1) whatever the input (here all zeros): 32,768 values.
    const mean = plain.mean().item();
    const std = plain.std().item();
    assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
    assert.ok(Math.abs(std - 1) < 0.03, `std ${std}`);
  });

  test('s1OnlyFitsTheDartsSpace', () => {
    assert.throws(() => resolveSearchConfig({ space: 'nb201', primitives: ['s1'] }), /^Error: --primitives: 's1' gives every edge of a DARTS cell its own ops; only the darts space/);
    assert.throws(() => resolveSearchConfig({ primitives: ['s5'] }), /--primitives: unknown op 's5'.*s2, s3, s4.*s1\)$/);
  });

  test('aTinySearchRunsOnEverySpaceAndItsGenotypeRoundTripsInDartsFormat', async () => {
    const runs: SearchOverrides[] = [
      { primitives: ['s1'] },
      { primitives: ['s2'] },
      { primitives: ['s3'] },
      { primitives: ['s4'] },
      { primitives: ['s1'], method: 'gdas' },
      { primitives: ['s1'], method: 'rome', romeK: 2 },
    ];
    for (const o of runs) {
      const { cfg, result, epoch } = await tinySearch(o);
      const label = `${cfg.method} on ${cfg.primitives.join(',')}`;
      assert.ok(Number.isFinite(epoch.trainLoss) && Number.isFinite(epoch.validLoss!), label);
      const space = createDartsSpace({ primitives: cfg.primitives });
      const g = space.parseGenotype(result.genotype) as DartsGenotype;
      assert.equal(space.formatGenotype(g), result.genotype, `${label}: prints as it parses`);
      assert.match(result.genotype, /^Genotype\(normal=\[\('\w+', \d\)/);
      for (const type of ['normal', 'reduce'] as const) {
        g[type].forEach(([op, input], i) => {
          const node = Math.floor(i / 2);
          const allowed = o.primitives![0] === 's1' ? RDARTS_S1[type][edgeIndex(node, input)]! : space.primitives;
          assert.ok(allowed.includes(op) && op !== 'none', `${label}: ${type} node ${node} input ${input} has '${op}', allowed ${allowed}`);
        });
      }
      assert.equal(epoch.archWeights.normal![0]!.length, o.primitives![0] === 's3' ? 3 : 2);
    }
  });
});
