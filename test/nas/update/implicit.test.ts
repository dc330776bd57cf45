import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { unrolledHypergradient } from '../../../src/nas/update/bilevel.js';
import { lossAndGradients } from '../../../src/nas/update/common.js';
import { exactMixedHvp, weightHessian, weightHvp } from '../../../src/nas/update/hessian.js';
import { hypergradientFrom, implicit, neumannSeries, validationGradients } from '../../../src/nas/update/implicit.js';
import * as torch from '../../../src/torch/index.js';
import type { Tensor } from '../../../src/torch/index.js';
import { recordOptimizerSteps } from './optimizer-calls.js';
import { tinyClassifierContext } from './tiny-supernet.js';

const flat = (ts: Tensor[]) => ts.flatMap((t) => Array.from(t.data() as Float64Array));
const norm = (a: number[]) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
const diffNorm = (a: number[], b: number[]) => norm(a.map((v, i) => v - b[i]!));

/** Tensors shaped like `like` holding the flat values `x`. */
function unflat(x: number[], like: Tensor[]): Tensor[] {
  let o = 0;
  return like.map((p) => {
    const n = p.numel();
    const t = torch.keep(torch.tensor(x.slice(o, o + n), { dtype: 'float64', shape: p.shape }));
    o += n;
    return t;
  });
}

/** Solves A x = b by Gaussian elimination with partial pivoting (A dense, row-major rows). */
function solve(A: number[][], b: number[]): number[] {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r]![c]!) > Math.abs(M[p]![c]!)) p = r;
    [M[c], M[p]] = [M[p]!, M[c]!];
    for (let r = c + 1; r < n; r++) {
      const f = M[r]![c]! / M[c]![c]!;
      for (let k = c; k <= n; k++) M[r]![k]! -= f * M[c]![k]!;
    }
  }
  const x = new Array<number>(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r]![n]!;
    for (let k = r + 1; k < n; k++) s -= M[r]![k]! * x[k]!;
    x[r] = s / M[r]![r]!;
  }
  return x;
}

