// Pieces shared by the update rules: a loss on a batch, the weight step, gradient bookkeeping.
import type { Module } from '../../nn/index.js';
import * as optim from '../../optim/index.js';
import { recordOpUsage } from '../mixing/op-usage.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { ArchParams, CellWeights, Mixing, PhaseSample, SearchSpaceInfo, Supernet, TrainingProgress } from '../types.js';

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
  /** Draws the batch for the architecture step. */
  nextValidBatch: () => Batch;
  /** Draws a fresh training batch beyond `trainBatch` (inner steps, resampled sub-models). */
  nextTrainBatch: () => Batch;
  weightOptimizer: optim.SGD;
  archOptimizer: optim.Optimizer;
  /** Current weight learning rate (ξ in the second-order approximation). */
  lr: number;
  momentum: number;
  weightDecay: number;
  gradClip: number;
  /** False during warm-up epochs: only weights learn. */
  updateArch: boolean;
  /** Leading cells recomputed during backward instead of stored (0 = off): less memory, more time. */
  checkpointCells?: number;
  /** Where training stands (temperature schedules read it). */
  progress: TrainingProgress;
  /** The current phase's sample, drawn by beginPhase; every forward of the phase uses it. */
  sample: PhaseSample;
  /**
   * Per weight, whether it has ever received a gradient. PyTorch's zero_grad() (as the references
   * call it) zero-fills such gradients instead of dropping them, so a weight that a single-path
   * sample skips still gets weight decay and momentum; we reproduce that.
   */
  weightGradSeen: boolean[];
  /**
   * Data-parallel search: the mean of gradients over the processes (see src/nas/data-parallel.ts).
   * Absent in a single process. Update rules call it through `meanOverProcesses` wherever a
   * gradient is used non-linearly (a virtual step, a finite-difference radius) and before every
   * optimizer step, so N processes with B/N examples each step as one process with B would.
   */
  allReduceMean?: (grads: readonly (Tensor | null)[], like: readonly Tensor[]) => (Tensor | null)[];
}

/** `grads` averaged over the data-parallel processes; unchanged in a single process. Call inside tidy(). */
export function meanOverProcesses(ctx: Pick<StepContext, 'allReduceMean'>, grads: (Tensor | null)[], like: readonly Tensor[]): (Tensor | null)[] {
  return ctx.allReduceMean ? ctx.allReduceMean(grads, like) : grads;
}

export type Phase = 'weights' | 'arch';

/**
 * Starts a phase (a weight update or an architecture update): draws the mixing's sample once, as
 * the references draw one sample per training forward. Forwards inside the phase reuse it.
 */
export function beginPhase(ctx: StepContext, _phase: Phase): void {
  const previous = ctx.sample;
  const sample = ctx.mixing.sample(ctx.arch, ctx.space, ctx.progress);
  if (sample) for (const t of Object.values(sample)) torch.keep(t);
  ctx.sample = sample;
  if (previous) for (const t of Object.values(previous)) t.dispose();
}

