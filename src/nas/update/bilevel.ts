// DARTS' bi-level update (Liu et al. 2019, §2.3): an architecture step on a validation batch, then
// a weight step on a training batch. First order uses ∇α L_val(w, α); second order differentiates
// through one virtual SGD step w' = w − ξ(μ·m + ∇w L_train(w, α) + λw) (the reference's
// _compute_unrolled_model, momentum and weight decay included) and approximates the mixed second
// derivative with finite differences (Eq. 8), or computes it exactly by double backward. With K
// sub-models (ROME's gradient accumulation, accumulate.ts) each step averages K architecture
// gradients and sums K weight gradients, each from a fresh sample.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { accumulateSubModels, checkSubModels } from './accumulate.js';
import { applyArchGradients, applyWeightGradients, beginPhase, lossAndGradients, meanOverProcesses, type StepContext, type StepStats, weightGradients } from './common.js';
import { exactMixedHvp, finiteDifferenceMixedHvp, finiteDifferenceRadius } from './hessian.js';

/** An update rule: one search step (weights and, outside warm-up, architecture). */
export interface Update {
  readonly name: string;
  /** Options recorded in logs. */
  readonly description: Record<string, unknown>;
  step(ctx: StepContext): StepStats;
}

export interface BilevelOptions {
  order: 1 | 2;
  /** 'arch-first' as quark0/darts; AutoDL-Projects' NB201 runs step weights first. */
  stepOrder?: 'arch-first' | 'weights-first';
  /** Second order: 'finite-difference' (the paper, r = 0.01/‖v‖) or 'exact' (double backward). */
  hessian?: 'finite-difference' | 'exact';
  /** The finite-difference radius numerator r in ε = r / ‖∇w' L_val‖. */
  r?: number;
  /** ROME's K: sub-models sampled per step, their gradients accumulated (default 1). */
  subModels?: number;
}

export function bilevel(opts: BilevelOptions): Update {
  const order = opts.order;
  const stepOrder = opts.stepOrder ?? 'arch-first';
  const k = checkSubModels(opts.subModels ?? 1);
  return {
    name: `bilevel-${order === 1 ? 'first' : 'second'}-order${k > 1 ? `-k${k}` : ''}`,
    description: { update: 'bilevel', order, stepOrder, subModels: k, ...(order === 2 ? { hessian: opts.hessian ?? 'finite-difference', r: opts.r ?? 1e-2 } : {}) },
    step(ctx: StepContext): StepStats {
      const stats: Partial<StepStats> = {};
      const archStep = () => {
        if (!ctx.updateArch) return;
        beginPhase(ctx, 'arch');
        const batch = ctx.nextValidBatch();
        const r = k === 1 ? (order === 1 ? firstOrderArchStep(ctx, batch) : secondOrderArchStep(ctx, batch, opts)) : accumulatedArchStep(ctx, batch, k, opts);
        stats.validLoss = r.loss;
        stats.validCorrect = r.correct;
        stats.validCount = batch.y.shape[0];
      };
      if (stepOrder === 'arch-first') archStep();
      beginPhase(ctx, 'weights');
      const w = accumulatedWeightStep(ctx, k);
      if (stepOrder === 'weights-first') archStep();
      return { ...stats, trainLoss: w.loss, trainCorrect: w.correct, trainCount: ctx.trainBatch.y.shape[0]! };
    },
  };
}

/** One weight step with the SUM of K sub-models' training gradients (K = 1: the reference's step). */
export function accumulatedWeightStep(ctx: StepContext, k: number): { loss: number; correct: number } {
  return torch.tidy(() => {
    const r = accumulateSubModels(ctx, k, 'weights', 'sum', () => {
      const g = weightGradients(ctx, ctx.trainBatch);
      return { grads: g.weightGrads, loss: g.loss, correct: g.correct };
    });
    applyWeightGradients(ctx, r.grads);
    return { loss: r.loss, correct: r.correct };
  });
}

/** One architecture step with the MEAN of K sub-models' (first- or second-order) gradients. */
export function accumulatedArchStep(ctx: StepContext, batch: { x: Tensor; y: Tensor }, k: number, opts: BilevelOptions): { loss: number; correct: number } {
  return torch.tidy(() => {
    const r = accumulateSubModels(ctx, k, 'arch', 'mean', () => {
      if (opts.order === 2) {
        const u = unrolledHypergradient(ctx, batch, opts);
        return { grads: u.grads, loss: u.loss, correct: u.correct };
      }
      const g = lossAndGradients(ctx, batch, { arch: true, weights: false }, 'validation');
      return { grads: g.archGrads, loss: g.loss, correct: g.correct };
    });
    applyArchGradients(ctx, r.grads);
    return { loss: r.loss, correct: r.correct };
  });
}

