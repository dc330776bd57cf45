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
import { describe, test } from 'node:test';
import { assertScalarClose, assertTensorClose, loadReferenceFixture } from './reference-fixture.js';
import { dartsReferenceName } from './reference-names.js';
import { assertPresetMatchesFixture, referenceRun } from './reference-run.js';

const fixture = loadReferenceFixture('darts_fixture.safetensors');
const meta = fixture.metadata;
const ARCH = ['alphas_normal', 'alphas_reduce'];

function checkAgainstReference(order: 1 | 2, dtype: 'float32' | 'float64', channelsLast: boolean, trajectory: string, tol: number): void {
  const overrides = { method: 'darts', space: 'darts', order, channelsLast, initChannels: Number(meta.C), layers: Number(meta.layers) } as const;
  const run = referenceRun(fixture, overrides, dartsReferenceName, Object.fromEntries(ARCH.map((n) => [n, n])), { dtype });
  assertPresetMatchesFixture(run.cfg, meta, { lr: 'lr', momentum: 'momentum', weight_decay: 'weightDecay', grad_clip: 'gradClip', arch_lr: 'archLr', arch_weight_decay: 'archWeightDecay' });
  for (let s = 0; s < Number(meta.steps); s++) {
    const stats = run.step(s);
    // The losses check that the weights, not just the alphas, follow the reference.
    assertScalarClose(stats.validLoss!, fixture.get(`${trajectory}.step.${s}.valid_loss`), `step ${s} architecture-step loss`, tol, tol);
    assertScalarClose(stats.trainLoss, fixture.get(`${trajectory}.step.${s}.train_loss`), `step ${s} weight-step loss`, tol, tol);
    for (const name of ARCH) assertTensorClose(run.parts.arch[name]!, fixture.get(`${trajectory}.step.${s}.${name}`), `step ${s} ${name}`, tol, tol);
  }
}

describe('DARTS search steps against quark0/darts', () => {
  test('firstOrderStepsReproduceTheReferenceAlphasInFloat32', () => checkAgainstReference(1, 'float32', false, 'first_order', 1e-5));
  test('firstOrderStepsReproduceTheReferenceAlphasChannelsLast', () => checkAgainstReference(1, 'float32', true, 'first_order', 1e-5));
  test('secondOrderStepsReproduceTheReferenceAlphasInFloat64', () => checkAgainstReference(2, 'float64', false, 'second_order_float64', 1e-9));
});