describe('iDARTS implicit update', () => {
  test('weightHessianVectorProductMatchesFiniteDifferencesOfTheGradientAndIsSymmetric', () => {
    const ctx = tinyClassifierContext({ allWeights: true });
    const W = ctx.weights;
    const u = W.map((p) => torch.keep(torch.randnLike(p)));
    const raw = W.map((p) => torch.randnLike(p));
    const rawNorm = norm(flat(raw));
    // A unit direction, so the central difference stays inside one smooth piece of the ReLU network.
    const v = raw.map((t) => torch.keep(t.div(rawNorm)));
    const Hv = flat(weightHvp(ctx, ctx.trainBatch, v));
    const Hu = flat(weightHvp(ctx, ctx.trainBatch, u));
    // ⟨u, Hv⟩ = ⟨v, Hu⟩: a Hessian is symmetric.
    const uHv = flat(u).reduce((s, x, i) => s + x * Hv[i]!, 0);
    const vHu = flat(v).reduce((s, x, i) => s + x * Hu[i]!, 0);
    assert.ok(Math.abs(uHv - vHu) <= 1e-9 * (1 + Math.abs(uHv)), `${uHv} vs ${vHu}`);
    // Central differences of ∇w L along v, at a radius inside one smooth piece of the ReLU network.
    const saved = torch.noGrad(() => W.map((p) => torch.keep(p.clone())));
    const h = 1e-6;
    const gradAt = (t: number) => {
      torch.noGrad(() => W.forEach((p, i) => p.copy_(saved[i]!).add_(v[i]!, { alpha: t })));
      return torch.tidy(() => flat(lossAndGradients(ctx, ctx.trainBatch, { arch: false, weights: true }, 'training').weightGrads.map((g, i) => g ?? torch.zerosLike(W[i]!))));
    };
    const up = gradAt(h);
    const down = gradAt(-h);
    torch.noGrad(() => W.forEach((p, i) => p.copy_(saved[i]!)));
    const fd = up.map((x, i) => (x - down[i]!) / (2 * h));
    assert.ok(diffNorm(fd, Hv) <= 1e-5 * norm(Hv), `‖fd − Hv‖ = ${diffNorm(fd, Hv)}, ‖Hv‖ = ${norm(Hv)}`);
  });

  test('neumannHypergradientConvergesToTheExactImplicitFunctionHypergradient', () => {
    // The classifier matrix of a tiny NB201 supernet: 12 weights, H = ∇²w L_train formed densely
    // from 12 exact products. Cross-entropy is convex in these weights; H is singular only along
    // "add the same value to every class's weight of a feature" (softmax invariance), directions
    // that ∇w L_val is orthogonal to and ∇²α,w L_train maps to zero. So H⁻¹ is taken on their
    // complement: x = (H + P_null)⁻¹ v0, with P_null the projector onto them.
    const ctx = tinyClassifierContext({ batch: 32 });
    const [classes, features] = ctx.weights[0]!.shape as [number, number];
    const n = classes * features;
    const H = weightHessian(ctx, ctx.trainBatch);
    const dense: number[][] = [];
    for (let j = 0; j < n; j++) {
      const e = new Array<number>(n).fill(0);
      e[j] = 1;
      dense.push(torch.tidy(() => flat(H.apply(unflat(e, ctx.weights)))));
    }
    H.dispose();
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) assert.ok(Math.abs(dense[i]![j]! - dense[j]![i]!) < 1e-12, 'H is symmetric');
    const nullDirections = Array.from({ length: features }, (_, f) => Array.from({ length: n }, (_, i) => (i % features === f ? 1 / Math.sqrt(classes) : 0)));
    const times = (A: number[][], y: number[]) => A.map((row) => row.reduce((s, h, j) => s + h * y[j]!, 0));
    const project = (y: number[]) => nullDirections.reduce((z, u) => { const d = u.reduce((s, q, i) => s + q * z[i]!, 0); return z.map((q, i) => q - d * u[i]!); }, y);
    for (const u of nullDirections) assert.ok(norm(times(dense, u)) < 1e-12, 'the softmax-invariant directions are null');
    const regularised = dense.map((row, i) => row.map((h, j) => h + nullDirections.reduce((s, u) => s + u[i]! * u[j]!, 0)));
    const val = validationGradients(ctx, ctx.nextValidBatch());
    const v0 = flat(val.v0);
    assert.ok(norm(v0.map((x, i) => x - project(v0)[i]!)) < 1e-12, 'v0 lies in the range of H');
    const x = solve(regularised, v0);
    // Exact: ∇α L_val − ∇²α,w L_train · H⁻¹ ∇w L_val.
    const g1 = flat(val.g1);
    const mixed = flat(exactMixedHvp(ctx, ctx.trainBatch, unflat(x, ctx.weights)));
    const exact = g1.map((g, i) => g - mixed[i]!);
    // The series converges for 0 < η < 2/λ_max, fastest at η = 2/(λ_max + λ_min) (extremes of H on
    // its range, by power iteration on H and on λ_max·I − H).
    const power = (apply: (y: number[]) => number[]) => {
      let y = project(Array.from({ length: n }, (_, i) => Math.sin(i + 1)));
      let lambda = 0;
      for (let it = 0; it < 3000; it++) {
        const z = project(apply(y));
        lambda = norm(z);
        y = z.map((q) => q / lambda);
      }
      return lambda;
    };
    const lambdaMax = power((y) => times(dense, y));
    const lambdaMin = lambdaMax - power((y) => times(dense, y).map((h, i) => lambdaMax * y[i]! - h));
    assert.ok(lambdaMin > 0 && lambdaMax / lambdaMin < 40, `H is positive definite on its range, κ = ${lambdaMax / lambdaMin}`);
    ctx.lr = 2 / (lambdaMax + lambdaMin);
    const errorAt = (K: number) => diffNorm(flat(hypergradientFrom(ctx, val, ctx.trainBatch, { neumannK: K, hessian: 'exact' })), exact);
    const correction = diffNorm(exact, g1);
    const [e0, e20, e200] = [errorAt(0), errorAt(20), errorAt(200)];
    assert.ok(e200 < e20 && e20 < e0, `the error shrinks with K: ${e0}, ${e20}, ${e200}`);
    assert.ok(e200 <= 1e-5 * correction, `K = 200: error ${e200} vs implicit correction ${correction}`);
    // The reference's finite-difference mixed product agrees to its O(R²‖S‖²) truncation: R is
    // normalised by ‖v0‖, and ‖S‖ ≫ ‖v0‖ with many terms, so the step along S is not small.
    const fd = flat(hypergradientFrom(ctx, val, ctx.trainBatch, { neumannK: 200 }));
    assert.ok(diffNorm(fd, exact) <= 1e-4 * correction, `finite difference: error ${diffNorm(fd, exact)} vs ${correction}`);
  });

  test('withNoNeumannTermsTheHypergradientIsTheOneStepUnrolledHypergradient', () => {
    // DARTS' unrolled gradient is ∇α L_val(w') − ξ·∇²α,w L_train(w)·∇w' L_val(w') with
    // w' = w − ξ∇w L_train(w) once momentum and weight decay are zero. iDARTS' formula with K = 0 is
    // g1 − η·∇²α,w L_train(w)·v0: the same expression when g1 and v0 are taken at w' and the
    // Hessian at w on the same batch. So: take them at w', go back to w, apply the formula.
    for (const hessian of ['exact', 'finite-difference'] as const) {
      const ctx = tinyClassifierContext({ allWeights: true });
      ctx.momentum = 0;
      ctx.weightDecay = 0;
      const validBatch = ctx.nextValidBatch();
      const unrolled = flat(unrolledHypergradient(ctx, validBatch, { hessian }).grads);
      const saved = torch.noGrad(() => ctx.weights.map((p) => torch.keep(p.clone())));
      torch.tidy(() => {
        const gW = lossAndGradients(ctx, ctx.trainBatch, { arch: false, weights: true }, 'training').weightGrads;
        torch.noGrad(() => ctx.weights.forEach((p, i) => gW[i] && p.sub_(gW[i]!, { alpha: ctx.lr })));
      });
      const atUnrolled = validationGradients(ctx, validBatch);
      torch.noGrad(() => ctx.weights.forEach((p, i) => p.copy_(saved[i]!)));
      const implicitK0 = flat(hypergradientFrom(ctx, atUnrolled, ctx.trainBatch, { neumannK: 0, hessian }));
      const scale = Math.max(...unrolled.map(Math.abs));
      implicitK0.forEach((g, i) => assert.ok(Math.abs(g - unrolled[i]!) <= 1e-12 * scale, `${hessian}, alpha ${i}: ${g} vs ${unrolled[i]}`));
    }
  });

  test('theWeightsAreRestoredExactlyUnlessTheReferenceRestoreIsAsked', () => {
    const ctx = tinyClassifierContext();
    const val = validationGradients(ctx, ctx.nextValidBatch());
    const before = flat(ctx.weights);
    const S = flat(neumannSeries(ctx, ctx.trainBatch, val.v0, ctx.lr, 2));
    hypergradientFrom(ctx, val, ctx.trainBatch, { neumannK: 2 });
    assert.deepEqual(flat(ctx.weights), before);
    // The reference adds back R·v0 where it took 2R·S away: w ends at w − R·(v1 + v2).
    hypergradientFrom(ctx, val, ctx.trainBatch, { neumannK: 2, referenceRestore: true });
    const v0 = flat(val.v0);
    const R = 1e-2 / norm(v0);
    const after = flat(ctx.weights);
    after.forEach((w, i) => assert.ok(Math.abs(w - (before[i]! - R * (S[i]! - v0[i]!))) <= 1e-12 * (1 + Math.abs(w)), `weight ${i}`));
    assert.ok(diffNorm(after, before) > 0);
  });

  test('aStepRunsTInnerWeightStepsOnFreshBatchesThenOneArchitectureStepAndNoOtherWeightStep', () => {
    const ctx = tinyClassifierContext();
    const calls = recordOptimizerSteps({ weights: ctx.weightOptimizer, arch: ctx.archOptimizer });
    const train = ctx.trainBatch;
    let drawn = 0;
    ctx.nextTrainBatch = () => {
      drawn++;
      return train;
    };
    const before = flat(ctx.archParams);
    const stats = torch.tidy(() => implicit({ innerSteps: 3, neumannK: 2 }).step(ctx));
    assert.deepEqual(calls, ['weights', 'weights', 'weights', 'arch']);
    // T − 1 fresh batches for the inner steps (the loop's batch opens them), one for the Hessian.
    assert.equal(drawn, 3);
    assert.equal(stats.trainCount, 3 * train.y.shape[0]!);
    assert.ok(Number.isFinite(stats.validLoss!));
    assert.ok(diffNorm(flat(ctx.archParams), before) > 0, 'α moved');
  });
});
