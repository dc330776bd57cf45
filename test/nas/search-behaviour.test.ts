// The search itself works: architecture parameters move on a learnable task and the derived
// genotype changes, warm-up holds them still, the step order is the method's, second order and
// GDAS run end to end, and a phase draws its sample once.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildSearch, createStepContext, deriveGenotype } from '../../src/nas/build.js';
import type { SearchConfig } from '../../src/nas/config.js';
import { gdasSampler } from '../../src/nas/mixing/gdas.js';
import { composeMixing } from '../../src/nas/mixing/index.js';
import * as torch from '../../src/torch/index.js';
import { assertResumesBitForBit, epochsOf, search, tinyConfig } from './search-harness.js';
import { recordOptimizerSteps } from './update/optimizer-calls.js';

/** The genotype and softmax(α) a run starts from (runSearch seeds, then builds, exactly like this). */
function initialState(cfg: SearchConfig) {
  torch.manualSeed(cfg.seed);
  const parts = buildSearch(cfg, { inChannels: 3, numClasses: 4 });
  return { ...deriveGenotype(parts), weights: parts.mixing.derivationWeights(parts.arch, parts.space) };
}

const maxAbsDiff = (a: number[][], b: number[][]) => Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - b[i]![j]!))));

describe('search behaviour', () => {
  test('architectureParametersMoveAndTheGenotypeChangesOnALearnableTask', async () => {
    // 2 epochs of 8 steps. Measured (seeds 1-5): after them α has moved by 0.04-0.08 and the train
    // accuracy is 0.83-0.96; after 1 epoch already 0.025-0.035 and 0.48-0.63 (chance is 0.25).
    const cfg = tinyConfig({ epochs: 2, archLr: 0.03 });
    const start = initialState(cfg);
    const { result, events } = await search(cfg);
    const last = epochsOf(events).at(-1)!;
    // α starts at 1e-3·N(0,1), so softmax rows start within ~1e-3 of uniform (1/8).
    const moved = maxAbsDiff(last.archWeights.normal!, start.weights.normal!.ops);
    assert.ok(moved > 0.01, `α moved: max |Δ softmax(α)| = ${moved}`);
    assert.notEqual(result.genotype, start.genotype);
    assert.ok(last.trainAcc > 0.4, `the supernet learns the task (train accuracy ${last.trainAcc})`);
  });

  test('warmUpEpochsLeaveTheArchitectureUntouched', async () => {
    // 4 steps an epoch: the second epoch's α moves by about 0.017.
    const cfg = tinyConfig({ epochs: 2, warmupEpochs: 1, archLr: 0.03, trainLimit: 128 });
    const start = initialState(cfg);
    const [first, second] = epochsOf((await search(cfg)).events);
    assert.deepEqual(first!.archWeights, Object.fromEntries(Object.entries(start.weights).map(([t, w]) => [t, w.ops])));
    assert.equal(first!.validAcc, null, 'no architecture step ran in warm-up');
    assert.ok(maxAbsDiff(second!.archWeights.normal!, first!.archWeights.normal!) > 1e-4);
  });

  test('theStepOrderIsTheMethods', () => {
    for (const stepOrder of ['arch-first', 'weights-first'] as const) {
      const cfg = tinyConfig({ stepOrder });
      torch.manualSeed(0);
      const parts = buildSearch(cfg, { inChannels: 3, numClasses: 4 });
      const calls = recordOptimizerSteps({ arch: parts.archOptimizer, weights: parts.weightOptimizer });
      const batch = () => ({ x: torch.keep(torch.randn([4, 3, 8, 8])), y: torch.keep(torch.randint(0, 4, [4])) });
      const ctx = createStepContext(parts, { trainBatch: batch(), nextValidBatch: batch });
      torch.tidy(() => parts.update.step(ctx));
      assert.deepEqual(calls, stepOrder === 'arch-first' ? ['arch', 'weights'] : ['weights', 'arch']);
    }
  });

  test('secondOrderRunsEndToEnd', async () => {
    // 4 second-order steps move α by about 0.016.
    const cfg = tinyConfig({ epochs: 1, order: 2, archLr: 0.03, trainLimit: 128 });
    const start = initialState(cfg);
    const { result, events } = await search(cfg);
    const [epoch] = epochsOf(events);
    assert.ok(Number.isFinite(epoch!.trainLoss) && Number.isFinite(epoch!.validLoss!));
    const moved = maxAbsDiff(epoch!.archWeights.normal!, start.weights.normal!.ops);
    assert.ok(moved > 1e-3, `α moved: ${moved}`);
    assert.equal(result.interrupted, false);
  });

  test('aGdasPhaseDrawsOneSampleForAllItsForwards', () => {
    // A second-order architecture step runs four forwards (virtual step, w', w + εv, w − εv) and the
    // weight step one: one Gumbel draw per cell type and phase, i.e. 2 phases × 2 cell types.
    const cfg = tinyConfig({ method: 'gdas', order: 2 });
    torch.manualSeed(0);
    let draws = 0;
    const mixing = composeMixing({
      sampler: gdasSampler({ tauMax: 10, tauMin: 0.1, drawGumbel: (a) => { draws++; return torch.emptyLike(a).exponential_().log().neg(); } }),
      partialChannels: 1,
      edgeNorm: false,
    });
    const parts = buildSearch(cfg, { inChannels: 3, numClasses: 4 }, { mixing });
    const batch = () => ({ x: torch.keep(torch.randn([4, 3, 8, 8])), y: torch.keep(torch.randint(0, 4, [4])) });
    const ctx = createStepContext(parts, { trainBatch: batch(), nextValidBatch: batch, updateArch: true });
    torch.tidy(() => parts.update.step(ctx));
    assert.equal(draws, 4);
  });

  test('gdasSearchesResumeBitForBitAndLogTau', async () => {
    const whole = await assertResumesBitForBit(tinyConfig({ space: 'nb201', method: 'gdas', layers: 1, epochs: 2, trainLimit: 128 }), 3);
    const taus = epochsOf(whole.events).map((e) => e.tau!);
    assert.equal(taus[0], 10);
    assert.ok(Math.abs(taus[1]! - 0.1) < 1e-12);
  });
});
