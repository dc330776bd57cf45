// The optimizers and learning-rate schedules of a search, as named choices of its config.
import * as optim from '../optim/index.js';
import type { Tensor } from '../torch/index.js';

export interface WeightOptimizerSettings {
  lr: number;
  lrMin: number;
  lrSchedule: string;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
  epochs: number;
  /** cosine-power only (absent: sharpDARTS' p = 2, 5 warm-up epochs). */
  lrPower?: number;
  lrWarmupEpochs?: number;
}

export interface ArchOptimizerSettings {
  archOptimizer: string;
  archLr: number;
  archBetas: [number, number];
  archWeightDecay: number;
}

/** SGD on the supernet weights: every method of the family uses it. */
export function createWeightOptimizer(weights: Tensor[], s: WeightOptimizerSettings): optim.SGD {
  return new optim.SGD(weights, { lr: s.lr, momentum: s.momentum, weightDecay: s.weightDecay, nesterov: s.nesterov });
}

/** Weight learning-rate schedules, one value per epoch (the references step them at epoch ends). */
export const LR_SCHEDULES: Record<string, (opt: optim.Optimizer, s: WeightOptimizerSettings) => optim.LRScheduler> = {
  cosine: (opt, s) => new optim.CosineAnnealingLR(opt, { tMax: s.epochs, etaMin: s.lrMin }),
  constant: (opt) => new optim.LambdaLR(opt, () => 1),
  // sharpDARTS (methods.md §3.4): lr falls from --lr to --lr-min along p^(1+cos), after a linear warm-up.
  'cosine-power': (opt, s) => new optim.CosinePowerAnnealingLR(opt, { epochs: s.epochs, minLr: s.lrMin, exponentOrder: s.lrPower ?? 2, warmupEpochs: s.lrWarmupEpochs ?? 5 }),
};

export function createLrScheduler(opt: optim.Optimizer, s: WeightOptimizerSettings): optim.LRScheduler {
  const make = LR_SCHEDULES[s.lrSchedule];
  if (!make) throw new Error(`--lr-schedule: unknown schedule '${s.lrSchedule}' (known: ${Object.keys(LR_SCHEDULES).join(', ')})`);
  return make(opt, s);
}

export const ARCH_OPTIMIZERS: Record<string, (params: Tensor[], s: ArchOptimizerSettings) => optim.Optimizer> = {
  adam: (params, s) => new optim.Adam(params, { lr: s.archLr, betas: s.archBetas, weightDecay: s.archWeightDecay }),
  sgd: (params, s) => new optim.SGD(params, { lr: s.archLr, weightDecay: s.archWeightDecay }),
};

export function createArchOptimizer(params: Tensor[], s: ArchOptimizerSettings): optim.Optimizer {
  const make = ARCH_OPTIMIZERS[s.archOptimizer];
  if (!make) throw new Error(`--arch-optimizer: unknown optimizer '${s.archOptimizer}' (known: ${Object.keys(ARCH_OPTIMIZERS).join(', ')})`);
  return make(params, s);
}
