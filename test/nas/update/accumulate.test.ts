// ROME's gradient accumulation: the architecture gradient is the mean, the weight gradient the sum,
// of K separate sub-model passes, each with its own sample; K = 1 is exactly one GDAS-style step.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildSearch, createStepContext, type SearchParts } from '../../../src/nas/build.js';
import { resolveSearchConfig, type SearchOverrides } from '../../../src/nas/config.js';
import { composeMixing, gdasSampler, gumbelNoise, gumbelTop2Sampler } from '../../../src/nas/mixing/index.js';
import type { Tensor } from '../../../src/torch/index.js';
import { accumulateSubModels, beginPhase, bilevel, lossAndGradients, weightGradients } from '../../../src/nas/update/index.js';
import * as torch from '../../../src/torch/index.js';

/** Gumbel noise that is recorded on the first pass and replayed, draw for draw, after rewind(). */
function noiseTape() {
  const tape: Tensor[] = [];
  let at = -1;
  return {
    draw: (like: Tensor): Tensor => {
      if (at >= 0) return tape[at++]!.clone();
      const g = gumbelNoise(like);
      tape.push(torch.keep(g.clone()));
      return g;
    },
    rewind: () => {
      at = 0;
    },
  };
}

function romeParts(overrides: SearchOverrides, draw: (like: Tensor) => Tensor, dtype: 'float32' | 'float64' = 'float64'): SearchParts {
  const cfg = resolveSearchConfig({ dataset: 'synthetic', initChannels: 4, layers: 3, numThreads: 1, seed: 3, ...overrides });
  const mixing = composeMixing({
    sampler: gdasSampler({ tauMax: cfg.tauMax, tauMin: cfg.tauMin, drawGumbel: draw }),
    partialChannels: 1,
    edgeNorm: false,
    ...(cfg.topology === 'gumbel-top2' ? { topology: gumbelTop2Sampler({ tauMax: cfg.tauMax, tauMin: cfg.tauMin, drawGumbel: draw }) } : {}),
  });
  torch.manualSeed(cfg.seed);
  return buildSearch(cfg, { inChannels: 3, numClasses: 4 }, { mixing, dtype });
}

const list = (gs: (Tensor | null)[]) => gs.map((g) => (g ? (g.flatten().tolist() as number[]) : null));
const maxDiff = (a: (number[] | null)[], b: (number[] | null)[]) => {
  a.forEach((row, i) => assert.equal(row === null, b[i] === null, `gradient ${i} present in both or neither`));
  return Math.max(0, ...a.flatMap((row, i) => (row ?? []).map((v, j) => Math.abs(v - b[i]![j]!))));
};

