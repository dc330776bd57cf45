// iDARTS' implicit hypergradient (Zhang et al. 2021, methods.md §4). At w* = argmin L_train the
// implicit function theorem gives
//   ∇α L_val(w*(α), α) = ∇α L_val − ∇²α,w L_train · H⁻¹ · ∇w L_val,   H = ∇²w L_train   (§4.1)
// and H⁻¹ ≈ η Σ_{k=0..K} (I − ηH)^k (Neumann). Per step, as the reference code does (§4.2):
//   1. T weight steps on fresh training batches: the inner optimisation that brings w towards w*.
//      These ARE the method's weight training: the reference's loop runs no other weight step, so
//      this rule runs none either.
//   2. v0 = ∇w L_val(w_T), g1 = ∇α L_val(w_T) on the architecture batch.
//   3. S = Σ_{k=0..K} vₖ, vₖ₊₁ = vₖ − η·H·vₖ, with exact H·v on ONE further training batch.
//   4. M = ∇²α,w L_train · S on that batch (central differences with R = r/‖v0‖, or exact).
//   5. g = g1 − η·M; the architecture optimizer steps.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { Update } from './bilevel.js';
import { applyArchGradients, type Batch, beginPhase, lossAndGradients, meanOverProcesses, type StepContext, type StepStats, weightStep } from './common.js';
import { exactMixedHvp, finiteDifferenceMixedHvp, finiteDifferenceRadius, weightHessian } from './hessian.js';

export interface ImplicitOptions {
  /** T: weight steps per architecture step (5 on the DARTS space, 4 on NAS-Bench-201). */
  innerSteps: number;
  /** K: Neumann terms beyond the first; 0 gives the one-step unrolled hypergradient's form. */
  neumannK: number;
  /** The mixed product: 'finite-difference' (the reference) or 'exact' (double backward). */
  hessian?: 'finite-difference' | 'exact';
  /** Finite-difference radius numerator r in R = r / ‖v0‖. */
  r?: number;
  /**
   * Reproduce the reference's restore after the finite difference: it adds back R·v0 where it
   * subtracted R·S, so the weights stay shifted by −R·(S − v0) (its comment calls the shift useful
   * noise). Off by default: the weights are restored exactly.
   */
  referenceRestore?: boolean;
}

/** ∇α L_val and ∇w L_val at the current weights: the g1 and v0 of step 2. */
export interface ValidationGradients {
  g1: Tensor[];
  v0: Tensor[];
  loss: number;
  correct: number;
}

export function validationGradients(ctx: StepContext, batch: Batch): ValidationGradients {
  return torch.tidy(() => {
    const r = lossAndGradients(ctx, batch, { arch: true, weights: true }, 'validation');
    return {
      g1: ctx.archParams.map((p, i) => r.archGrads[i] ?? torch.zerosLike(p)),
      // Data-parallel: v0 feeds the Neumann series and the finite-difference radius, so it is the
      // global batch's on every process; g1 enters linearly and is averaged with the final gradient.
      v0: meanOverProcesses(
        ctx,
        ctx.weights.map((p, i) => r.weightGrads[i] ?? torch.zerosLike(p)),
        ctx.weights,
      ) as Tensor[],
      loss: r.loss,
      correct: r.correct,
    };
  });
}

/** S = Σ_{k=0..K} (I − ηH)^k v0, with H the weight Hessian of the training loss on `batch`. */
export function neumannSeries(ctx: StepContext, batch: Batch, v0: Tensor[], eta: number, K: number): Tensor[] {
  const sum = torch.noGrad(() => v0.map((t) => torch.keep(t.clone())));
  if (K === 0) return sum;
  const H = weightHessian(ctx, batch);
  let v = v0.map((t) => torch.keep(t.clone()));
  try {
    for (let k = 1; k <= K; k++) {
      const next = torch.tidy(() => {
        // (I − ηH)^k is not linear in each process's H: average every product H·v.
        const hv = meanOverProcesses(ctx, H.apply(v), ctx.weights) as Tensor[];
        return v.map((t, i) => torch.keep(t.sub(hv[i]!, { alpha: eta })));
      });
      for (const t of v) t.dispose();
      v = next;
      torch.noGrad(() => sum.forEach((s, i) => s.add_(v[i]!)));
    }
  } finally {
    H.dispose();
    for (const t of v) t.dispose();
  }
  return sum;
}

