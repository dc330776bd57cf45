// A tiny float64 DARTS supernet and step context for gradient checks.
import { archList, createArchParams } from '../../../src/nas/arch.js';
import { softmaxMixing } from '../../../src/nas/mixing/index.js';
import { DartsSupernet, dartsSpace } from '../../../src/nas/spaces/darts-space.js';
import { Nb201Supernet, nb201Space } from '../../../src/nas/spaces/nb201-space.js';
import { progressAt } from '../../../src/nas/types.js';
import type { StepContext } from '../../../src/nas/update/common.js';
import { supernetLoss, weightStep } from '../../../src/nas/update/common.js';
import * as optim from '../../../src/optim/index.js';
import * as torch from '../../../src/torch/index.js';
import type { Tensor } from '../../../src/torch/index.js';

/**
 * `device`: everything is drawn on the CPU from the same seed and then moved, so the contexts for two
 * devices start from the same numbers (test/torch/cuda.test.ts).
 */
export function tinyContext(opts: { archLr?: number; archOptimizer?: 'sgd' | 'adam'; device?: string } = {}): StepContext {
  torch.manualSeed(7);
  const device = opts.device ?? 'cpu';
  const mixing = softmaxMixing();
  const net = new DartsSupernet({ inChannels: 3, numClasses: 4, initChannels: 4, layers: 3 }, mixing).to('float64');
  if (device !== 'cpu') net.to(device);
  const arch = createArchParams(dartsSpace, mixing, { dtype: 'float64', device });
  // Larger-than-default alphas so the softmax weights differ and the gradients are not tiny.
  torch.noGrad(() =>
    Object.values(arch).forEach((a) => (device === 'cpu' ? a.normal_(0, 0.5) : a.copy_(torch.empty(a.shape, { dtype: 'float64' }).normal_(0, 0.5)))),
  );
  const archParams = archList(arch);
  const weights = net.parameters();
  const onDevice = (t: Tensor) => (device === 'cpu' ? t : t.to({ device }));
  const batch = () => ({ x: torch.keep(onDevice(torch.randn([6, 3, 8, 8], { dtype: 'float64' }))), y: torch.keep(onDevice(torch.randint(0, 4, [6]))) });
  const trainBatch = batch();
  const validBatch = batch();
  const weightOptimizer = new optim.SGD(weights, { lr: 0.05, momentum: 0.9, weightDecay: 3e-4 });
  const archOptimizer = opts.archOptimizer === 'adam' ? new optim.Adam(archParams, { lr: 3e-4, betas: [0.5, 0.999], weightDecay: 1e-3 }) : new optim.SGD(archParams, { lr: opts.archLr ?? 1 });
  const ctx: StepContext = {
    net, space: dartsSpace, mixing, arch, archParams, weights, trainBatch,
    nextValidBatch: () => validBatch,
    nextTrainBatch: () => trainBatch,
    weightOptimizer, archOptimizer, lr: 0.05, momentum: 0.9, weightDecay: 3e-4, gradClip: 5, updateArch: true,
    progress: progressAt(0, 1), sample: null, weightGradSeen: weights.map(() => false),
  };
  // One weight step first, so SGD has momentum buffers (the second-order step uses them).
  weightStep(ctx);
  return ctx;
}

/** Validation loss at the current weights and the given alphas (no graph). */
export function validLoss(ctx: StepContext): number {
  return torch.noGrad(() => torch.tidy(() => supernetLoss(ctx, ctx.nextValidBatch(), false).loss.item()));
}

/**
 * A tiny float64 NAS-Bench-201 supernet (C=1, one cell per stage: 4 features, 3 classes) whose step
 * context differentiates only the classifier matrix (3×4 = 12 weights; the bias stays fixed): small
 * enough to form the weight Hessian densely, convex in those weights, and well enough conditioned
 * (κ ≈ 26 on its range) for a Neumann series of a few hundred terms to converge.
 */
export function tinyClassifierContext(opts: { batch?: number; allWeights?: boolean } = {}): StepContext {
  torch.manualSeed(11);
  const mixing = softmaxMixing();
  const net = new Nb201Supernet({ inChannels: 3, numClasses: 3, initChannels: 1, layers: 1 }, mixing).to('float64');
  const arch = createArchParams(nb201Space, mixing, { dtype: 'float64' });
  torch.noGrad(() => Object.values(arch).forEach((a) => a.normal_(0, 0.5)));
  const archParams = archList(arch);
  // With allWeights, every weight of the network (a cheaper stand-in for the DARTS tiny supernet).
  const weights = opts.allWeights ? net.parameters() : [net.classifier.weight];
  const n = opts.batch ?? 32;
  const batch = () => ({ x: torch.keep(torch.randn([n, 3, 8, 8], { dtype: 'float64' })), y: torch.keep(torch.randint(0, 3, [n])) });
  const trainBatch = batch();
  const validBatch = batch();
  return {
    net, space: nb201Space, mixing, arch, archParams, weights, trainBatch,
    nextValidBatch: () => validBatch,
    nextTrainBatch: () => trainBatch,
    weightOptimizer: new optim.SGD(weights, { lr: 0.1 }),
    archOptimizer: new optim.SGD(archParams, { lr: 1 }),
    lr: 0.1, momentum: 0, weightDecay: 0, gradClip: 5, updateArch: true,
    progress: progressAt(0, 1), sample: null, weightGradSeen: weights.map(() => false),
  };
}
