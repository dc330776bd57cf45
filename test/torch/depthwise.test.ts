// The addon's depthwise convolution (used by conv2d when groups = in = out channels, stride 1) must
// compute exactly what libtorch's conv2d computes: forward, gradients, and gradients of gradients.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import type { MemoryFormat, Tensor } from '../../src/torch/index.js';

const { gradcheck } = torch.testing;

// Finite differences run each function hundreds of times on tiny inputs; one thread avoids OpenMP
// wake-ups that dominate on a shared machine. Values do not depend on it.
torch.setNumThreads(1);

interface Shape { batch: number; channels: number; size: [number, number]; kernel: [number, number]; padding: [number, number]; dilation: number; stride?: number }

/** conv2d with the fast depthwise path switched on or off. */
function conv(fast: boolean, x: Tensor, w: Tensor, s: Shape, bias?: Tensor): Tensor {
  const before = torch.backends.fastDepthwiseConv;
  torch.backends.fastDepthwiseConv = fast;
  try {
    return torch.conv2d(x, w, { stride: s.stride ?? 1, padding: s.padding, dilation: s.dilation, groups: s.channels, bias });
  } finally {
    torch.backends.fastDepthwiseConv = before;
  }
}

function maxAbsDiff(a: Tensor, b: Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  return a.sub(b).abs().max().item();
}

const shapes: Shape[] = [
  { batch: 1, channels: 3, size: [7, 7], kernel: [3, 3], padding: [1, 1], dilation: 1 },
  { batch: 4, channels: 5, size: [8, 8], kernel: [3, 3], padding: [2, 2], dilation: 2 },
  { batch: 3, channels: 4, size: [9, 9], kernel: [5, 5], padding: [2, 2], dilation: 1 },
  { batch: 2, channels: 6, size: [9, 10], kernel: [5, 5], padding: [4, 4], dilation: 2 },
  { batch: 2, channels: 3, size: [6, 7], kernel: [3, 5], padding: [0, 1], dilation: 1 },
  // Stride 2, as on reduction edges: the output gradient is spread onto the input grid first. Odd and
  // even sizes, where the last input rows are or are not reached by a window.
  { batch: 2, channels: 3, size: [8, 8], kernel: [3, 3], padding: [2, 2], dilation: 2, stride: 2 },
  { batch: 2, channels: 4, size: [9, 7], kernel: [5, 5], padding: [2, 2], dilation: 1, stride: 2 },
  { batch: 2, channels: 2, size: [7, 8], kernel: [3, 3], padding: [1, 1], dilation: 1, stride: 2 },
  { batch: 1, channels: 3, size: [11, 10], kernel: [5, 3], padding: [4, 2], dilation: 2, stride: 3 },
  // Padding beyond the kernel's reach: the flipped-kernel trick does not apply, libtorch's backward does.
  { batch: 2, channels: 2, size: [5, 5], kernel: [3, 3], padding: [3, 3], dilation: 1 },
];
const formats: MemoryFormat[] = ['contiguous', 'channelsLast'];

