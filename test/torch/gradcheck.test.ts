import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';

const { gradcheck } = torch.testing;
const f64 = (shape: number[], requiresGrad = true) => torch.randn(shape, { dtype: 'float64', requiresGrad });
const long = (v: number[][] | number[]) => torch.tensor(v, { dtype: 'int64' });

// Finite differences evaluate each function hundreds of times on tiny inputs. A 2-thread OpenMP
// region costs milliseconds when the machine is oversubscribed (measured: a 1×2×5×5 conv went
// from 0.08 ms to 2 ms), so this file runs single-threaded; the values do not depend on it.
torch.setNumThreads(1);

describe('gradcheck helper', () => {
  test('acceptsACorrectGradientAndNamesTheInputOfAWrongOne', () => {
    gradcheck((a) => a.mul(a), [f64([3])]);
    // x·detach(x) has gradient x where the true derivative of x² is 2x: gradcheck must notice.
    assert.throws(
      () => gradcheck((c, a) => a.mul(a.detach()).sum().add(c.sum()), [f64([2], false), f64([3])]),
      /gradcheck: input 1, element 0: autograd .* vs finite difference/,
    );
    assert.throws(() => gradcheck((a) => a, [torch.ones([2], { requiresGrad: true })]), /gradcheck needs float64 inputs, got float32/);
  });
});

