import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { assertClose, values } from './helpers.js';

describe('neural-network functions', () => {
  test('matmulAndLinear', () => {
    const a = torch.tensor([[1, 2], [3, 4]]);
    const b = torch.tensor([[5, 6], [7, 8]]);
    assertClose(a.matmul(b), [19, 22, 43, 50]);
    assertClose(torch.linear(a, b, torch.tensor([1, -1])), [18, 22, 40, 52]);
    assert.deepEqual(torch.matmul(torch.ones([5, 2, 3]), torch.ones([3, 4])).shape, [5, 2, 4]);
  });

  test('conv2dStridePaddingDilationGroupsBias', () => {
    const x = torch.arange(16, undefined, 1, { dtype: 'float32' }).view([1, 1, 4, 4]);
    const w = torch.ones([1, 1, 2, 2]);
    // 2×2 box sums of a 4×4 ramp.
    assertClose(torch.conv2d(x, w), [10, 14, 18, 26, 30, 34, 42, 46, 50], 0, [1, 1, 3, 3]);
    assertClose(torch.conv2d(x, w, { stride: 2 }), [10, 18, 42, 50], 0, [1, 1, 2, 2]);
    assertClose(torch.conv2d(x, w, { stride: 3, padding: 1 }), [0, 5, 20, 50], 0, [1, 1, 2, 2]);
    // Dilation 2: taps at (0,0),(0,2),(2,0),(2,2).
    assertClose(torch.conv2d(x, w, { dilation: 2 }), [20, 24, 36, 40], 0, [1, 1, 2, 2]);
    assertClose(torch.conv2d(x, w, { bias: torch.tensor([1]), stride: 2 }), [11, 19, 43, 51]);
    // Depthwise: 2 channels, each with its own 1×1 weight.
    const x2 = torch.ones([1, 2, 2, 2]);
    const w2 = torch.tensor([2, 3]).view([2, 1, 1, 1]);
    assertClose(torch.conv2d(x2, w2, { groups: 2 }), [2, 2, 2, 2, 3, 3, 3, 3]);
  });

  test('poolingWithAndWithoutPaddingInTheAverage', () => {
    const x = torch.arange(16, undefined, 1, { dtype: 'float32' }).view([1, 1, 4, 4]);
    assertClose(torch.maxPool2d(x, 2), [5, 7, 13, 15], 0, [1, 1, 2, 2]);
    assertClose(torch.avgPool2d(x, 2), [2.5, 4.5, 10.5, 12.5]);
    const ones = torch.ones([1, 1, 2, 2]);
    // Corner window of a 3×3 pool with padding 1 covers 4 real pixels of 9.
    assertClose(torch.avgPool2d(ones, 3, { stride: 1, padding: 1, countIncludePad: true }), [4 / 9, 4 / 9, 4 / 9, 4 / 9]);
    assertClose(torch.avgPool2d(ones, 3, { stride: 1, padding: 1, countIncludePad: false }), [1, 1, 1, 1]);
    assertClose(torch.maxPool2d(x, 3, { stride: 2, padding: 1 }), [5, 7, 13, 15]);
    assertClose(torch.adaptiveAvgPool2d(x, 1), [7.5], 0, [1, 1, 1, 1]);
  });

  test('batchNormTrainingUpdatesRunningStatsAndEvalUsesThem', () => {
    const x = torch.tensor([1, 3, 5, 7], { dtype: 'float64' }).view([2, 1, 2, 1]);
    const rm = torch.zeros([1], { dtype: 'float64' });
    const rv = torch.ones([1], { dtype: 'float64' });
    const y = torch.batchNorm(x, { runningMean: rm, runningVar: rv, training: true, momentum: 0.1, eps: 0 });
    // mean 4, biased var 5, unbiased 20/3.
    assertClose(y, [-3, -1, 1, 3].map((v) => v / Math.sqrt(5)), 1e-12);
    assertClose(rm, [0.4], 1e-12);
    assertClose(rv, [0.9 + 0.1 * (20 / 3)], 1e-12);
    const w = torch.tensor([2], { dtype: 'float64' });
    const b = torch.tensor([1], { dtype: 'float64' });
    const z = torch.batchNorm(x, { weight: w, bias: b, runningMean: rm, runningVar: rv, training: false, eps: 0 });
    assertClose(z, [1, 3, 5, 7].map((v) => (2 * (v - 0.4)) / Math.sqrt(0.9 + 0.1 * (20 / 3)) + 1), 1e-12);
    assert.throws(() => torch.batchNorm(x), /evaluation mode needs runningMean/);
  });

  test('dropoutAtTheEdges', () => {
    const x = torch.ones([1000]);
    assertClose(torch.dropout(x, 0), new Array(1000).fill(1));
    assertClose(torch.dropout(x, 1), new Array(1000).fill(0));
    assertClose(torch.dropout(x, 0.5, false), new Array(1000).fill(1));
    const kept = Array.from(torch.dropout(x, 0.5).data() as Float32Array);
    assert.ok(kept.every((v) => v === 0 || v === 2));
    assert.throws(() => torch.dropout(x, 1.5), /probability must be in \[0, 1\]/);
  });

  test('crossEntropyAndNllLoss', () => {
    const logits = torch.tensor([[0, 0, 0], [1, 2, 3]], { dtype: 'float64' });
    const y = torch.tensor([0, 2], { dtype: 'int64' });
    const lse = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3));
    const l = [Math.log(3), lse - 3];
    assertClose(torch.crossEntropy(logits, y, { reduction: 'none' }), l, 1e-12);
    assertClose(torch.crossEntropy(logits, y), [(l[0]! + l[1]!) / 2], 1e-12);
    assertClose(torch.crossEntropy(logits, y, { reduction: 'sum' }), [l[0]! + l[1]!], 1e-12);
    // Label smoothing ε: (1−ε)·NLL + ε·mean over classes of −log p.
    const eps = 0.1;
    const lp1 = [1, 2, 3].map((v) => v - lse);
    const smooth1 = (1 - eps) * -lp1[2]! + (eps * -lp1.reduce((s, v) => s + v, 0)) / 3;
    assertClose(torch.crossEntropy(logits, y, { reduction: 'none', labelSmoothing: eps }), [Math.log(3), smooth1], 1e-12);
    assertClose(torch.nllLoss(logits.logSoftmax(1), y, { reduction: 'none' }), l, 1e-12);
    assert.throws(() => torch.crossEntropy(logits, y, { reduction: 'avg' as never }), /unknown reduction 'avg'/);
  });
});

