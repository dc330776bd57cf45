// Pieces shared by the update rules: a loss on a batch, the weight step, gradient bookkeeping.
import * as optim from '../../optim/index.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { ArchParams, Mixing, SearchSpaceInfo, Supernet } from '../types.js';

export interface Batch {
  x: Tensor;
  y: Tensor;
}

export interface StepContext {
  net: Supernet;
  space: SearchSpaceInfo;
  mixing: Mixing;
  arch: ArchParams;
  /** Arch params in optimizer order. */
  archParams: Tensor[];
  weights: Tensor[];
  trainBatch: Batch;
  /** Draws the batch for the architecture step (called at most once per step). */
  nextValidBatch: () => Batch;
  weightOptimizer: optim.SGD;
  archOptimizer: optim.Optimizer;
  /** Current weight learning rate (ξ in the second-order approximation). */
  lr: number;
  momentum: number;
  weightDecay: number;
  gradClip: number;
  /** False during warm-up epochs: only weights learn. */
  updateArch: boolean;
}

export interface StepStats {
  trainLoss: number;
  trainCorrect: number;
  trainCount: number;
  validLoss?: number;
  validCorrect?: number;
  validCount?: number;
}

/** Cross-entropy of the supernet on a batch, and the number of correct top-1 predictions. */
export function supernetLoss(ctx: Pick<StepContext, 'net' | 'mixing' | 'arch' | 'space'>, batch: Batch, archGrad: boolean): { loss: Tensor; correct: Tensor } {
  // Weights for the forward pass: without a graph when α is not being differentiated, so the
  // weight step does no bookkeeping for α.
  const w = archGrad ? ctx.mixing.cellWeights(ctx.arch, ctx.space) : torch.noGrad(() => ctx.mixing.cellWeights(ctx.arch, ctx.space));
  const logits = ctx.net.forward(batch.x, w);
  const loss = torch.crossEntropy(logits, batch.y);
  const correct = torch.noGrad(() => logits.argmax(1).eq(batch.y).sum());
  return { loss, correct };
}

/** One SGD step on the training batch with gradient-norm clipping (the reference's weight step). */
export function weightStep(ctx: StepContext): { loss: number; correct: number } {
  return torch.tidy(() => {
    const { loss, correct } = supernetLoss(ctx, ctx.trainBatch, false);
    const lossValue = loss.item();
    assertFiniteLoss(lossValue, 'training');
    ctx.weightOptimizer.zeroGrad();
    loss.backward();
    optim.clipGradNorm(ctx.weights, ctx.gradClip);
    ctx.weightOptimizer.step();
    return { loss: lossValue, correct: correct.item() };
  });
}

export class NonFiniteLossError extends Error {
  constructor(readonly which: string, readonly value: number) {
    super(`${which} loss became ${value}: the search diverged; lower the learning rate (--lr / --arch-lr) or check the data; the last good checkpoint is kept`);
  }
}

export function assertFiniteLoss(value: number, which: string): void {
  if (!Number.isFinite(value)) throw new NonFiniteLossError(which, value);
}

/**
 * Runs `fn` with the weights marked as not requiring grad. Used when only ∇α is wanted: libtorch
 * then neither computes weight gradients (for CPU depthwise convs the costliest part of backward)
 * nor saves the activations that only weight gradients need, e.g. every conv's input.
 */
export function withFrozenWeights<T>(weights: Tensor[], fn: () => T): T {
  for (const p of weights) p.requiresGrad_(false);
  try {
    return fn();
  } finally {
    for (const p of weights) p.requiresGrad_(true);
  }
}

/** Writes `grads` into the arch params' .grad and lets the arch optimizer step. */
export function applyArchGradients(ctx: StepContext, grads: (Tensor | null)[]): void {
  ctx.archParams.forEach((p, i) => {
    p.grad = grads[i] ?? torch.zerosLike(p);
  });
  ctx.archOptimizer.step();
}
