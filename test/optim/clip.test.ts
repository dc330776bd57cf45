import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clipGradNorm } from '../../src/optim/index.js';
import * as torch from '../../src/torch/index.js';
import { assertClose, backwardLoss, fixture, flat, makeParams } from './problem.js';

describe('clipGradNorm matches torch.nn.utils.clip_grad_norm_', () => {
  for (const [name, c] of Object.entries(fixture.clipGradNorm)) {
    if (c.dtype !== 'float64') continue;
    test(`${name}TotalNormAndClippedGradients`, () => {
      const params = makeParams();
      backwardLoss(params);
      flat(params.map((p) => p.grad!)).forEach((g, i) => assertClose(g, c.grads[i]!, 1e-12, `${name} gradient ${i} before clipping`));
      const total = clipGradNorm(params, c.maxNorm, c.normType === 'inf' ? Infinity : c.normType);
      assertClose([total], [c.totalNorm], 1e-12, `${name} total norm`);
      flat(params.map((p) => p.grad!)).forEach((g, i) => assertClose(g, c.clipped[i]!, 1e-12, `${name} clipped grad ${i}`));
    });
  }

  // Same gradients bit for bit (set, not recomputed), so only clipGradNorm's own arithmetic is compared.
  test('float32ClippingIsBitIdenticalToPyTorch', () => {
    const c = fixture.clipGradNorm.l2_clipped_float32!;
    const params = c.grads.map((g, i) => {
      const p = torch.keep(torch.zeros(i === 0 ? [2, 3] : [3], { requiresGrad: true }));
      p.grad = torch.tensor(g, { dtype: 'float32' }).reshape(p.shape);
      return p;
    });
    assert.equal(clipGradNorm(params, c.maxNorm, c.normType as number), c.totalNorm);
    assert.deepEqual(flat(params.map((p) => p.grad!)), c.clipped);
  });

  test('aSingleTensorIsAccepted', () => {
    const params = makeParams();
    backwardLoss(params);
    const c = fixture.clipGradNorm.l2_clipped!;
    const total = clipGradNorm(params[0]!, c.maxNorm);
    assert.ok(total > 0 && total < c.totalNorm, 'the norm of the first parameter alone');
  });

  test('parametersWithoutGradientsAreSkipped', () => {
    const params = makeParams();
    const idle = torch.keep(torch.ones([4], { dtype: 'float64', requiresGrad: true }));
    backwardLoss(params);
    const c = fixture.clipGradNorm.l2_clipped!;
    assertClose([clipGradNorm([idle, ...params], c.maxNorm)], [c.totalNorm], 1e-12, 'total norm');
    assert.equal(idle.grad, null);
    assert.equal(clipGradNorm([idle], 1), 0);
  });
});

