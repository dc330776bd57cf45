// torch.separableConv2d (src/native/ops_separable.cc) is a depthwise conv then a 1×1 conv that
// recomputes the depthwise output in backward instead of keeping it. Its values and gradients must
// equal the two conv2d calls bit for bit (DARTS' conformance with quark0/darts rides on it), it must
// keep one activation less, and nn.Sequential must use it for exactly the layer pairs it covers.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as nn from '../../src/nn/index.js';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';

const { gradcheck } = torch.testing;
const bits = (t: Tensor): number[] => Array.from(t.contiguous().toArray() as Float32Array | Float64Array);

interface Case {
  name: string;
  c: number;
  cOut: number;
  k: number;
  stride: number;
  padding: number;
  dilation: number;
}
const CASES: Case[] = [
  { name: 'sep 3x3', c: 8, cOut: 8, k: 3, stride: 1, padding: 1, dilation: 1 },
  { name: 'sep 5x5 stride 2', c: 6, cOut: 6, k: 5, stride: 2, padding: 2, dilation: 1 },
  { name: 'dil 3x3 stride 2, wider out', c: 5, cOut: 7, k: 3, stride: 2, padding: 2, dilation: 2 },
];

function twoConvs(x: Tensor, dw: Tensor, pw: Tensor, k: Case): Tensor {
  const d = torch.conv2d(x, dw, { stride: k.stride, padding: k.padding, dilation: k.dilation, groups: k.c });
  return torch.conv2d(d, pw);
}
function fused(x: Tensor, dw: Tensor, pw: Tensor, k: Case): Tensor {
  return torch.separableConv2d(x, dw, pw, { stride: k.stride, padding: k.padding, dilation: k.dilation });
}

