// Single-DARTS (Hou, Jin & Chen 2021, methods.md §5): "updating network weights and architecture
// parameters simultaneously with the same data batch". One forward and one backward on a training
// batch give ∇w L_train and ∇α L_train together; the weight optimizer (with its gradient clip) and
// the architecture optimizer then both step. There is no validation data: the whole training set
// trains both (the search runs with trainPortion 1).
import * as torch from '../../torch/index.js';
import type { Update } from './bilevel.js';
import { applyArchGradients, applyWeightGradients, beginPhase, lossAndGradients, type StepContext, type StepStats } from './common.js';

export function singleLevel(): Update {
  return {
    name: 'single-level',
    description: { update: 'single-level' },
    step(ctx: StepContext): StepStats {
      // One phase: the weights and α see the same forward (and the same sample, for sampling mixings).
      beginPhase(ctx, 'weights');
      return torch.tidy(() => {
        const r = lossAndGradients(ctx, ctx.trainBatch, { arch: ctx.updateArch, weights: true }, 'training');
        applyWeightGradients(ctx, r.weightGrads);
        if (ctx.updateArch) applyArchGradients(ctx, r.archGrads);
        return { trainLoss: r.loss, trainCorrect: r.correct, trainCount: ctx.trainBatch.y.shape[0]! };
      });
    },
  };
}