/** The phase's differentiable weights (without a graph to α unless `archGrad`). */
export function phaseWeights(ctx: Pick<StepContext, 'mixing' | 'arch' | 'space' | 'sample' | 'progress'>, archGrad: boolean): Record<string, CellWeights> {
  const make = () => ctx.mixing.cellWeights(ctx.arch, ctx.space, ctx.sample, ctx.progress);
  return archGrad ? make() : torch.noGrad(make);
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
export function supernetLoss(ctx: Pick<StepContext, 'net' | 'mixing' | 'arch' | 'space' | 'sample' | 'progress'>, batch: Batch, archGrad: boolean): { loss: Tensor; correct: Tensor } {
  // Weights for the forward pass: without a graph when α is not being differentiated, so the
  // weight step does no bookkeeping for α.
  const w = phaseWeights(ctx, archGrad);
  const logits = ctx.net.forward(batch.x, w);
  const loss = torch.crossEntropy(logits, batch.y);
  const correct = torch.noGrad(() => logits.argmax(1).eq(batch.y).sum());
  return { loss, correct };
}

export interface LossAndGradients {
  loss: number;
  correct: number;
  /** ∇α, aligned with ctx.archParams (when asked for). */
  archGrads: (Tensor | null)[];
  /** ∇w, aligned with ctx.weights (when asked for). */
  weightGrads: (Tensor | null)[];
}

/**
 * The loss on a batch and only the gradients a step needs: ∇α, ∇w or both. With weights not
 * wanted they are frozen (see withFrozenWeights); with ctx.checkpointCells the supernet recomputes
 * its first cells during backward. Throws NonFiniteLossError on NaN/∞. Call inside tidy().
 */
export function lossAndGradients(ctx: StepContext, batch: Batch, wrt: { arch: boolean; weights: boolean }, which: string): LossAndGradients {
  const run = () => {
    const k = ctx.checkpointCells ?? 0;
    if (k > 0 && ctx.net.lossAndGradients) {
      const w = phaseWeights(ctx, wrt.arch);
      // The per-cell-type weights become leaves for the segments; their gradient is carried back to α at the end.
      const leaves: Record<string, CellWeights> = {};
      const leafList: Tensor[] = [];
      const original: Tensor[] = [];
      for (const [type, cw] of Object.entries(w)) {
        const ops = wrt.arch ? cw.ops.detach().requiresGrad_(true) : cw.ops;
        const edges = cw.edges && wrt.arch ? cw.edges.detach().requiresGrad_(true) : cw.edges;
        leaves[type] = { ...cw, ops, edges };
        if (wrt.arch) {
          leafList.push(ops);
          original.push(cw.ops);
          if (edges && cw.edges) {
            leafList.push(edges);
            original.push(cw.edges);
          }
        }
      }
      const inputs = [...(wrt.weights ? ctx.weights : []), ...leafList];
      const r = ctx.net.lossAndGradients(batch.x, batch.y, leaves, inputs, k);
      const lossValue = r.loss.item();
      assertFiniteLoss(lossValue, which);
      const nW = wrt.weights ? ctx.weights.length : 0;
      let archGrads: (Tensor | null)[] = [];
      if (wrt.arch) {
        const gradOutputs = leafList.map((l, i) => r.grads[nW + i] ?? torch.zerosLike(l));
        archGrads = torch.autograd.grad(original, ctx.archParams, { gradOutputs, allowUnused: true });
      }
      return { loss: lossValue, correct: r.correct, archGrads, weightGrads: r.grads.slice(0, nW) };
    }
    const { loss, correct } = supernetLoss(ctx, batch, wrt.arch);
    const lossValue = loss.item();
    assertFiniteLoss(lossValue, which);
    const inputs = [...(wrt.arch ? ctx.archParams : []), ...(wrt.weights ? ctx.weights : [])];
    const g = torch.autograd.grad([loss], inputs, { allowUnused: true });
    const nA = wrt.arch ? ctx.archParams.length : 0;
    return { loss: lossValue, correct: correct.item(), archGrads: g.slice(0, nA), weightGrads: g.slice(nA) };
  };
  if (wrt.weights) return run();
  if (ctx.weightGradSeen.every(Boolean)) return withFrozenWeights(ctx.weights, run);
  const { result, used } = recordOpUsage(() => withFrozenWeights(ctx.weights, run));
  markWeightsSeen(ctx, used);
  return result;
}

/**
 * The weights of ops a frozen-weight (architecture) forward ran count as having had a gradient: in
 * the references that backward fills their .grad, so later weight steps keep decaying them.
 */
function markWeightsSeen(ctx: StepContext, ops: Set<Module>): void {
  if (ops.size === 0) return;
  const index = new Map(ctx.weights.map((p, i) => [p, i]));
  for (const op of ops) {
    for (const p of op.parameters()) {
      const i = index.get(p);
      if (i !== undefined) ctx.weightGradSeen[i] = true;
    }
  }
}

/** ∇w L_train on a batch (the first half of the reference's weight step). Call inside tidy(). */
export function weightGradients(ctx: StepContext, batch: Batch): LossAndGradients {
  return lossAndGradients(ctx, batch, { arch: false, weights: true }, 'training');
}

/**
 * The second half of the weight step: averages `grads` over the data-parallel processes, writes
 * them into the weights' .grad (zero-filled for weights that had a gradient before, as PyTorch's
 * zero_grad leaves them), clips the norm (after the average, as DDP does), steps SGD.
 */
export function applyWeightGradients(ctx: StepContext, localGrads: (Tensor | null)[]): void {
  torch.tidy(() => {
    const grads = meanOverProcesses(ctx, localGrads, ctx.weights);
    ctx.weights.forEach((p, i) => {
      const g = grads[i] ?? null;
      if (g) ctx.weightGradSeen[i] = true;
      p.grad = g ?? (ctx.weightGradSeen[i] ? torch.zerosLike(p) : null);
    });
    optim.clipGradNorm(ctx.weights, ctx.gradClip);
    ctx.weightOptimizer.step();
    for (const p of ctx.weights) p.grad = null;
  });
}

/** One SGD step on the training batch with gradient-norm clipping (the reference's weight step). */
export function weightStep(ctx: StepContext, batch: Batch = ctx.trainBatch): { loss: number; correct: number } {
  return torch.tidy(() => {
    const r = weightGradients(ctx, batch);
    applyWeightGradients(ctx, r.weightGrads);
    return { loss: r.loss, correct: r.correct };
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

/**
 * Averages `grads` over the data-parallel processes, writes them into the arch params' .grad and
 * lets the arch optimizer step. Call inside tidy().
 */
export function applyArchGradients(ctx: StepContext, localGrads: (Tensor | null)[]): void {
  const grads = meanOverProcesses(ctx, localGrads, ctx.archParams);
  ctx.archParams.forEach((p, i) => {
    p.grad = grads[i] ?? torch.zerosLike(p);
  });
  ctx.archOptimizer.step();
}
