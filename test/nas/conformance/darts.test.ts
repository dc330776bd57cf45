// DARTS' search step against the original code (quark0/darts cnn/model_search.py + architect.py):
// the same initial weights, alphas and batches, three steps of architecture update on the valid
// batch then weight update on the train batch, first and second order. The fixture comes from
// fixtures/make_darts_fixture.py.
//
// Deliberate differences the test accounts for:
// - Our supernet edges apply ReLU once and feed it to every op built without its own leading ReLU
//   (DARTS_OPS with pre = true), so the reference's `op.<n>` indices inside SepConv and DilConv are
//   ours plus one. The values are the same; only the gradient summation order at the edge input
//   differs (ours sums the ops' gradients before one ReLU backward, the reference after each).
// - 'none' is never computed (its output and every gradient through it are exactly zero).
// - Contiguous float32 tensors: the CLI runs first-order DARTS channels-last by default, whose conv
//   kernels round differently; the comparison here is of the algorithm, in the layout the
//   reference uses.
import { describe, test } from 'node:test';
import { archList } from '../../../src/nas/arch.js';
import { softmaxMixing } from '../../../src/nas/mixing/softmax.js';
import { DartsSupernet, dartsSpace } from '../../../src/nas/spaces/darts-space.js';
import { bilevel } from '../../../src/nas/update/bilevel.js';
import type { Batch, StepContext } from '../../../src/nas/update/common.js';
import * as optim from '../../../src/optim/index.js';
import * as torch from '../../../src/torch/index.js';
import { assertScalarClose, assertTensorClose, loadReferenceFixture, loadReferenceWeights } from './reference-fixture.js';

const fixture = loadReferenceFixture('darts_fixture.safetensors');
const meta = fixture.metadata;
const num = (k: string) => Number(meta[k]);

/** Our parameter name → quark0/darts': the ops under a mixed edge lost their leading ReLU (index 0). */
export function dartsReferenceName(ours: string): string {
  return ours.replace(/^(cells\.\d+\._ops\.\d+\._ops\.\d+\.op\.)(\d+)\./, (_, head: string, n: string) => `${head}${Number(n) + 1}.`);
}

function batch(step: number, which: 'train' | 'valid'): Batch {
  return { x: fixture.get(`batch.${step}.${which}.x`), y: fixture.get(`batch.${step}.${which}.y`) };
}

function referenceRun(order: 1 | 2): void {
  const run = order === 1 ? 'first_order' : 'second_order';
  const mixing = softmaxMixing();
  const net = new DartsSupernet({ inChannels: 3, numClasses: num('classes'), initChannels: num('C'), layers: num('layers') }, mixing);
  loadReferenceWeights(net, fixture, 'init.weights', dartsReferenceName);
  const arch = {
    alphas_normal: torch.keep(fixture.get('init.alphas_normal').clone()).requiresGrad_(true),
    alphas_reduce: torch.keep(fixture.get('init.alphas_reduce').clone()).requiresGrad_(true),
  };
  const archParams = archList(arch);
  const weights = net.parameters();
  const [lr, momentum, weightDecay] = [num('lr'), num('momentum'), num('weight_decay')];
  const ctx: StepContext = {
    net, space: dartsSpace, mixing, arch, archParams, weights,
    trainBatch: batch(0, 'train'),
    nextValidBatch: () => batch(0, 'valid'),
    weightOptimizer: new optim.SGD(weights, { lr, momentum, weightDecay }),
    archOptimizer: new optim.Adam(archParams, { lr: num('arch_lr'), betas: [0.5, 0.999], weightDecay: num('arch_weight_decay') }),
    lr, momentum, weightDecay, gradClip: num('grad_clip'), updateArch: true,
  };
  const update = bilevel({ order, stepOrder: 'arch-first' });
  net.train();
  for (let s = 0; s < num('steps'); s++) {
    ctx.trainBatch = batch(s, 'train');
    ctx.nextValidBatch = () => batch(s, 'valid');
    const stats = update.step(ctx);
    assertScalarClose(stats.validLoss!, fixture.get(`${run}.step.${s}.valid_loss`), `step ${s} architecture-step loss`);
    assertScalarClose(stats.trainLoss, fixture.get(`${run}.step.${s}.train_loss`), `step ${s} weight-step loss`);
    assertTensorClose(arch.alphas_normal, fixture.get(`${run}.step.${s}.alphas_normal`), `step ${s} alphas_normal`);
    assertTensorClose(arch.alphas_reduce, fixture.get(`${run}.step.${s}.alphas_reduce`), `step ${s} alphas_reduce`);
  }
}

describe('DARTS search steps against quark0/darts', () => {
  test('firstOrderStepsReproduceTheReferenceAlphas', () => referenceRun(1));
  test('secondOrderStepsReproduceTheReferenceAlphas', () => referenceRun(2));
});