describe('gradient accumulation over sub-models', () => {
  test('accumulatedGradientsAreTheMeanForArchitectureAndTheSumForWeightsOfKSeparatePasses', () => {
    const k = 3;
    const tape = noiseTape();
    const parts = romeParts({ method: 'rome', romeK: k }, tape.draw);
    torch.manualSeed(9);
    const batch = { x: torch.keep(torch.randn([4, 3, 8, 8], { dtype: 'float64' })), y: torch.keep(torch.randint(0, 4, [4])) };
    const ctx = createStepContext(parts, { trainBatch: batch, nextValidBatch: () => batch, updateArch: true });
    const archOf = () => lossAndGradients(ctx, batch, { arch: true, weights: false }, 'validation');
    const weightsOf = () => weightGradients(ctx, batch);

    // As the update runs it: the caller begins the first sub-model's phase.
    const accumulated = torch.tidy(() => {
      beginPhase(ctx, 'arch');
      const a = accumulateSubModels(ctx, k, 'arch', 'mean', () => { const r = archOf(); return { grads: r.archGrads, loss: r.loss, correct: r.correct }; });
      beginPhase(ctx, 'weights');
      const w = accumulateSubModels(ctx, k, 'weights', 'sum', () => { const r = weightsOf(); return { grads: r.weightGrads, loss: r.loss, correct: r.correct }; });
      return { arch: list(a.grads), weights: list(w.grads), loss: a.loss };
    });

    // K separate passes over the same draws, combined by hand.
    tape.rewind();
    const passes = torch.tidy(() => {
      const arch: (number[] | null)[][] = [];
      const losses: number[] = [];
      for (let i = 0; i < k; i++) {
        beginPhase(ctx, 'arch');
        const r = archOf();
        arch.push(list(r.archGrads));
        losses.push(r.loss);
      }
      const weights: (number[] | null)[][] = [];
      for (let i = 0; i < k; i++) {
        beginPhase(ctx, 'weights');
        weights.push(list(weightsOf().weightGrads));
      }
      return { arch, weights, losses };
    });
    const combine = (runs: (number[] | null)[][], scale: number) =>
      runs[0]!.map((_, p) => {
        const ref = runs.find((r) => r[p])?.[p];
        return ref ? ref.map((_, j) => runs.reduce((s, r) => s + (r[p]?.[j] ?? 0), 0) * scale) : null;
      });
    const meanArch = combine(passes.arch, 1 / k);
    const sumWeights = combine(passes.weights, 1);
    assert.ok(maxDiff(passes.arch[0]!, passes.arch[1]!) > 1e-6, 'the sub-models are different samples');
    assert.ok(maxDiff(accumulated.arch, meanArch) < 1e-14, `∇(α, β) = mean of the K passes (max diff ${maxDiff(accumulated.arch, meanArch)})`);
    assert.ok(maxDiff(accumulated.weights, sumWeights) < 1e-12, `∇w = sum of the K passes (max diff ${maxDiff(accumulated.weights, sumWeights)})`);
    // β is among the arch params and gets a gradient.
    assert.deepEqual(Object.keys(parts.arch).sort(), ['alphas_normal', 'alphas_reduce', 'betas_normal', 'betas_reduce']);
    assert.ok(accumulated.arch.every((g) => g?.some((v) => v !== 0)));
    assert.ok(Math.abs(accumulated.loss - passes.losses.reduce((a, b) => a + b, 0) / k) < 1e-14);
  });

  test('theRomeUpdateStepsAlphaBetaWithTheMeanAndTheWeightsWithTheSum', () => {
    // Plain SGD without decay or clipping for both, so a step's change is −lr × the gradient it used.
    const k = 2;
    const tape = noiseTape();
    const parts = romeParts({ method: 'rome', romeK: k, archOptimizer: 'sgd', archLr: 1, archWeightDecay: 0, weightDecay: 0, gradClip: 1e12 }, tape.draw);
    torch.manualSeed(9);
    const batch = { x: torch.keep(torch.randn([4, 3, 8, 8], { dtype: 'float64' })), y: torch.keep(torch.randint(0, 4, [4])) };
    const ctx = createStepContext(parts, { trainBatch: batch, nextValidBatch: () => batch, updateArch: true });
    const snapshot = (ts: Tensor[]) => ts.map((t) => torch.keep(t.detach().clone()));
    const [arch0, w0] = [snapshot(parts.archParams), snapshot(parts.weights)];
    torch.tidy(() => parts.update.step(ctx));
    const [arch1, w1] = [snapshot(parts.archParams), snapshot(parts.weights)];
    // Replay: the arch step's K passes at (α₀, w₀), then the weight step's K passes at (α₁, w₀).
    tape.rewind();
    const restore = (ts: Tensor[], values: Tensor[]) => torch.noGrad(() => ts.forEach((t, i) => t.copy_(values[i]!)));
    restore(parts.archParams, arch0);
    restore(parts.weights, w0);
    const archSum = torch.tidy(() => {
      const runs = Array.from({ length: k }, () => {
        beginPhase(ctx, 'arch');
        return list(lossAndGradients(ctx, batch, { arch: true, weights: false }, 'validation').archGrads);
      });
      return runs[0]!.map((g, p) => g!.map((v, j) => (v + runs[1]![p]![j]!) / k));
    });
    restore(parts.archParams, arch1);
    const weightSum = torch.tidy(() => {
      const runs = Array.from({ length: k }, () => {
        beginPhase(ctx, 'weights');
        return list(weightGradients(ctx, batch).weightGrads);
      });
      return runs[0]!.map((g, p) => (g || runs[1]![p] ? (g ?? runs[1]![p]!).map((_, j) => (g?.[j] ?? 0) + (runs[1]![p]?.[j] ?? 0)) : null));
    });
    const stepOf = (before: Tensor[], after: Tensor[], lr: number) => before.map((b, i) => (after[i]!.sub(b).div(-lr).flatten().tolist() as number[]));
    const dArch = stepOf(arch0, arch1, 1);
    const dW = stepOf(w0, w1, 0.05);
    const worst = (a: number[][], b: (number[] | null)[]) => Math.max(...a.flatMap((row, i) => row.map((v, j) => Math.abs(v - (b[i]?.[j] ?? 0)))));
    assert.ok(worst(dArch, archSum) < 1e-12, `Δ(α, β) = −mean (max diff ${worst(dArch, archSum)})`);
    assert.ok(worst(dW, weightSum) < 1e-9, `Δw = −lr·sum (max diff ${worst(dW, weightSum)})`);
    assert.ok(Math.max(...dArch.flat().map(Math.abs)) > 1e-6 && Math.max(...dW.flat().map(Math.abs)) > 1e-6, 'both steps moved');
  });

  test('oneSubModelIsExactlyOneGdasStepWithTheSameNoise', () => {
    // ROME's op sampling is GDAS': with every edge kept (NAS-Bench-201, or --topology all-edges)
    // and K = 1, ROME's step and GDAS' step (same hyperparameters, same noise) agree bit for bit.
    for (const space of ['nb201', 'darts'] as const) {
      const rome = { space, method: 'rome', romeK: 1, topology: 'all-edges', derive: space === 'darts' ? 'darts-top2' : 'argmax', layers: space === 'darts' ? 3 : 1 } as const;
      const results = (['rome', 'gdas'] as const).map((method) => {
        const tape = noiseTape();
        const cfgOverrides: SearchOverrides =
          method === 'rome' ? rome : { space, method: 'gdas', layers: rome.layers, lr: 0.05, momentum: 0.9, nesterov: false, weightDecay: 3e-4, archLr: 3e-4, stepOrder: 'arch-first', epochs: 50, primitives: space === 'darts' ? ['darts-no-none'] : ['nb201'], ...(space === 'nb201' ? { weightDecay: 5e-4, nesterov: true } : {}) };
        const parts = romeParts(cfgOverrides, tape.draw, 'float32');
        torch.manualSeed(21);
        const batch = { x: torch.keep(torch.randn([4, 3, 8, 8])), y: torch.keep(torch.randint(0, 4, [4])) };
        const ctx = createStepContext(parts, { trainBatch: batch, nextValidBatch: () => batch, updateArch: true });
        torch.tidy(() => parts.update.step(ctx));
        return { arch: parts.archParams.map((p) => p.flatten().tolist()), weights: parts.weights.map((p) => p.flatten().tolist()), update: parts.update.name };
      });
      assert.equal(results[0]!.update, 'bilevel-first-order');
      assert.deepEqual(results[0]!.arch, results[1]!.arch, `${space}: α after one step`);
      assert.deepEqual(results[0]!.weights, results[1]!.weights, `${space}: w after one step`);
    }
  });

  test('fewerThanOneSubModelIsAnErrorNamingTheFlag', () => {
    assert.throws(() => resolveSearchConfig({ method: 'rome', romeK: 0 }), /^Error: invalid configuration: --rome-k: expected an integer ≥ 1$/);
    assert.throws(() => bilevel({ order: 1, subModels: 0 }), /^Error: --rome-k: the number of sub-models per step must be an integer ≥ 1, got 0$/);
  });
});
