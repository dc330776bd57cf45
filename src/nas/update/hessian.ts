// Second-derivative products of the training loss that the hypergradients need: the mixed product
// ∇²α,w L_train · v (by central finite differences of ∇α, as DARTS' Eq. 8 and iDARTS' code do, or
// exactly by double backward) and the weight Hessian product H·v = ∇w⟨∇w L_train, v⟩ (iDARTS' Neumann
// series). All take an explicit batch: DARTS evaluates them on the step's training batch, iDARTS on
// one extra training batch.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { assertFiniteLoss, type Batch, lossAndGradients, type StepContext, supernetLoss } from './common.js';

/** √Σ‖vᵢ‖²: the norm of all the weight tensors concatenated (the references' `_concat(v).norm()`). */
export function concatNorm(v: Tensor[]): number {
  return torch.tidy(() => torch.stack(v.map((t) => t.norm().reshape([1]))).norm().item());
}

/** The references' finite-difference radius ε = r / ‖v‖ (guarded against a zero gradient). */
export function finiteDifferenceRadius(r: number, v: Tensor[]): number {
  const norm = concatNorm(v);
  return r / (norm === 0 ? 1 : norm);
}

/**
 * (∇α L(w + ε·d) − ∇α L(w − ε·d)) / 2ε on `batch`: the mixed product along d, to O(ε²). The weights
 * are restored exactly afterwards (copied back, not shifted back, so no rounding is left behind).
 */
export function finiteDifferenceMixedHvp(ctx: StepContext, batch: Batch, d: Tensor[], eps: number): Tensor[] {
  const W = ctx.weights;
  const saved = torch.noGrad(() => W.map((p) => torch.keep(p.clone())));
  try {
    const gradAt = (sign: 1 | -1): Tensor[] =>
      torch.tidy(() => {
        torch.noGrad(() => W.forEach((p, i) => p.copy_(saved[i]!).add_(d[i]!, { alpha: sign * eps })));
        const r = lossAndGradients(ctx, batch, { arch: true, weights: false }, 'training');
        return r.archGrads.map((g, i) => g ?? torch.zerosLike(ctx.archParams[i]!));
      });
    const gPlus = gradAt(1);
    const gMinus = gradAt(-1);
    const out = torch.tidy(() => gPlus.map((g, i) => g.sub(gMinus[i]!).div(2 * eps)));
    for (const t of [...gPlus, ...gMinus]) t.dispose();
    return out;
  } finally {
    torch.noGrad(() => W.forEach((p, i) => p.copy_(saved[i]!)));
    for (const t of saved) t.dispose();
  }
}

/** ⟨a, b⟩ summed over weight tensors; null when no tensor took part. */
function innerProduct(a: (Tensor | null)[], b: Tensor[]): Tensor | null {
  let dot: Tensor | null = null;
  a.forEach((g, i) => {
    if (!g) return;
    const term = g.mul(b[i]!).sum();
    dot = dot === null ? term : dot.add(term);
  });
  return dot;
}

/** ∇α ⟨∇w L(w, α), v⟩ by double backward on `batch`: the exact mixed Hessian-vector product. */
export function exactMixedHvp(ctx: StepContext, batch: Batch, v: Tensor[]): Tensor[] {
  return torch.tidy(() => {
    const { loss } = torch.autograd.forSecondOrder(() => supernetLoss(ctx, batch, true));
    assertFiniteLoss(loss.item(), 'training');
    const gW = torch.autograd.grad([loss], ctx.weights, { createGraph: true, allowUnused: true });
    const dot = innerProduct(gW, v);
    if (dot === null) return ctx.archParams.map((p) => torch.zerosLike(p));
    return torch.autograd.grad([dot], ctx.archParams, { allowUnused: true }).map((g, i) => g ?? torch.zerosLike(ctx.archParams[i]!));
  });
}

/** The weight Hessian of the training loss on one batch, as an operator v ↦ H·v. */
export interface WeightHessian {
  /** H·v = ∇w ⟨∇w L_train, v⟩, aligned with ctx.weights (zeros for weights the loss does not reach). */
  apply(v: Tensor[]): Tensor[];
  dispose(): void;
}

/**
 * Builds H on `batch` with one forward and one differentiable backward; every apply() is one more
 * backward through that retained graph, so K products cost K backwards, not K forwards. The forward
 * leaves BN running statistics as they were: the reference takes its products on a deep copy of the
 * network, whose statistics are thrown away.
 */
export function weightHessian(ctx: StepContext, batch: Batch): WeightHessian {
  const buffers = ctx.net.buffers();
  const savedBuffers = torch.noGrad(() => buffers.map((b) => torch.keep(b.clone())));
  // Restored on dispose, not before: the retained graph holds the statistics it saw.
  const restoreBuffers = () => {
    torch.noGrad(() => buffers.forEach((b, i) => b.copy_(savedBuffers[i]!)));
    for (const t of savedBuffers) t.dispose();
  };
  let gW: (Tensor | null)[];
  try {
    gW = torch.tidy(() => {
      const { loss } = torch.autograd.forSecondOrder(() => supernetLoss(ctx, batch, false));
      assertFiniteLoss(loss.item(), 'training');
      return torch.autograd.grad([loss], ctx.weights, { createGraph: true, allowUnused: true });
    });
  } catch (e) {
    restoreBuffers();
    throw e;
  }
  return {
    apply(v: Tensor[]): Tensor[] {
      return torch.tidy(() => {
        const dot = innerProduct(gW, v);
        if (dot === null) return ctx.weights.map((p) => torch.zerosLike(p));
        const hv = torch.autograd.grad([dot], ctx.weights, { retainGraph: true, allowUnused: true });
        return hv.map((h, i) => (h ? h.detach() : torch.zerosLike(ctx.weights[i]!)));
      });
    },
    dispose(): void {
      if (gW.length === 0) return;
      for (const g of gW) g?.dispose();
      gW = [];
      restoreBuffers();
    },
  };
}

/** H·v on `batch` (one product; build weightHessian once for several). */
export function weightHvp(ctx: StepContext, batch: Batch, v: Tensor[]): Tensor[] {
  const h = weightHessian(ctx, batch);
  try {
    return h.apply(v);
  } finally {
    h.dispose();
  }
}
