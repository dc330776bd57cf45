// torch.weightedSum(xs, w) = Σ w[i]·xs[i] in one pass (src/native/ops_weighted_sum.cc): the value and
// the inputs' gradients must equal multiplying and adding op by op bit for bit (DARTS' mixed edges
// rely on it to match quark0/darts), the weights' gradient must be Σ g·x_i, and create_graph must
// give a differentiable gradient.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';

const { gradcheck } = torch.testing;

function unfused(xs: Tensor[], w: Tensor): Tensor {
  let sum = xs[0]!.mul(w.select(0, 0));
  for (let i = 1; i < xs.length; i++) sum = sum.add(xs[i]!.mul(w.select(0, i)));
  return sum;
}

const bits = (t: Tensor): number[] => Array.from(t.contiguous().toArray() as Float32Array | Float64Array);

describe('weightedSum', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    test(`valueAndInputGradientsEqualTheUnfusedOpsBitForBit_${dtype}`, () => {
      torch.manualSeed(1);
      // 7 tensors of 3·5·33·17 values: not a multiple of any block or vector width.
      const shape = [3, 5, 33, 17];
      const xs = Array.from({ length: 7 }, (_, i) => torch.randn(shape, { dtype }).contiguous(i % 2 ? 'channelsLast' : 'contiguous').requiresGrad_(true));
      const w = torch.randn([7], { dtype }).softmax(0).detach().requiresGrad_(true);
      const g = torch.randn(shape, { dtype });
      const fused = torch.weightedSum(xs, w);
      const ref = unfused(xs, w);
      assert.deepEqual(bits(fused), bits(ref));
      const gf = torch.autograd.grad(fused, [...xs, w], { gradOutputs: [g] }) as Tensor[];
      const gr = torch.autograd.grad(ref, [...xs, w], { gradOutputs: [g] }) as Tensor[];
      for (let i = 0; i < 7; i++) assert.deepEqual(bits(gf[i]!), bits(gr[i]!), `gradient of input ${i}`);
      // The weights' gradient: Σ g·x_i, summed in double here, in float by libtorch.
      const exact = xs.map((x) => g.to({ dtype: 'float64' }).mul(x.detach().to({ dtype: 'float64' })).sum().item());
      const got = gf[7]!.to({ dtype: 'float64' }).tolist() as number[];
      const tol = dtype === 'float64' ? 1e-11 : 2e-4;
      got.forEach((v, i) => assert.ok(Math.abs(v - exact[i]!) <= tol * Math.max(1, Math.abs(exact[i]!)), `weight ${i}: ${v} vs ${exact[i]}`));
    });
  }

  test('finiteDifferenceGradientsAndSecondOrder', () => {
    torch.manualSeed(2);
    const f64 = { dtype: 'float64' } as const;
    const xs = [0, 1, 2].map(() => torch.randn([2, 3, 4], f64).requiresGrad_(true));
    const w = torch.randn([3], f64).requiresGrad_(true);
    gradcheck((a, b, c, wi) => torch.weightedSum([a!, b!, c!], wi!), [...xs, w]);
    // Gradient of Σ (weightedSum)², taken with createGraph, differentiated again.
    gradcheck(
      (a, b, wi) =>
        torch.enableGrad(() => {
          const y = torch.weightedSum([a!, b!], wi!);
          const gs = torch.autograd.grad(y.square().sum(), [a!, b!, wi!], { createGraph: true }) as Tensor[];
          return torch.cat(gs.map((t) => t.flatten()));
        }),
      [xs[0]!, xs[1]!, torch.randn([2], f64).requiresGrad_(true)],
    );
  });

  test('weightGradientDoesNotDependOnTheThreadCount', () => {
    const before = torch.getNumThreads();
    torch.manualSeed(3);
    const xs = [0, 1, 2, 3].map(() => torch.randn([16, 8, 32, 32]));
    const g = torch.randn([16, 8, 32, 32]);
    const run = (threads: number): number[] => {
      torch.setNumThreads(threads);
      const w = torch.tensor([0.1, 0.2, 0.3, 0.4]).requiresGrad_(true);
      return bits(torch.autograd.grad(torch.weightedSum(xs, w), [w], { gradOutputs: [g] })[0]!);
    };
    try {
      assert.deepEqual(run(1), run(3));
    } finally {
      torch.setNumThreads(before);
    }
  });

  test('badInputGetsAOneLineError', () => {
    const x = torch.ones([2, 3]);
    assert.throws(() => torch.weightedSum([], torch.ones([0])), /^Error: weightedSum: expected at least one tensor$/);
    assert.throws(() => torch.weightedSum([x, x], torch.ones([3])), /^Error: weightedSum: expected one weight per tensor \(2\), got weights of shape \[3\]$/);
    assert.throws(() => torch.weightedSum([x, torch.ones([3, 2])], torch.ones([2])), /^Error: weightedSum: every tensor must have the shape of the first, \[2, 3\], got \[3, 2\]$/);
  });
});