/**
 * Steps 3–5 from given validation gradients: g = g1 − η·∇²α,w L_train(w) · S(v0), with the Hessians
 * taken at the current weights on `hvpBatch`. Exported so tests can evaluate the formula at chosen
 * points (with K = 0 and g1, v0 taken at w − η∇w L_train it is DARTS' one-step unrolled gradient).
 */
export function hypergradientFrom(ctx: StepContext, val: Pick<ValidationGradients, 'g1' | 'v0'>, hvpBatch: Batch, opts: Omit<ImplicitOptions, 'innerSteps'>): Tensor[] {
  const eta = ctx.lr;
  const S = neumannSeries(ctx, hvpBatch, val.v0, eta, opts.neumannK);
  try {
    let M: Tensor[];
    if (opts.hessian === 'exact') {
      M = exactMixedHvp(ctx, hvpBatch, S);
    } else {
      // The radius is normalised by ‖v0‖, not ‖S‖, as in the reference.
      const R = finiteDifferenceRadius(opts.r ?? 1e-2, val.v0);
      M = finiteDifferenceMixedHvp(ctx, hvpBatch, S, R);
      if (opts.referenceRestore) torch.tidy(() => torch.noGrad(() => ctx.weights.forEach((p, i) => p.sub_(S[i]!.sub(val.v0[i]!), { alpha: R }))));
    }
    const g = torch.tidy(() => val.g1.map((d, i) => torch.keep(d.sub(M[i]!, { alpha: eta }))));
    for (const t of M) t.dispose();
    return g;
  } finally {
    for (const t of S) t.dispose();
  }
}

/** The implicit hypergradient at the current weights (steps 2–5), without stepping. */
export function implicitHypergradient(ctx: StepContext, validBatch: Batch, hvpBatch: Batch, opts: Omit<ImplicitOptions, 'innerSteps'>): { grads: Tensor[]; loss: number; correct: number } {
  const val = validationGradients(ctx, validBatch);
  try {
    return { grads: hypergradientFrom(ctx, val, hvpBatch, opts), loss: val.loss, correct: val.correct };
  } finally {
    for (const t of [...val.g1, ...val.v0]) t.dispose();
  }
}

export function implicit(opts: ImplicitOptions): Update {
  return {
    name: 'implicit',
    description: { update: 'implicit', innerSteps: opts.innerSteps, neumannK: opts.neumannK, hessian: opts.hessian ?? 'finite-difference', r: opts.r ?? 1e-2, referenceRestore: opts.referenceRestore ?? false },
    step(ctx: StepContext): StepStats {
      let trainLoss = 0;
      let trainCorrect = 0;
      let trainCount = 0;
      // Step 1, also during warm-up: the inner steps are the weight training. The loop's batch
      // opens them; the others are drawn fresh, as the reference's next(iter(train_queue)).
      for (let t = 0; t < opts.innerSteps; t++) {
        const batch = t === 0 ? ctx.trainBatch : ctx.nextTrainBatch();
        beginPhase(ctx, 'weights');
        const w = weightStep(ctx, batch);
        const n = batch.y.shape[0]!;
        trainLoss += w.loss * n;
        trainCorrect += w.correct;
        trainCount += n;
      }
      const stats: StepStats = { trainLoss: trainLoss / trainCount, trainCorrect, trainCount };
      if (!ctx.updateArch) return stats;
      beginPhase(ctx, 'arch');
      const validBatch = ctx.nextValidBatch();
      const hvpBatch = ctx.nextTrainBatch();
      const r = implicitHypergradient(ctx, validBatch, hvpBatch, opts);
      applyArchGradients(ctx, r.grads);
      for (const g of r.grads) g.dispose();
      return { ...stats, validLoss: r.loss, validCorrect: r.correct, validCount: validBatch.y.shape[0]! };
    },
  };
}
