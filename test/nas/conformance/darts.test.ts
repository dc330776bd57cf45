// DARTS' search step against the original code (quark0/darts cnn/model_search.py + architect.py):
// the same initial weights, alphas and batches, three steps of architecture update on the valid
// batch then weight update on the train batch, first order in float32 and second order in float64.
// The fixture comes from fixtures/make_darts_fixture.py.
//
// Deliberate differences the test accounts for:
// - Our supernet edges apply ReLU once and feed it to every op built without its own leading ReLU
//   (see reference-names.ts for the name mapping). The values are the same; only the gradient
//   summation order at the edge input differs (ours sums the ops' gradients before one ReLU
//   backward, the reference after each).
// - 'none' is never computed (its output and every gradient through it are exactly zero).
// - Memory layout: the reference is contiguous (NCHW); the CLI runs channels-last by default,
//   whose conv kernels round differently. First order is checked in both layouts (measured:
//   alphas within 5e-9 of the reference contiguous, 3e-9 channels-last).
// - Second order is compared in float64. Its finite-difference Hessian-vector product (radius
//   0.01/‖v‖, here about 1e-3) straddles ReLU and max-pool kinks, where ∇α L_train jumps; in
//   float32, rounding alone decides which side some activations fall on. Measured on this fixture:
//   perturbing the reference's own weights by 1e-7 (relative) moves its ξ·hvp term by up to 5e-3 at
//   step 0 and 1e-2 at step 1 (entries up to 0.7), while ∇α L_val(w') moves by under 1e-4. On a
//   16×16 variant our float32 run matched the reference to 1.2e-6 in steps 0 and 1 and then differed
//   by 2e-2 at step 2, the size of the reference's own noise there. In float64 all three steps
//   agree to rounding.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { archList } from '../../../src/nas/arch.js';
import { softmaxMixing } from '../../../src/nas/mixing/softmax.js';
import { DartsSupernet, dartsSpace } from '../../../src/nas/spaces/darts-space.js';
import { bilevel } from '../../../src/nas/update/bilevel.js';
import type { Batch, StepContext } from '../../../src/nas/update/common.js';
import * as optim from '../../../src/optim/index.js';
import * as torch from '../../../src/torch/index.js';
import { assertScalarClose, assertTensorClose, loadReferenceFixture, loadReferenceWeights } from './reference-fixture.js';
import { dartsReferenceName } from './reference-names.js';

const fixture = loadReferenceFixture('darts_fixture.safetensors');
const meta = fixture.metadata;
const num = (k: string) => Number(meta[k]);

type Layout = 'contiguous' | 'channelsLast';
const cache = new Map<string, Batch>();
function batch(step: number, which: 'train' | 'valid', dtype: 'float32' | 'float64', layout: Layout): Batch {
  const key = `${step}.${which}.${dtype}.${layout}`;
  if (!cache.has(key)) cache.set(key, { x: torch.keep(fixture.get(`batch.${step}.${which}.x`).to({ dtype, memoryFormat: layout === 'channelsLast' ? 'channelsLast' : 'contiguous' })), y: fixture.get(`batch.${step}.${which}.y`) });
  return cache.get(key)!;
}

function referenceRun(order: 1 | 2, dtype: 'float32' | 'float64', layout: Layout, run: string, tol: number): void {
  const mixing = softmaxMixing();
  const net = new DartsSupernet({ inChannels: 3, numClasses: num('classes'), initChannels: num('C'), layers: num('layers') }, mixing).to(dtype);
  // The float32 initial values, cast exactly when the run is float64.
  loadReferenceWeights(net, fixture, 'init.weights', dartsReferenceName);
  if (layout === 'channelsLast') net.to({ memoryFormat: 'channelsLast' });
  const arch = {
    alphas_normal: torch.keep(fixture.get('init.alphas_normal').detach().to(dtype).clone()).requiresGrad_(true),
    alphas_reduce: torch.keep(fixture.get('init.alphas_reduce').detach().to(dtype).clone()).requiresGrad_(true),
  };
  const archParams = archList(arch);
  const weights = net.parameters();
  const [lr, momentum, weightDecay] = [num('lr'), num('momentum'), num('weight_decay')];
  const ctx: StepContext = {
    net, space: dartsSpace, mixing, arch, archParams, weights,
    trainBatch: batch(0, 'train', dtype, layout),
    nextValidBatch: () => batch(0, 'valid', dtype, layout),
    weightOptimizer: new optim.SGD(weights, { lr, momentum, weightDecay }),
    archOptimizer: new optim.Adam(archParams, { lr: num('arch_lr'), betas: [0.5, 0.999], weightDecay: num('arch_weight_decay') }),
    lr, momentum, weightDecay, gradClip: num('grad_clip'), updateArch: true,
  };
  const update = bilevel({ order, stepOrder: 'arch-first' });
  net.train();
  for (let s = 0; s < num('steps'); s++) {
    ctx.trainBatch = batch(s, 'train', dtype, layout);
    ctx.nextValidBatch = () => batch(s, 'valid', dtype, layout);
    const stats = update.step(ctx);
    // The losses check that the weights, not just the alphas, follow the reference.
    assertScalarClose(stats.validLoss!, fixture.get(`${run}.step.${s}.valid_loss`), `step ${s} architecture-step loss`, tol, tol);
    assertScalarClose(stats.trainLoss, fixture.get(`${run}.step.${s}.train_loss`), `step ${s} weight-step loss`, tol, tol);
    assertTensorClose(arch.alphas_normal, fixture.get(`${run}.step.${s}.alphas_normal`), `step ${s} alphas_normal`, tol, tol);
    assertTensorClose(arch.alphas_reduce, fixture.get(`${run}.step.${s}.alphas_reduce`), `step ${s} alphas_reduce`, tol, tol);
  }
  assert.ok(Math.abs(arch.alphas_normal.sub(fixture.get('init.alphas_normal').to(dtype)).abs().max().item()) > 1e-4, 'the alphas moved');
}

describe('DARTS search steps against quark0/darts', () => {
  test('firstOrderStepsReproduceTheReferenceAlphasInFloat32', () => referenceRun(1, 'float32', 'contiguous', 'first_order', 1e-5));
  test('firstOrderStepsReproduceTheReferenceAlphasChannelsLast', () => referenceRun(1, 'float32', 'channelsLast', 'first_order', 1e-5));
  test('secondOrderStepsReproduceTheReferenceAlphasInFloat64', () => referenceRun(2, 'float64', 'contiguous', 'second_order_float64', 1e-9));
});