/** g = ∇α L_val(w, α); weight gradients are not computed at all. */
export function firstOrderArchStep(ctx: StepContext, batch: { x: Tensor; y: Tensor }): { loss: number; correct: number } {
  return torch.tidy(() => {
    const r = lossAndGradients(ctx, batch, { arch: true, weights: false }, 'validation');
    applyArchGradients(ctx, r.archGrads);
    return { loss: r.loss, correct: r.correct };
  });
}

/** The second-order hypergradient, without stepping: exported for tests and analysis. */
export function unrolledHypergradient(ctx: StepContext, validBatch: { x: Tensor; y: Tensor }, opts: Pick<BilevelOptions, 'hessian' | 'r'> = {}): { grads: Tensor[]; loss: number; correct: number } {
  const xi = ctx.lr;
  const W = ctx.weights;
  const saved = torch.noGrad(() => W.map((p) => torch.keep(p.clone())));
  let savedBuffers: Tensor[] = [];
  try {
    // 1. Virtual step w' = w − ξ(μ·m + ∇w L_train + λw), written into the weights in place: the
    //    reference builds a second network for it; overwriting and restoring is exact and cheaper.
    torch.tidy(() => {
      // Data-parallel: every process takes the same virtual step, the one the global batch gives.
      const gW = meanOverProcesses(ctx, lossAndGradients(ctx, ctx.trainBatch, { arch: false, weights: true }, 'training').weightGrads, W);
      torch.noGrad(() => {
        W.forEach((p, i) => {
          const state = ctx.weightOptimizer.state.get(p) as { momentum_buffer?: Tensor } | undefined;
          const step = p.mul(ctx.weightDecay);
          if (gW[i]) step.add_(gW[i]!);
          if (state?.momentum_buffer) step.add_(state.momentum_buffer, { alpha: ctx.momentum });
          p.sub_(step, { alpha: xi });
        });
      });
    });
    // 2. At w': dα = ∇α L_val(w', α) and v = ∇w' L_val(w', α). BN running statistics touched by this
    //    forward belong to the virtual network in the reference, so they are restored afterwards
    //    (the virtual step's own forward above ran on the real network there too, and stays).
    savedBuffers = torch.noGrad(() => ctx.net.buffers().map((b) => torch.keep(b.clone())));
    const { dAlpha, v, lossValue, correctValue } = torch.tidy(() => {
      const r = lossAndGradients(ctx, validBatch, { arch: true, weights: true }, 'validation');
      const dAlpha = ctx.archParams.map((p, i) => r.archGrads[i] ?? torch.zerosLike(p));
      // v sets the finite-difference radius and direction, so it must be the global batch's; dα
      // and the Hessian-vector product enter linearly and are averaged with the final gradient.
      const v = meanOverProcesses(
        ctx,
        W.map((p, i) => r.weightGrads[i] ?? torch.zerosLike(p)),
        W,
      ) as Tensor[];
      return { dAlpha, v, lossValue: r.loss, correctValue: r.correct };
    });
    torch.noGrad(() => {
      ctx.net.buffers().forEach((b, i) => b.copy_(savedBuffers[i]!));
      W.forEach((p, i) => p.copy_(saved[i]!));
    });
    // 3. Mixed second derivative ∇²α,w L_train(w, α) · v at the original weights.
    const hvp = opts.hessian === 'exact' ? exactMixedHvp(ctx, ctx.trainBatch, v) : finiteDifferenceMixedHvp(ctx, ctx.trainBatch, v, finiteDifferenceRadius(opts.r ?? 1e-2, v));
    const grads = torch.tidy(() => dAlpha.map((d, i) => d.sub(hvp[i]!, { alpha: xi })));
    for (const t of [...dAlpha, ...v, ...hvp]) t.dispose();
    return { grads, loss: lossValue, correct: correctValue };
  } finally {
    torch.noGrad(() => W.forEach((p, i) => p.copy_(saved[i]!)));
    for (const t of [...saved, ...savedBuffers]) t.dispose();
  }
}

function secondOrderArchStep(ctx: StepContext, batch: { x: Tensor; y: Tensor }, opts: BilevelOptions): { loss: number; correct: number } {
  const { grads, loss, correct } = unrolledHypergradient(ctx, batch, opts);
  applyArchGradients(ctx, grads);
  for (const g of grads) g.dispose();
  return { loss, correct };
}
