import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { assertClose, values } from './helpers.js';

const f64 = { dtype: 'float64' } as const;

describe('neural-network functions', () => {
  test('matmulAndLinear', () => {
    const a = torch.tensor([[1, 2], [3, 4]]);
    const b = torch.tensor([[5, 6], [7, 8]]);
    assertClose(a.matmul(b), [19, 22, 43, 50], 0, [2, 2]);
    assertClose(torch.matmul(torch.tensor([1, 2]), b), [19, 22], 0, [2]); // vector-matrix
    assertClose(torch.matmul(a, torch.tensor([1, 1])), [3, 7], 0, [2]);
    assertClose(torch.matmul(torch.tensor([1, 2]), torch.tensor([3, 4])), [11], 0, []);
    // y = x Wᵀ + b
    assertClose(torch.linear(a, b, torch.tensor([1, -1])), [18, 22, 40, 52]);
    assertClose(torch.linear(a, b), [17, 23, 39, 53]);
    assertClose(torch.linear(torch.ones([2, 3, 2]), b), [11, 15, 11, 15, 11, 15, 11, 15, 11, 15, 11, 15], 0, [2, 3, 2]);
    assert.deepEqual(torch.matmul(torch.ones([5, 2, 3]), torch.ones([3, 4])).shape, [5, 2, 4]);
    assert.deepEqual(torch.matmul(torch.ones([5, 2, 3]), torch.ones([5, 3, 1])).shape, [5, 2, 1]);
  });

  test('conv2dStridePaddingDilationGroupsBias', () => {
    const x = torch.arange(16, undefined, 1, { dtype: 'float32' }).view([1, 1, 4, 4]);
    const w = torch.ones([1, 1, 2, 2]);
    // 2×2 box sums of a 4×4 ramp.
    assertClose(torch.conv2d(x, w), [10, 14, 18, 26, 30, 34, 42, 46, 50], 0, [1, 1, 3, 3]);
    assertClose(torch.conv2d(x, w, { stride: 2 }), [10, 18, 42, 50], 0, [1, 1, 2, 2]);
    assertClose(torch.conv2d(x, w, { stride: 3, padding: 1 }), [0, 5, 20, 50], 0, [1, 1, 2, 2]);
    // Width padded to 6 and strided by 3: the left window sees column 0 only, the right columns 2–3.
    assertClose(torch.conv2d(x, w, { stride: [1, 3], padding: [0, 1] }), [4, 18, 12, 34, 20, 50], 0, [1, 1, 3, 2]);
    // Dilation 2: taps at (0,0),(0,2),(2,0),(2,2).
    assertClose(torch.conv2d(x, w, { dilation: 2 }), [20, 24, 36, 40], 0, [1, 1, 2, 2]);
    assertClose(torch.conv2d(x, w, { bias: torch.tensor([1]), stride: 2 }), [11, 19, 43, 51]);
    // An asymmetric kernel: out[i,j] = x[i,j] − x[i,j+1] = −1 everywhere.
    assertClose(torch.conv2d(x, torch.tensor([1, -1]).view([1, 1, 1, 2])), new Array(12).fill(-1), 0, [1, 1, 4, 3]);
    // Depthwise: 2 channels, each with its own 1×1 weight.
    const x2 = torch.ones([1, 2, 2, 2]);
    const w2 = torch.tensor([2, 3]).view([2, 1, 1, 1]);
    assertClose(torch.conv2d(x2, w2, { groups: 2 }), [2, 2, 2, 2, 3, 3, 3, 3]);
    // Two groups of 2 input channels → 1 output channel each: sums its own pair only.
    const x4 = torch.tensor([1, 2, 10, 20], f64).view([1, 4, 1, 1]);
    assertClose(torch.conv2d(x4, torch.ones([2, 2, 1, 1], f64), { groups: 2, bias: torch.tensor([0.5, -0.5], f64) }), [3.5, 29.5], 0, [1, 2, 1, 1]);
    // channels-last input gives the same numbers.
    const xr = torch.randn([2, 4, 5, 5], f64);
    const wr = torch.randn([6, 2, 3, 3], f64);
    const ref = torch.conv2d(xr, wr, { padding: 1, groups: 2 });
    assertClose(torch.conv2d(xr.contiguous('channelsLast'), wr.contiguous('channelsLast'), { padding: 1, groups: 2 }), values(ref), 1e-12);
  });

  test('poolingWithAndWithoutPaddingInTheAverage', () => {
    const x = torch.arange(16, undefined, 1, { dtype: 'float32' }).view([1, 1, 4, 4]);
    assertClose(torch.maxPool2d(x, 2), [5, 7, 13, 15], 0, [1, 1, 2, 2]);
    assertClose(torch.maxPool2d(x.neg(), 3, { stride: 2, padding: 1 }), [0, -1, -4, -5], 0, [1, 1, 2, 2]); // padding never wins
    assertClose(torch.maxPool2d(x, 3, { stride: 2, padding: 1 }), [5, 7, 13, 15]);
    assertClose(torch.maxPool2d(x, 2, { dilation: 2, stride: 1 }), [10, 11, 14, 15], 0, [1, 1, 2, 2]);
    assertClose(torch.maxPool2d(x, 3, { stride: 2, ceilMode: true }), [10, 11, 14, 15], 0, [1, 1, 2, 2]);
    assertClose(torch.avgPool2d(x, 2), [2.5, 4.5, 10.5, 12.5]);
    assertClose(torch.avgPool2d(x, 2, { stride: 1 }), [2.5, 3.5, 4.5, 6.5, 7.5, 8.5, 10.5, 11.5, 12.5], 0, [1, 1, 3, 3]);
    const ones = torch.ones([1, 1, 2, 2]);
    // Corner window of a 3×3 pool with padding 1 covers 4 real pixels of 9.
    assertClose(torch.avgPool2d(ones, 3, { stride: 1, padding: 1, countIncludePad: true }), [4 / 9, 4 / 9, 4 / 9, 4 / 9]);
    assertClose(torch.avgPool2d(ones, 3, { stride: 1, padding: 1 }), [4 / 9, 4 / 9, 4 / 9, 4 / 9]); // PyTorch's default
    assertClose(torch.avgPool2d(ones, 3, { stride: 1, padding: 1, countIncludePad: false }), [1, 1, 1, 1]);
    // Windows of the ramp, 3×3 padding 1 stride 2: real pixels {0,1,4,5}, {1,2,3,5,6,7},
    // {4,5,8,9,12,13}, {5,6,7,9,10,11,13,14,15} → sums 10, 24, 51, 90 over 4, 6, 6, 9 pixels.
    assertClose(torch.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }), [10 / 4, 24 / 6, 51 / 6, 90 / 9], 1e-6);
    assertClose(torch.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: true }), [10 / 9, 24 / 9, 51 / 9, 90 / 9], 1e-6);
    assertClose(torch.avgPool2d(x, 2, { divisorOverride: 1 }), [10, 18, 42, 50]);
    assertClose(torch.adaptiveAvgPool2d(x, 1), [7.5], 0, [1, 1, 1, 1]);
    assertClose(torch.adaptiveAvgPool2d(x, 2), [2.5, 4.5, 10.5, 12.5], 0, [1, 1, 2, 2]);
    // 4 → 3 bins overlap: rows [0,2), [1,3), [2,4).
    const r = torch.arange(4, undefined, 1, f64).view([1, 1, 1, 4]);
    assertClose(torch.adaptiveAvgPool2d(r, [1, 3]), [0.5, 1.5, 2.5], 1e-12, [1, 1, 1, 3]);
  });

  test('batchNormTrainingUpdatesRunningStatsAndEvalUsesThem', () => {
    const x = torch.tensor([1, 3, 5, 7], f64).view([2, 1, 2, 1]);
    const rm = torch.zeros([1], f64);
    const rv = torch.ones([1], f64);
    const y = torch.batchNorm(x, { runningMean: rm, runningVar: rv, training: true, momentum: 0.1, eps: 0 });
    // mean 4, biased var 5 normalises; the running var takes the unbiased 20/3.
    assertClose(y, [-3, -1, 1, 3].map((v) => v / Math.sqrt(5)), 1e-12);
    assertClose(rm, [0.4], 1e-12);
    assertClose(rv, [0.9 + 0.1 * (20 / 3)], 1e-12);
    // A second step with momentum 0.5 moves half way.
    torch.batchNorm(x, { runningMean: rm, runningVar: rv, training: true, momentum: 0.5, eps: 0 });
    assertClose(rm, [0.5 * 0.4 + 0.5 * 4], 1e-12);
    const rv2 = 0.5 * (0.9 + 0.1 * (20 / 3)) + 0.5 * (20 / 3);
    assertClose(rv, [rv2], 1e-12);
    const w = torch.tensor([2], f64);
    const b = torch.tensor([1], f64);
    const z = torch.batchNorm(x, { weight: w, bias: b, runningMean: rm, runningVar: rv, training: false, eps: 0 });
    assertClose(z, [1, 3, 5, 7].map((v) => (2 * (v - 2.2)) / Math.sqrt(rv2) + 1), 1e-12);
    // Evaluation leaves the running statistics alone; without affine it is a pure standardisation.
    const z0 = torch.batchNorm(x, { runningMean: rm, runningVar: rv, eps: 0 });
    assertClose(z0, [1, 3, 5, 7].map((v) => (v - 2.2) / Math.sqrt(rv2)), 1e-12);
    assertClose(rm, [2.2], 1e-12);
    // Training with affine parameters but no running statistics (the DARTS search setting).
    const t = torch.batchNorm(x, { weight: w, bias: b, training: true, eps: 0 });
    assertClose(t, [-3, -1, 1, 3].map((v) => (2 * v) / Math.sqrt(5) + 1), 1e-12);
    // Per-channel statistics: two channels normalised separately.
    const x2 = torch.tensor([1, 100, 3, 300], f64).view([2, 2, 1, 1]);
    assertClose(torch.batchNorm(x2, { training: true, eps: 0 }), [-1, -1, 1, 1], 1e-12);
    assert.throws(() => torch.batchNorm(x), /evaluation mode needs runningMean/);
  });

  test('dropoutAtTheEdges', () => {
    const x = torch.ones([1000]);
    assertClose(torch.dropout(x, 0), new Array(1000).fill(1));
    assertClose(torch.dropout(x, 1), new Array(1000).fill(0));
    assertClose(torch.dropout(x, 0.5, false), new Array(1000).fill(1));
    assertClose(torch.dropout(x, 1, false), new Array(1000).fill(1));
    torch.manualSeed(2);
    const kept = values(torch.dropout(x, 0.5));
    assert.ok(kept.every((v) => v === 0 || v === 2)); // survivors scaled by 1/(1−p)
    const frac = kept.filter((v) => v === 0).length / 1000;
    assert.ok(Math.abs(frac - 0.5) < 0.07, `dropped ${frac}`);
    assert.throws(() => torch.dropout(x, 1.5), /probability must be in \[0, 1\]/);
  });

  test('crossEntropyAndNllLoss', () => {
    const logits = torch.tensor([[0, 0, 0], [1, 2, 3]], f64);
    const y = torch.tensor([0, 2], { dtype: 'int64' });
    const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    const l = [Math.log(3), lse - 3];
    assertClose(torch.crossEntropy(logits, y, { reduction: 'none' }), l, 1e-12, [2]);
    assertClose(torch.crossEntropy(logits, y), [(l[0]! + l[1]!) / 2], 1e-12, []);
    assertClose(torch.crossEntropy(logits, y, { reduction: 'sum' }), [l[0]! + l[1]!], 1e-12);
    // Label smoothing ε: (1−ε)·NLL + ε·mean over classes of −log p.
    const eps = 0.1;
    const lp1 = [1, 2, 3].map((v) => v - lse);
    const smooth1 = (1 - eps) * -lp1[2]! + (eps * -lp1.reduce((s, v) => s + v, 0)) / 3;
    assertClose(torch.crossEntropy(logits, y, { reduction: 'none', labelSmoothing: eps }), [Math.log(3), smooth1], 1e-12);
    assertClose(torch.crossEntropy(logits, y, { labelSmoothing: eps }), [(Math.log(3) + smooth1) / 2], 1e-12);
    assertClose(torch.crossEntropy(logits, y, { reduction: 'sum', labelSmoothing: eps }), [Math.log(3) + smooth1], 1e-12);
    // Ignored targets drop out of the mean.
    assertClose(torch.crossEntropy(logits, torch.tensor([-100, 2], { dtype: 'int64' })), [l[1]!], 1e-12);
    assertClose(torch.nllLoss(logits.logSoftmax(1), y, { reduction: 'none' }), l, 1e-12);
    assertClose(torch.nllLoss(logits.logSoftmax(1), y), [(l[0]! + l[1]!) / 2], 1e-12);
    assertClose(torch.nllLoss(torch.tensor([[-1, -2], [-3, -4]], f64), torch.tensor([1, 0], { dtype: 'int64' }), { reduction: 'sum' }), [5], 1e-12);
    // Class weights: a weighted mean (Σ wᵢ lᵢ / Σ wᵢ).
    const w = torch.tensor([1, 1, 3], f64);
    assertClose(torch.crossEntropy(logits, y, { weight: w }), [(l[0]! + 3 * l[1]!) / 4], 1e-12);
    assert.throws(() => torch.crossEntropy(logits, y, { reduction: 'avg' as never }), /unknown reduction 'avg'/);
  });
});
