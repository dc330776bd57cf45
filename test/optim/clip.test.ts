import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { clipGradNorm } from '../../src/optim/index.js';
import * as torch from '../../src/torch/index.js';
import { assertClose, backwardLoss, fixture, flat, makeParams } from './problem.js';

describe('clipGradNorm matches torch.nn.utils.clip_grad_norm_', () => {
  for (const [name, c] of Object.entries(fixture.clipGradNorm)) {
    test(`${name}TotalNormAndClippedGradients`, () => {
      const params = makeParams();
      backwardLoss(params);
      flat(params.map((p) => p.grad!)).forEach((g, i) => assertClose(g, c.grads[i]!, 1e-12, `${name} gradient ${i} before clipping`));
      const total = clipGradNorm(params, c.maxNorm, c.normType === 'inf' ? Infinity : c.normType);
      assertClose([total], [c.totalNorm], 1e-12, `${name} total norm`);
      flat(params.map((p) => p.grad!)).forEach((g, i) => assertClose(g, c.clipped[i]!, 1e-12, `${name} clipped grad ${i}`));
    });
  }

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