describe('in-place ops', () => {
  test('updatesInPlace', () => {
    const t = torch.tensor([1, 2], { dtype: 'float64' });
    t.add_(1);
    assertClose(t, [2, 3]);
    t.add_(torch.tensor([1, 1], { dtype: 'float64' }), { alpha: -2 });
    assertClose(t, [0, 1]);
    t.mul_(3);
    assertClose(t, [0, 3]);
    t.addcmul_(torch.tensor([2, 2], { dtype: 'float64' }), torch.tensor([3, 4], { dtype: 'float64' }), { value: 0.5 });
    assertClose(t, [3, 7]);
    t.addcdiv_(torch.tensor([1, 1], { dtype: 'float64' }), torch.tensor([2, 4], { dtype: 'float64' }), { value: 2 });
    assertClose(t, [4, 7.5]);
    t.clamp_(5, 7);
    assertClose(t, [5, 7]);
    t.copy_(torch.tensor([9, 8], { dtype: 'float64' }));
    assertClose(t, [9, 8]);
    t.fill_(4);
    assertClose(t, [4, 4]);
    t.zero_();
    assertClose(t, [0, 0]);
    torch.manualSeed(1);
    const u = torch.zeros([500]).uniform_(2, 3);
    assert.ok((values(u) as number[]).every((v) => v >= 2 && v < 3));
    const n = torch.zeros([4000], { dtype: 'float64' }).normal_(5, 2);
    assert.ok(Math.abs(n.mean().item() - 5) < 0.15 && Math.abs(n.std().item() - 2) < 0.15);
  });

  test('refusesToWriteALeafThatRequiresGradUnlessGradModeIsOff', () => {
    const p = torch.ones([2], { requiresGrad: true });
    assert.throws(() => p.add_(1), /add_: a leaf Variable that requires grad is being used in an in-place operation/);
    torch.noGrad(() => p.add_(1));
    assertClose(p, [2, 2]);
  });
});