describe('depthwise conv2d: fast path against libtorch (float64)', () => {
  torch.manualSeed(5);
  for (const s of shapes) {
    for (const format of formats) {
      const name = `b${s.batch} c${s.channels} ${s.size.join('x')} k${s.kernel.join('x')} p${s.padding.join(',')} d${s.dilation} s${s.stride ?? 1} ${format}`;
      test(`forwardAndGradientsEqualLibtorch ${name}`, () => {
        torch.tidy(() => {
          const x = torch.randn([s.batch, s.channels, ...s.size], { dtype: 'float64' }).contiguous(format).requiresGrad_();
          const w = torch.randn([s.channels, 1, ...s.kernel], { dtype: 'float64' }).contiguous(format).requiresGrad_();
          const b = torch.randn([s.channels], { dtype: 'float64', requiresGrad: true });
          const fast = conv(true, x, w, s, b);
          const slow = conv(false, x, w, s, b);
          assert.match(conv(true, x, w, s).gradFn ?? '', /DepthwiseConv2d/, 'the fast path was not taken');
          assert.doesNotMatch(conv(false, x, w, s).gradFn ?? '', /DepthwiseConv2d/);
          assert.ok(maxAbsDiff(fast, slow) < 1e-12);
          const r = torch.randn(fast.shape, { dtype: 'float64' });
          const gFast = torch.autograd.grad([fast.mul(r).sum()], [x, w, b]);
          const gSlow = torch.autograd.grad([slow.mul(r).sum()], [x, w, b]);
          gFast.forEach((g, i) => assert.ok(maxAbsDiff(g!, gSlow[i]!) < 1e-11, `gradient ${i}`));
        });
      });
    }
  }

  test('onlyTheInputOrOnlyTheWeightRequiringGrad', () => {
    torch.tidy(() => {
      const s = shapes[1]!;
      const x = torch.randn([s.batch, s.channels, ...s.size], { dtype: 'float64' });
      const w = torch.randn([s.channels, 1, ...s.kernel], { dtype: 'float64' });
      for (const [xg, wg] of [[true, false], [false, true]] as const) {
        const xi = x.detach().requiresGrad_(xg);
        const wi = w.detach().requiresGrad_(wg);
        const wrt = xg ? xi : wi;
        const [gFast] = torch.autograd.grad([conv(true, xi, wi, s).square().sum()], [wrt]);
        const [gSlow] = torch.autograd.grad([conv(false, xi, wi, s).square().sum()], [wrt]);
        assert.ok(maxAbsDiff(gFast!, gSlow!) < 1e-10);
      }
    });
  });

  test('float32ChannelsLastGradientsAtSupernetSizeMatchLibtorch', () => {
    torch.tidy(() => {
      const s: Shape = { batch: 8, channels: 16, size: [16, 16], kernel: [5, 5], padding: [4, 4], dilation: 2 };
      const x = torch.randn([s.batch, s.channels, ...s.size]).contiguous('channelsLast').requiresGrad_();
      const w = torch.randn([s.channels, 1, ...s.kernel]).contiguous('channelsLast').requiresGrad_();
      const r = torch.randn([s.batch, s.channels, ...s.size]).contiguous('channelsLast');
      const gFast = torch.autograd.grad([conv(true, x, w, s).mul(r).sum()], [x, w]);
      const gSlow = torch.autograd.grad([conv(false, x, w, s).mul(r).sum()], [x, w]);
      gFast.forEach((g, i) => {
        const scale = gSlow[i]!.abs().max().item();
        assert.ok(maxAbsDiff(g!, gSlow[i]!) <= 1e-5 * scale, `gradient ${i}: ${maxAbsDiff(g!, gSlow[i]!)} vs scale ${scale}`);
      });
    });
  });

  test('weightGradientSplitAcrossThreadsEqualsLibtorch', () => {
    // The fast weight gradient gives each thread its own accumulator over a share of the images. This
    // file runs on one thread (and the test runner gives every file one), so this test asks for 3:
    // 7 images split unevenly, more threads than the 2 cores of CI.
    torch.setNumThreads(3);
    try {
      torch.tidy(() => {
        const s: Shape = { batch: 7, channels: 5, size: [8, 8], kernel: [3, 3], padding: [2, 2], dilation: 2 };
        for (const format of formats) {
          const x = torch.randn([s.batch, s.channels, ...s.size], { dtype: 'float64' }).contiguous(format);
          const w = torch.randn([s.channels, 1, ...s.kernel], { dtype: 'float64' }).contiguous(format).requiresGrad_();
          const r = torch.randn([s.batch, s.channels, ...s.size], { dtype: 'float64' });
          const [gFast] = torch.autograd.grad([conv(true, x, w, s).mul(r).sum()], [w]);
          const [gSlow] = torch.autograd.grad([conv(false, x, w, s).mul(r).sum()], [w]);
          assert.ok(maxAbsDiff(gFast!, gSlow!) < 1e-11, format);
        }
      });
    } finally {
      torch.setNumThreads(1);
    }
  });

  test('stridedDepthwiseTakesTheFastPath', () => {
    torch.tidy(() => {
      const y = torch.conv2d(torch.randn([1, 3, 6, 6], { requiresGrad: true }), torch.randn([3, 1, 3, 3]), { stride: 2, groups: 3 });
      assert.match(y.gradFn ?? '', /DepthwiseConv2d/);
    });
  });
});

describe('depthwise conv2d: finite differences (float64)', () => {
  torch.manualSeed(6);
  for (const s of [shapes[1]!, shapes[4]!, shapes[5]!, shapes[9]!]) {
    for (const format of formats) {
      const name = `k${s.kernel.join('x')} p${s.padding.join(',')} d${s.dilation} ${format}`;
      const x = torch.randn([Math.min(s.batch, 2), s.channels, ...s.size], { dtype: 'float64', requiresGrad: true });
      const w = torch.randn([s.channels, 1, ...s.kernel], { dtype: 'float64', requiresGrad: true });
      test(`gradcheck ${name}`, () => {
        gradcheck((xi, wi) => conv(true, xi.contiguous(format), wi.contiguous(format), s), [x, w]);
      });
      // gradgradcheck: the gradient, computed with createGraph, differentiated again. A squared output
      // makes the second derivative depend on both input and weight (the convolution is bilinear).
      test(`doubleBackwardMatchesFiniteDifferences ${name}`, () => {
        // gradcheck evaluates under noGrad; the first gradient needs a graph regardless.
        const firstGradient = (xi: Tensor, wi: Tensor): Tensor =>
          torch.enableGrad(() => {
            const y = conv(true, xi.contiguous(format), wi.contiguous(format), s);
            const gs = torch.autograd.grad([y.square().sum()], [xi, wi], { createGraph: true });
            return torch.cat(gs.map((g) => g!.flatten()));
          });
        gradcheck(firstGradient, [x, w]);
      });
    }
  }

  test('hessianVectorProductEqualsLibtorchs', () => {
    torch.tidy(() => {
      const s = shapes[3]!;
      const x = torch.randn([s.batch, s.channels, ...s.size], { dtype: 'float64' }).contiguous('channelsLast').requiresGrad_();
      const w = torch.randn([s.channels, 1, ...s.kernel], { dtype: 'float64', requiresGrad: true });
      const vx = torch.randn(x.shape, { dtype: 'float64' });
      const vw = torch.randn(w.shape, { dtype: 'float64' });
      const hvp = (fast: boolean): (Tensor | null)[] => {
        const y = conv(fast, x, w, s);
        const [gx, gw] = torch.autograd.grad([y.tanh().sum()], [x, w], { createGraph: true });
        return torch.autograd.grad([gx!.mul(vx).sum().add(gw!.mul(vw).sum())], [x, w]);
      };
      const a = hvp(true);
      const b = hvp(false);
      a.forEach((g, i) => assert.ok(maxAbsDiff(g!, b[i]!) < 1e-10, `hvp component ${i}`));
    });
  });
});
