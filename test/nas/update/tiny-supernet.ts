// A tiny float64 DARTS supernet and step context for gradient checks.
import { archList, createArchParams } from '../../../src/nas/arch.js';
import { softmaxMixing } from '../../../src/nas/mixing/index.js';
import { DartsSupernet, dartsSpace } from '../../../src/nas/spaces/darts-space.js';
import { progressAt } from '../../../src/nas/types.js';
import type { StepContext } from '../../../src/nas/update/common.js';
import { supernetLoss, weightStep } from '../../../src/nas/update/common.js';
import * as optim from '../../../src/optim/index.js';
import * as torch from '../../../src/torch/index.js';

export function tinyContext(opts: { archLr?: number; archOptimizer?: 'sgd' | 'adam' } = {}): StepContext {
  torch.manualSeed(7);
  const mixing = softmaxMixing();
  const net = new DartsSupernet({ inChannels: 3, numClasses: 4, initChannels: 4, layers: 3 }, mixing).to('float64');
  const arch = createArchParams(dartsSpace, mixing, { dtype: 'float64' });
  // Larger-than-default alphas so the softmax weights differ and the gradients are not tiny.
  torch.noGrad(() => Object.values(arch).forEach((a) => a.normal_(0, 0.5)));
  const archParams = archList(arch);
  const weights = net.parameters();
  const batch = () => ({ x: torch.keep(torch.randn([6, 3, 8, 8], { dtype: 'float64' })), y: torch.keep(torch.randint(0, 4, [6])) });
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
