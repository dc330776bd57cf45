// `import { optim } from 'dnas'`: torch.optim's optimizers and schedules.
export { Optimizer, type ParamGroup, type ParamState, type OptimizerStateDict } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, type AdamOptions } from './adam.js';
export { AdamW } from './adamw.js';
export { clipGradNorm } from './clip.js';
export { optimizerStateToTensors, optimizerStateFromTensors, type OptimizerStateMeta } from './state-dict.js';
export {
  type LRScheduler,
  type LRSchedulerState,
  type LinearLROptions,
  EpochScheduler,
  CosineAnnealingLR,
  StepLR,
  LinearLR,
  LinearWarmup,
  LambdaLR,
} from './lr-scheduler.js';
export { cosinePowerAnnealing, CosinePowerAnnealingLR, type CosinePowerAnnealingOptions } from './cosine-power-annealing.js';
