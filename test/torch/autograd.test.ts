import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import { assertClose, values } from './helpers.js';

describe('autograd', () => {
  test('backwardAccumulatesIntoGradAndGradIsAssignable', () => {
    const w = torch.tensor([1, 2, 3], { dtype: 'float64', requiresGrad: true });
    w.mul(w).sum().backward();
    assertClose(w.grad!, [2, 4, 6]);
    w.mul(3).sum().backward();
    assertClose(w.grad!, [5, 7, 9]);
    w.grad = null;
    assert.equal(w.grad, null);
    const y = w.mul(2);
    y.backward(torch.tensor([1, 0, 1], { dtype: 'float64' }));
    assertClose(w.grad!, [2, 0, 2]);
    w.grad = torch.zeros([3], { dtype: 'float64' });
    assertClose(w.grad!, [0, 0, 0]);
  });

  test('retainGradAndRetainGraph', () => {
    const a = torch.tensor([2], { dtype: 'float64', requiresGrad: true });
    const h = a.mul(3).retainGrad();
    const out = h.pow(2).sum();
    out.backward(null, { retainGraph: true });
    assertClose(h.grad!, [12]);
    assertClose(a.grad!, [36]);
    out.backward(); // the graph was kept
    assertClose(a.grad!, [72]);
    assert.throws(() => out.backward(), /backward: Trying to backward through the graph a second time/);
  });

  test('functionalGradAllowUnusedAndGradModes', () => {
    const a = torch.tensor([2], { dtype: 'float64', requiresGrad: true });
    const b = torch.tensor([5], { dtype: 'float64', requiresGrad: true });
    const [ga, gb] = torch.autograd.grad(a.pow(3).sum(), [a, b], { allowUnused: true });
    assertClose(ga!, [12]);
    assert.equal(gb, null);
    assert.equal(a.grad, null); // grad() does not accumulate
    assert.throws(() => torch.autograd.grad(a.pow(3).sum(), [a, b]), /autograd\.grad: (One|element \d+) ?of the differentiated Tensors appears to not have been used in the graph/);
    const [gw] = torch.autograd.grad(a.mul(b), a, { gradOutputs: [torch.tensor([0.5], { dtype: 'float64' })] });
    assertClose(gw!, [2.5]);
    const y = torch.noGrad(() => a.mul(2));
    assert.equal(y.requiresGrad, false);
    assert.equal(torch.isGradEnabled(), true);
    torch.noGrad(() => {
      assert.equal(torch.isGradEnabled(), false);
      assert.equal(torch.enableGrad(() => a.mul(2)).requiresGrad, true);
    });
    assert.throws(() => torch.noGrad(() => { throw new Error('boom'); }), /boom/);
    assert.equal(torch.isGradEnabled(), true); // restored after a throw
    torch.setGradEnabled(false);
    assert.equal(a.mul(2).requiresGrad, false);
    torch.setGradEnabled(true);
  });

  test('hessianVectorProductMatchesFiniteDifferencesOfTheGradient', () => {
    torch.manualSeed(3);
    const x = torch.randn([1, 2, 5, 5], { dtype: 'float64' });
    const w = torch.randn([3, 2, 3, 3], { dtype: 'float64', requiresGrad: true });
    const v = torch.randn([3, 2, 3, 3], { dtype: 'float64' });
    const loss = (weights: Tensor) => torch.conv2d(x, weights, { padding: 1 }).tanh().pow(2).sum();
    // Hv = ∇_w (∇_w L · v), the second-order term of DARTS' unrolled architecture gradient.
    const [g] = torch.autograd.grad(loss(w), [w], { createGraph: true });
    assert.equal(g!.requiresGrad, true);
    const [hv] = torch.autograd.grad(g!.mul(v).sum(), [w]);
    const eps = 1e-6;
    const gradAt = (t: number) => {
      const wt = w.detach().add(v, { alpha: t }).requiresGrad_(true);
      return torch.autograd.grad(loss(wt), [wt])[0]!;
    };
    const fd = gradAt(eps).sub(gradAt(-eps)).div(2 * eps);
    assertClose(hv!, values(fd), 1e-6);
    assert.ok(hv!.norm().item() > 1e-3);
  });

  test('secondDerivativeOfAScalarFunction', () => {
    // f = x³ → f'' = 6x
    const x = torch.tensor([1.5, -2], { dtype: 'float64', requiresGrad: true });
    const [d1] = torch.autograd.grad(x.pow(3).sum(), x, { createGraph: true });
    assertClose(d1!, [6.75, 12], 1e-12);
    const [d2] = torch.autograd.grad(d1!.sum(), x);
    assertClose(d2!, [9, -12], 1e-12);
  });
});