describe('separableConv2d', () => {
  for (const k of CASES) {
    for (const [dtype, layout] of [['float32', 'channelsLast'], ['float64', 'contiguous']] as const) {
      test(`equalsTwoConvsBitForBit_${k.name}_${dtype}_${layout}`, () => {
        torch.manualSeed(3);
        const o = { dtype } as const;
        const x = torch.randn([3, k.c, 11, 13], o).contiguous(layout).requiresGrad_(true);
        const dw = torch.randn([k.c, 1, k.k, k.k], o).requiresGrad_(true);
        const pw = torch.randn([k.cOut, k.c, 1, 1], o).requiresGrad_(true);
        const y = fused(x, dw, pw, k);
        const ref = twoConvs(x, dw, pw, k);
        assert.deepEqual(y.shape, ref.shape);
        assert.equal(y.isContiguous(layout), true);
        assert.deepEqual(bits(y), bits(ref));
        const g = torch.randn(y.shape, o).contiguous(layout);
        const gf = torch.autograd.grad(y, [x, dw, pw], { gradOutputs: [g] }) as Tensor[];
        const gr = torch.autograd.grad(ref, [x, dw, pw], { gradOutputs: [g] }) as Tensor[];
        ['input', 'depthwise weight', 'pointwise weight'].forEach((what, i) => assert.deepEqual(bits(gf[i]!), bits(gr[i]!), `gradient of the ${what}`));
      });
    }
  }

  test('frozenWeightsGiveTheInputGradientOnly', () => {
    // DARTS' architecture step runs the supernet with frozen weights: the 1×1 conv's input gradient
    // needs no recomputed depthwise output then.
    torch.manualSeed(4);
    const k = CASES[2]!;
    const x = torch.randn([2, k.c, 9, 9]).requiresGrad_(true);
    const dw = torch.randn([k.c, 1, k.k, k.k]);
    const pw = torch.randn([k.cOut, k.c, 1, 1]);
    const [gx] = torch.autograd.grad(fused(x, dw, pw, k).square().sum(), [x]) as Tensor[];
    const [gr] = torch.autograd.grad(twoConvs(x, dw, pw, k).square().sum(), [x]) as Tensor[];
    assert.deepEqual(bits(gx!), bits(gr!));
  });

  test('finiteDifferenceGradientsAndSecondOrder', () => {
    torch.manualSeed(5);
    const f64 = { dtype: 'float64' } as const;
    const k = CASES[2]!;
    const x = torch.randn([2, k.c, 7, 7], f64).requiresGrad_(true);
    const dw = torch.randn([k.c, 1, k.k, k.k], f64).requiresGrad_(true);
    const pw = torch.randn([k.cOut, k.c, 1, 1], f64).requiresGrad_(true);
    gradcheck((a, b, c) => fused(a!, b!, c!, k), [x, dw, pw]);
    // The gradient of Σ y², taken with createGraph, differentiated again (second-order methods).
    gradcheck(
      (a, b, c) =>
        torch.enableGrad(() => {
          const gs = torch.autograd.grad(fused(a!, b!, c!, k).square().sum(), [a!, b!, c!], { createGraph: true }) as Tensor[];
          return torch.cat(gs.map((t) => t.flatten()));
        }),
      [x, dw, pw],
    );
  });

  test('keepsOneActivationLessThanTwoConvs', () => {
    // 4×32×64×64 float32 = 2 MiB per activation, above the caching allocator's 1 MiB tracking floor.
    torch.manualSeed(6);
    const k: Case = { ...CASES[0]!, c: 32, cOut: 32 };
    const x = torch.randn([4, 32, 64, 64]).requiresGrad_(true);
    const dw = torch.randn([32, 1, 3, 3]).requiresGrad_(true);
    const pw = torch.randn([32, 32, 1, 1]).requiresGrad_(true);
    const kept = (f: typeof fused): number => {
      const before = torch.memoryStats().allocatedBytes;
      const y = f(x, dw, pw, k);
      const bytes = torch.memoryStats().allocatedBytes - before;
      y.dispose();
      return bytes;
    };
    const activation = 4 * 32 * 64 * 64 * 4;
    assert.equal(kept(twoConvs), 2 * activation); // the output and the depthwise output autograd keeps
    assert.equal(kept(fused), activation); // the output only
  });

  test('sequentialRunsDepthwiseThenPointwisePairsFused', () => {
    torch.manualSeed(7);
    const block = new nn.Sequential(new nn.ReLU(), new nn.Conv2d(8, 8, 3, { padding: 1, groups: 8, bias: false }), new nn.Conv2d(8, 16, 1, { bias: false }));
    const x = torch.randn([16, 8, 64, 64]).requiresGrad_(true);
    const keptBy = (recompute: boolean): { bytes: number; y: number[] } => {
      torch.backends.recomputeSeparableConv = recompute;
      try {
        const before = torch.memoryStats().allocatedBytes;
        const y = block.forward(x);
        return { bytes: torch.memoryStats().allocatedBytes - before, y: bits(y) };
      } finally {
        torch.backends.recomputeSeparableConv = true;
      }
    };
    const plain = keptBy(false);
    const fusedRun = keptBy(true);
    assert.deepEqual(fusedRun.y, plain.y);
    const act = 16 * 8 * 64 * 64 * 4; // 2 MiB, above the allocator's 1 MiB tracking floor
    assert.equal(plain.bytes - fusedRun.bytes, act); // the depthwise output is no longer kept

    // A bias on the 1×1 conv, or a 1×1 conv that is not first after the depthwise one, is not a pair.
    const withBias = new nn.Sequential(new nn.Conv2d(8, 8, 3, { padding: 1, groups: 8, bias: false }), new nn.Conv2d(8, 8, 1));
    const before = torch.memoryStats().allocatedBytes;
    const y = withBias.forward(x);
    assert.equal(torch.memoryStats().allocatedBytes - before, 2 * act);
    y.dispose();
  });

  test('rejectsWeightsOfTheWrongShape', () => {
    const x = torch.randn([1, 4, 5, 5]);
    assert.throws(() => torch.separableConv2d(x, torch.randn([3, 1, 3, 3]), torch.randn([4, 4, 1, 1])), /depthwise weight must be \[C, 1, kh, kw\] with C = input channels \(4\)/);
    assert.throws(() => torch.separableConv2d(x, torch.randn([4, 1, 3, 3]), torch.randn([4, 2, 1, 1])), /pointwise weight must be \[Cout, C, 1, 1\]/);
  });
});
