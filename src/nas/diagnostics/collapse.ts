// One diagnostics pass per epoch: what the search loop calls and logs as the epoch event's
// `diagnostics`, and what a report plots. See collapseDiagnostics for the contract.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { PhaseSample } from '../types.js';
import type { Batch, StepContext } from '../update/common.js';
import { supernetLoss, withFrozenWeights } from '../update/common.js';
import { countParameterFreeOps, countSkipConnects, edgeEntropy, edgeMargin } from './cell-stats.js';
import { type DominantEigenvalue, dominantEigenvalue, withHessianVectorProduct, type PowerIterationOptions } from './hessian-eigen.js';

/** The JSON-able per-epoch record; `hessianEigenvalue` only on epochs where it was measured. */
export interface CollapseDiagnostics {
  /** Largest eigenvalue of ∇²_α L_valid (RobustDARTS); absent when not measured this epoch. */
  hessianEigenvalue?: number;
  /** Parameter-free ops (none, skip_connect, pools) in the derived normal cell (NAS-Bench-201: the cell). */
  paramFreeOps: number;
  /** skip_connect ops in the same cell (DARTS+'s signal). */
  skipConnects: number;
  /** Per cell type ('normal', 'reduce' or 'cell'), per edge in α row order: entropy (nats) of the op weights. */
  edgeEntropy: Record<string, number[]>;
  /** Per cell type, per edge: strongest minus second-strongest op weight. */
  edgeMargin: Record<string, number[]>;
}

/**
 * What the supernet side of the Hessian needs: a subset of the search step's context (a StepContext
 * or SearchParts plus `progress` will do). Without `sample`, a sampling mixing (GDAS) is measured at
 * one sample drawn here for all products; a softmax mixing draws nothing.
 */
export type HessianContext = Pick<StepContext, 'net' | 'mixing' | 'arch' | 'space' | 'archParams' | 'weights' | 'progress'> & { sample?: PhaseSample };

/**
 * The dominant eigenvalue of the Hessian of the validation loss (mean over `batches`) w.r.t. the
 * architecture parameters, at the current weights. Side-effect free for the search: the weights are
 * frozen (no weight gradients are built), batch-norm running statistics are restored afterwards (the
 * forward passes run in the supernet's current train/eval mode, as the reference's do), and torch's
 * random stream is restored, so a run with diagnostics on follows the same trajectory as one without.
 */
export function archHessianEigenvalue(ctx: HessianContext, batches: readonly Batch[], options: PowerIterationOptions = {}): DominantEigenvalue {
  const buffers = ctx.net.buffers();
  const saved = torch.noGrad(() => buffers.map((b) => torch.keep(b.clone())));
  const rng = torch.keep(torch.getRngState());
  try {
    // enableGrad: the double backward needs a graph even if the caller sits inside noGrad.
    return torch.enableGrad(() =>
      withFrozenWeights(ctx.weights, () =>
        torch.tidy(() => {
          const sample = ctx.sample !== undefined ? ctx.sample : torch.noGrad(() => ctx.mixing.sample(ctx.arch, ctx.space, ctx.progress));
          const lossCtx = { ...ctx, sample };
          const loss = (batch: Batch) => supernetLoss(lossCtx, batch, true).loss;
          return withHessianVectorProduct(loss, ctx.archParams, batches, (hvp) => dominantEigenvalue(hvp, ctx.archParams, options));
        }),
      ),
    );
  } finally {
    torch.noGrad(() => buffers.forEach((b, i) => b.copy_(saved[i] as Tensor)));
    saved.forEach((t) => t.dispose());
    torch.setRngState(rng);
    rng.dispose();
  }
}

export interface DiagnosticsInput {
  /** Per cell type [edges × ops] op weights: what the epoch event logs as `archWeights` (the `ops` of mixing.derivationWeights(arch, space)). */
  archWeights: Record<string, number[][]>;
  /** The derived genotype in JSON form, as logged (space.genotypeToJSON(genotype)). */
  genotypeJSON: object;
  /** Give it on epochs where the eigenvalue is wanted: the context and a fixed list of validation batches. */
  hessian?: { ctx: HessianContext; batches: readonly Batch[] } & PowerIterationOptions;
}

/**
 * One epoch's collapse diagnostics. Cheap except for `hessian` (2 backward passes per batch per power
 * iteration, 20 iterations by default); the result is plain JSON for the epoch event.
 */
export function collapseDiagnostics(input: DiagnosticsInput): CollapseDiagnostics {
  const entropy: Record<string, number[]> = {};
  const margin: Record<string, number[]> = {};
  for (const [cell, rows] of Object.entries(input.archWeights)) {
    entropy[cell] = edgeEntropy(rows);
    margin[cell] = edgeMargin(rows);
  }
  const out: CollapseDiagnostics = {
    paramFreeOps: countParameterFreeOps(input.genotypeJSON),
    skipConnects: countSkipConnects(input.genotypeJSON),
    edgeEntropy: entropy,
    edgeMargin: margin,
  };
  if (input.hessian) {
    const { ctx, batches, ...power } = input.hessian;
    out.hessianEigenvalue = archHessianEigenvalue(ctx, batches, power).value;
  }
  return out;
}
