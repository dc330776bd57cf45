// `import { optim } from 'dnas'`: torch.optim's optimizers and schedules.
export { Optimizer, type ParamGroup, type ParamState, type OptimizerStateDict } from './optimizer.js';
export { SGD, type SGDOptions } from './sgd.js';
export { Adam, AdamW, type AdamOptions } from './adam.js';
export { clipGradNorm } from './clip.js';
export { type LRScheduler, EpochScheduler, CosineAnnealingLR, StepLR, LinearLR, LambdaLR } from './lr-scheduler.js';
