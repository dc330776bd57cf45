import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import { assertClose } from './helpers.js';

const { gradcheck } = torch.testing;
const f64 = (shape: number[], requiresGrad = true) => torch.randn(shape, { dtype: 'float64', requiresGrad });

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
  });

  test('functionalGradAllowUnusedAndGradModes', () => {
    const a = torch.tensor([2], { dtype: 'float64', requiresGrad: true });
    const b = torch.tensor([5], { dtype: 'float64', requiresGrad: true });
    const [ga, gb] = torch.autograd.grad(a.pow(3).sum(), [a, b], { allowUnused: true });
    assertClose(ga!, [12]);
    assert.equal(gb, null);
    assert.throws(() => torch.autograd.grad(a.pow(3).sum(), [a, b]), /autograd\.grad: One of the differentiated Tensors appears to not have been used in the graph/);
    const y = torch.noGrad(() => a.mul(2));
    assert.equal(y.requiresGrad, false);
    assert.equal(torch.isGradEnabled(), true);
    torch.noGrad(() => {
      assert.equal(torch.isGradEnabled(), false);
      assert.equal(torch.enableGrad(() => a.mul(2)).requiresGrad, true);
    });
  });

  test('hessianVectorProductMatchesFiniteDifferences', () => {
    torch.manualSeed(3);
    const x = torch.randn([1, 2, 5, 5], { dtype: 'float64' });
    const w = f64([3, 2, 3, 3]);
    const v = torch.randn([3, 2, 3, 3], { dtype: 'float64' });
    const loss = (weights: Tensor) => torch.conv2d(x, weights, { padding: 1 }).tanh().pow(2).sum();
    const [g] = torch.autograd.grad(loss(w), [w], { createGraph: true });
    const [hv] = torch.autograd.grad(g!.mul(v).sum(), [w]);
    const eps = 1e-6;
    const gradAt = (t: number) => {
      const wt = w.detach().add(v, { alpha: t }).requiresGrad_(true);
      return torch.autograd.grad(loss(wt), [wt])[0]!;
    };
    const fd = gradAt(eps).sub(gradAt(-eps)).div(2 * eps);
    assertClose(hv!, Array.from(fd.data() as Float64Array), 1e-6);
    assert.ok(hv!.norm().item() > 1e-3);
  });
});

describe('finite-difference gradient checks (float64)', () => {
  torch.manualSeed(11);
  const cases: [string, () => void][] = [
    ['elementwise', () => gradcheck((a, b) => a.mul(b).add(a.div(b.abs().add(1))).sub(a.exp().mul(0.1)).relu().add(b.sigmoid()).add(b.tanh().pow(2)), [f64([2, 3]), f64([2, 3])])],
    ['sqrtLogRsqrtClamp', () => gradcheck((a) => a.abs().add(0.5).sqrt().add(a.abs().add(1).log()).add(a.abs().add(1).rsqrt()).add(a.clamp(-0.5, 0.5)), [f64([5])])],
    ['reductions', () => gradcheck((a) => torch.stack([a.sum(), a.mean(1).sum(), a.amax(0).sum(), a.std().mul(1), a.var(1).sum(), a.norm(), a.logsumexp(1).sum()]), [f64([3, 4])])],
    ['softmaxAndLogSoftmax', () => gradcheck((a) => a.softmax(1).mul(a.logSoftmax(0)), [f64([3, 4])])],
    ['matmulAndLinear', () => gradcheck((a, w, b) => torch.linear(a.matmul(w), w.t(), b), [f64([2, 3]), f64([3, 3]), f64([3])])],
    ['conv2dStrideDilationGroupsBias', () => gradcheck((x, w, b) => torch.conv2d(x, w, { bias: b, stride: 2, padding: 2, dilation: 2, groups: 2 }), [f64([2, 4, 5, 5]), f64([4, 2, 3, 3]), f64([4])])],
    ['maxAndAvgPools', () => gradcheck((x) => torch.cat([torch.maxPool2d(x, 3, { stride: 2, padding: 1 }).flatten(), torch.avgPool2d(x, 3, { stride: 1, padding: 1, countIncludePad: false }).flatten(), torch.adaptiveAvgPool2d(x, 2).flatten()]), [f64([1, 2, 5, 5])])],
    ['batchNormTraining', () => gradcheck((x, w, b) => torch.batchNorm(x, { weight: w, bias: b, training: true }), [f64([4, 3, 2, 2]), f64([3]), f64([3])])],
    ['crossEntropyWithLabelSmoothingAndNll', () => {
      const y = torch.tensor([0, 2, 1], { dtype: 'int64' });
      gradcheck((z) => torch.stack([torch.crossEntropy(z, y), torch.crossEntropy(z, y, { labelSmoothing: 0.2 }), torch.nllLoss(z.logSoftmax(1), y)]), [f64([3, 4])]);
    }],
    ['catSliceNarrowGatherIndexSelect', () => {
      const idx = torch.tensor([[2, 0], [1, 1]], { dtype: 'int64' });
      const sel = torch.tensor([1, 0, 1], { dtype: 'int64' });
      gradcheck((a, b) => torch.cat([a.slice(1, 0, 3, 2).flatten(), a.narrow(0, 1, 1).flatten(), a.gather(1, idx).flatten(), b.indexSelect(0, sel).flatten(), torch.cat([a, b], 0).flatten()]), [f64([2, 3]), f64([2, 3])]);
    }],
    ['shapeOps', () => gradcheck((a) => a.permute(2, 0, 1).reshape([4, 3]).transpose(0, 1).unsqueeze(0).expand(2, 3, 4).flip(2).mul(torch.arange(4, undefined, 1, { dtype: 'float64' })), [f64([1, 3, 4])])],
  ];
  for (const [name, check] of cases) test(`gradientOf_${name}`, check);
});