describe('finite-difference gradient checks (float64)', () => {
  torch.manualSeed(11);
  const cases: [string, () => void][] = [
    ['arithmetic', () => gradcheck((a, b) => a.mul(b).add(a.div(b.abs().add(1))).sub(b, { alpha: 0.3 }).add(a.rsub(2).mul(0.1)), [f64([2, 3]), f64([2, 3])])],
    ['broadcasting', () => gradcheck((a, b) => a.mul(b).add(b), [f64([2, 3]), f64([3])])],
    ['unary', () => gradcheck((a) => torch.stack([a.neg(), a.exp(), a.abs().add(0.5).log(), a.abs().add(0.5).sqrt(), a.abs().add(0.5).rsqrt(), a.sigmoid(), a.tanh(), a.relu(), a.square()]), [f64([5])])],
    ['powClampMaximumMinimum', () => gradcheck((a, b) => torch.stack([a.abs().add(0.5).pow(2.5), a.pow(3), a.clamp(-0.5, 0.5), a.maximum(b), a.minimum(b), a.abs().add(1).pow(b)]), [f64([6]), f64([6])])],
    ['sumMean', () => gradcheck((a) => torch.stack([a.sum(), a.mean(), a.sum(1).sum(), a.mean([0, 1], true).sum(), a.sum(0, true).pow(2).sum()]), [f64([3, 4])])],
    ['maxMinStdVarNormLogsumexp', () => gradcheck((a) => torch.stack([a.amax(0).sum(), a.max(1).values.sum(), a.min(), a.std(), a.var(1).sum(), a.var(0, { unbiased: false }).sum(), a.norm(), a.norm(2, 1).sum(), a.logsumexp(1).sum()]), [f64([3, 4])])],
    ['softmax', () => gradcheck((a) => a.softmax(1), [f64([3, 4])])],
    ['logSoftmax', () => gradcheck((a) => a.logSoftmax(0), [f64([3, 4])])],
    ['where', () => {
      const c = torch.tensor([true, false, true]);
      gradcheck((a, b) => torch.where(c, a, b), [f64([3]), f64([3])]);
    }],
    ['matmul', () => gradcheck((a, b, v) => torch.cat([a.matmul(b).flatten(), b.matmul(v), a.unsqueeze(0).expand(2, 2, 3).matmul(b).flatten()]), [f64([2, 3]), f64([3, 4]), f64([4])])],
    ['linear', () => gradcheck((x, w, b) => torch.linear(x, w, b), [f64([2, 3]), f64([4, 3]), f64([4])])],
    ['conv2dStrideDilationGroupsBias', () => gradcheck((x, w, b) => torch.conv2d(x, w, { bias: b, stride: 2, padding: 2, dilation: 2, groups: 2 }), [f64([2, 4, 5, 5]), f64([4, 2, 3, 3]), f64([4])])],
    ['conv2dDepthwiseAsymmetric', () => gradcheck((x, w) => torch.conv2d(x, w, { stride: [1, 2], padding: [1, 0], groups: 3 }), [f64([1, 3, 4, 5]), f64([6, 1, 3, 2])])],
    ['conv2dChannelsLast', () => gradcheck((x, w) => torch.conv2d(x.contiguous('channelsLast'), w, { padding: 1 }), [f64([1, 2, 4, 4]), f64([3, 2, 3, 3])])],
    ['maxPool2d', () => gradcheck((x) => torch.maxPool2d(x, 3, { stride: 2, padding: 1 }), [f64([1, 2, 5, 5])])],
    ['avgPool2dCountIncludePad', () => gradcheck((x) => torch.avgPool2d(x, 3, { stride: 1, padding: 1, countIncludePad: true }), [f64([1, 2, 4, 4])])],
    ['avgPool2dExcludePad', () => gradcheck((x) => torch.avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false }), [f64([1, 2, 5, 5])])],
    ['adaptiveAvgPool2d', () => gradcheck((x) => torch.cat([torch.adaptiveAvgPool2d(x, 1).flatten(), torch.adaptiveAvgPool2d(x, [2, 3]).flatten()]), [f64([2, 2, 5, 4])])],
    ['batchNormTraining', () => gradcheck((x, w, b) => torch.batchNorm(x, { weight: w, bias: b, training: true }), [f64([4, 3, 2, 2]), f64([3]), f64([3])])],
    ['batchNormTrainingNoAffine', () => gradcheck((x) => torch.batchNorm(x, { training: true, runningMean: torch.zeros([2], { dtype: 'float64' }), runningVar: torch.ones([2], { dtype: 'float64' }) }), [f64([3, 2, 2, 2])])],
    ['crossEntropy', () => {
      const y = long([0, 2, 1]);
      gradcheck((z) => torch.stack([torch.crossEntropy(z, y), torch.crossEntropy(z, y, { reduction: 'sum' })]), [f64([3, 4])]);
      gradcheck((z) => torch.crossEntropy(z, y, { reduction: 'none' }), [f64([3, 4])]);
    }],
    ['crossEntropyLabelSmoothing', () => {
      const y = long([0, 2, 1]);
      gradcheck((z) => torch.crossEntropy(z, y, { labelSmoothing: 0.2 }), [f64([3, 4])]);
    }],
    ['nllLoss', () => gradcheck((z) => torch.nllLoss(z, long([1, 0, 3])), [f64([3, 4])])],
    ['cat', () => gradcheck((a, b) => torch.cat([a, b, a], 1), [f64([2, 3]), f64([2, 1])])],
    ['stack', () => gradcheck((a, b) => torch.stack([a, b], 1), [f64([2, 3]), f64([2, 3])])],
    ['sliceNarrowSelect', () => gradcheck((a) => torch.cat([a.slice(1, 0, 3, 2).flatten(), a.narrow(0, 1, 1).flatten(), a.select(1, -1)]), [f64([2, 3])])],
    ['gather', () => gradcheck((a) => a.gather(1, long([[2, 0, 2], [1, 1, 0]])), [f64([2, 3])])],
    ['indexSelect', () => gradcheck((a) => a.indexSelect(0, long([1, 0, 1])), [f64([2, 3])])],
    ['chunkSplitTopkSort', () => gradcheck((a) => torch.cat([a.chunk(2, 1)[1]!.flatten(), a.split([1, 3], 1)[0]!.flatten(), a.topk(2).values.flatten(), a.sort(1, true).values.flatten()]), [f64([2, 4])])],
    ['pad', () => gradcheck((a) => torch.cat([torch.pad(a, [1, 2], 'constant', 3).flatten(), torch.pad(a, [1, 1], 'reflect').flatten()]), [f64([1, 2, 4])])],
    ['shapeOps', () => gradcheck((a) => a.permute(2, 0, 1).reshape([4, 3]).transpose(0, 1).unsqueeze(0).expand(2, 3, 4).flip(2).mul(torch.arange(4, undefined, 1, { dtype: 'float64' })), [f64([1, 3, 4])])],
    ['signNegDivByTensorScalarBase', () => gradcheck((a, b) => a.neg().add(a.sign().mul(a)).add(a.div(b.abs().add(1))).add(torch.tensor(2, { dtype: 'float64' }).pow(b)).add(a.where(a.lt(0), 3)), [f64([2, 3]), f64([2, 3])])],
    ['reductionsWithKeepdimAndSeveralDims', () => gradcheck((a) => torch.cat([a.sum([0, 2]), a.mean(1, true).flatten(), a.amin(1).flatten(), a.max(2, true).values.flatten(), a.min(0).values.flatten(), a.std([1, 2], { correction: 0 }), a.var(0, { keepdim: true }).flatten(), a.norm(1, 2).flatten(), a.norm(2, [1, 2], true).flatten(), a.logsumexp([1, 2], true).flatten(), a.prod(2).flatten()]), [f64([2, 3, 2])])],
    ['scatterRepeatCloneReplicatePad', () => {
      const idx = long([[2, 0], [1, 2]]);
      gradcheck((a, s) => torch.cat([a.scatter(1, idx, s).flatten(), a.scatter(1, idx, 0.5).flatten(), a.repeat(2, 1).flatten(), a.clone().flatten(), torch.pad(a.view([1, 1, 2, 3]), [1, 1, 1, 1], 'replicate').flatten(), a.t().contiguous().view([-1])]), [f64([2, 3]), f64([2, 2])]);
    }],
    ['poolOptions', () => gradcheck((x) => torch.cat([torch.maxPool2d(x, 2, { stride: 1, dilation: 2 }).flatten(), torch.maxPool2d(x, 2, { ceilMode: true }).flatten(), torch.avgPool2d(x, 2, { ceilMode: true }).flatten(), torch.avgPool2d(x, 3, { padding: 1, divisorOverride: 4 }).flatten()]), [f64([1, 2, 5, 5])])],
    ['batchNormEvaluation', () => {
      const runningMean = torch.randn([3], { dtype: 'float64' });
      const runningVar = torch.rand([3], { dtype: 'float64' }).add(0.5);
      gradcheck((x, w, b) => torch.batchNorm(x, { weight: w, bias: b, runningMean, runningVar, eps: 1e-3 }), [f64([4, 3, 2, 2]), f64([3]), f64([3])]);
    }],
    ['lossesWithClassWeightsIgnoreIndexAndProbabilityTargets', () => {
      const y = long([0, 2, 1, 2]);
      const weight = torch.tensor([0.2, 1, 3], { dtype: 'float64' });
      const probs = torch.tensor([[0.2, 0.3, 0.5], [1, 0, 0], [0, 0.5, 0.5], [0.1, 0.1, 0.8]], { dtype: 'float64' });
      gradcheck((z) => torch.cat([
        torch.crossEntropy(z, y, { reduction: 'none', weight }),
        torch.crossEntropy(z, y, { reduction: 'sum', labelSmoothing: 0.1, weight }).view([1]),
        torch.crossEntropy(z, y, { weight, ignoreIndex: 2 }).view([1]),
        torch.crossEntropy(z, probs).view([1]),
        torch.nllLoss(z.logSoftmax(1), y, { weight, reduction: 'none' }),
      ]), [f64([4, 3])]);
    }],
    ['dropoutWithAFixedMask', () => gradcheck((x) => {
      torch.manualSeed(7); // the same mask at every evaluation
      return torch.dropout(x, 0.3);
    }, [f64([4, 5])])],
  ];
  for (const [name, check] of cases) test(`gradientOf_${name}`, check);
});
