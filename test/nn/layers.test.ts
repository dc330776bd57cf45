import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { AdaptiveAvgPool2d, AvgPool2d, BatchNorm2d, Conv2d, Flatten, Identity, Linear, MaxPool2d, ReLU, init } from '../../src/nn/index.js';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import { readFixture } from '../fixture-path.js';

interface Entry { shape: number[]; values: number[] }
interface LayerCase { args: Record<string, number | boolean>; weight: Entry; bias: Entry | null; input: Entry; output: Entry }
interface NnFixture {
  conv: Record<string, LayerCase>;
  linear: LayerCase;
  batchnorm: {
    args: { numFeatures: number; momentum: number; eps: number };
    weight: number[];
    bias: number[];
    trainSteps: { input: Entry; output: Entry; runningMean: number[]; runningVar: number[]; numBatchesTracked: number }[];
    evalInput: Entry;
    evalOutput: Entry;
  };
}
const fixture = readFixture<NnFixture>('nn/fixtures/nn_fixture.json');

const f64 = (e: Entry): Tensor => torch.tensor(e.values, { dtype: 'float64', shape: e.shape });
const values = (t: Tensor): number[] => Array.from(t.data() as ArrayLike<number | bigint>, Number);

function assertClose(actual: number[], expected: number[], tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) <= tol * Math.max(1, Math.abs(expected[i]!)), `${what}[${i}]: got ${v}, PyTorch ${expected[i]}`));
}

/** Loads the fixture's weights into a float64 copy of the layer. */
function withWeights<M extends Conv2d | Linear>(m: M, c: LayerCase): M {
  m.to('float64');
  m.loadStateDict(c.bias ? { weight: f64(c.weight), bias: f64(c.bias) } : { weight: f64(c.weight) });
  return m;
}

describe('layer forwards match torch.nn (float64)', () => {
  for (const [name, c] of Object.entries(fixture.conv)) {
    test(`conv2d${name[0]!.toUpperCase()}${name.slice(1)}MatchesPyTorch`, () => {
      const a = c.args as { inChannels: number; outChannels: number; kernelSize: number; stride?: number; padding?: number; dilation?: number; groups?: number; bias?: boolean };
      const conv = withWeights(new Conv2d(a.inChannels, a.outChannels, a.kernelSize, a), c);
      const y = conv.forward(f64(c.input));
      assert.deepEqual(y.shape, c.output.shape);
      assertClose(values(y), c.output.values, 1e-12, name);
    });
  }

  test('linearMatchesPyTorch', () => {
    const c = fixture.linear;
    const lin = withWeights(new Linear(c.args.inFeatures as number, c.args.outFeatures as number), c);
    const y = lin.forward(f64(c.input));
    assert.deepEqual(y.shape, c.output.shape);
    assertClose(values(y), c.output.values, 1e-12, 'linear');
  });

  test('batchNorm2dTrainingOutputsRunningStatisticsAndEvalMatchPyTorch', () => {
    const b = fixture.batchnorm;
    const bn = new BatchNorm2d(b.args.numFeatures, { momentum: b.args.momentum, eps: b.args.eps }).to('float64');
    torch.noGrad(() => {
      bn.weight!.copy_(torch.tensor(b.weight, { dtype: 'float64' }));
      bn.bias!.copy_(torch.tensor(b.bias, { dtype: 'float64' }));
    });
    b.trainSteps.forEach((s, i) => {
      assertClose(values(bn.forward(f64(s.input))), s.output.values, 1e-12, `train step ${i} output`);
      assertClose(values(bn.runningMean!), s.runningMean, 1e-12, `train step ${i} running_mean`);
      assertClose(values(bn.runningVar!), s.runningVar, 1e-12, `train step ${i} running_var`);
      assert.deepEqual(values(bn.numBatchesTracked!), [s.numBatchesTracked]);
    });
    bn.eval();
    assertClose(values(bn.forward(f64(b.evalInput))), b.evalOutput.values, 1e-12, 'eval output');
    assert.deepEqual(values(bn.numBatchesTracked!), [b.trainSteps.length], 'eval does not count batches');
  });
});

describe('BatchNorm2d running statistics', () => {
  test('runningStatisticsFollowTheMomentumRuleWithUnbiasedVariance', () => {
    const m = 0.1;
    const bn = new BatchNorm2d(3).to('float64');
    let rm = [0, 0, 0];
    let rv = [1, 1, 1];
    torch.manualSeed(11);
    for (let step = 0; step < 4; step++) {
      const x = torch.randn([5, 3, 2, 2], { dtype: 'float64' }).mul(step + 1).add(step);
      const mean = values(x.mean([0, 2, 3]));
      const unbiased = values(x.var([0, 2, 3], { unbiased: true }));
      rm = rm.map((r, c) => (1 - m) * r + m * mean[c]!);
      rv = rv.map((r, c) => (1 - m) * r + m * unbiased[c]!);
      const y = torch.tidy(() => bn.forward(x));
      // The training output is normalised with the biased batch variance, as PyTorch does.
      const biased = values(x.var([0, 2, 3], { unbiased: false }));
      const expected = torch.tidy(() => x.sub(torch.tensor(mean, { dtype: 'float64' }).view(1, 3, 1, 1)).div(torch.tensor(biased, { dtype: 'float64' }).add(1e-5).sqrt().view(1, 3, 1, 1)));
      assertClose(values(y), values(expected), 1e-12, `step ${step} output`);
      assertClose(values(bn.runningMean!), rm, 1e-12, `step ${step} running_mean`);
      assertClose(values(bn.runningVar!), rv, 1e-12, `step ${step} running_var`);
    }
    assert.deepEqual(values(bn.numBatchesTracked!), [4]);
  });

  test('evalNormalisesWithRunningStatisticsAndLeavesThemUnchanged', () => {
    const bn = new BatchNorm2d(2).to('float64');
    torch.noGrad(() => {
      bn.runningMean!.copy_(torch.tensor([1, -2], { dtype: 'float64' }));
      bn.runningVar!.copy_(torch.tensor([4, 0.25], { dtype: 'float64' }));
      bn.weight!.copy_(torch.tensor([2, 1], { dtype: 'float64' }));
      bn.bias!.copy_(torch.tensor([0, 0.5], { dtype: 'float64' }));
    });
    bn.eval();
    const x = torch.tensor([[[[3]], [[-1]]]], { dtype: 'float64' });
    const y = values(bn.forward(x));
    assertClose(y, [(2 * (3 - 1)) / Math.sqrt(4 + 1e-5), (-1 + 2) / Math.sqrt(0.25 + 1e-5) + 0.5], 1e-12, 'eval output');
    assert.deepEqual(values(bn.runningMean!), [1, -2]);
    assert.deepEqual(values(bn.runningVar!), [4, 0.25]);
    assert.deepEqual(values(bn.numBatchesTracked!), [0]);
  });

  test('withoutRunningStatisticsEvalUsesTheBatch', () => {
    const bn = new BatchNorm2d(2, { trackRunningStats: false, affine: false }).to('float64');
    bn.eval();
    const y = values(bn.forward(torch.tensor([[[[1, 3]], [[-2, 2]]]], { dtype: 'float64' })));
    const e = 1e-5;
    assertClose(y, [-1 / Math.sqrt(1 + e), 1 / Math.sqrt(1 + e), -2 / Math.sqrt(4 + e), 2 / Math.sqrt(4 + e)], 1e-12, 'batch-normalised');
  });
});

describe('default initialisation', () => {
  function assertWithin(t: Tensor, bound: number, what: string): void {
    const v = values(t);
    const maxAbs = Math.max(...v.map(Math.abs));
    assert.ok(maxAbs <= bound, `${what}: |value| ${maxAbs} exceeds the bound ${bound}`);
    // The draws fill the range (with this seed), so a smaller-than-PyTorch init would fail too.
    assert.ok(maxAbs > 0.8 * bound, `${what}: |value| at most ${maxAbs}, far inside the bound ${bound}`);
  }

  test('convAndLinearWeightsAndBiasesLieWithinOneOverSqrtFanIn', () => {
    torch.manualSeed(0);
    const conv = new Conv2d(3, 16, 3);
    assertWithin(conv.weight, 1 / Math.sqrt(27), 'Conv2d(3, 16, 3) weight');
    assertWithin(conv.bias!, 1 / Math.sqrt(27), 'Conv2d(3, 16, 3) bias');
    const grouped = new Conv2d(16, 32, 5, { groups: 8 });
    assertWithin(grouped.weight, 1 / Math.sqrt(2 * 25), 'grouped Conv2d weight');
    assertWithin(grouped.bias!, 1 / Math.sqrt(2 * 25), 'grouped Conv2d bias');
    const lin = new Linear(10, 50);
    assertWithin(lin.weight, 1 / Math.sqrt(10), 'Linear(10, 50) weight');
    assertWithin(lin.bias!, 1 / Math.sqrt(10), 'Linear(10, 50) bias');
    const bn = new BatchNorm2d(4);
    assert.deepEqual(values(bn.weight!), [1, 1, 1, 1]);
    assert.deepEqual(values(bn.bias!), [0, 0, 0, 0]);
  });

  test('initHelpersComputePyTorchFansAndGains', () => {
    assert.deepEqual(init.calculateFanInAndFanOut(torch.empty([16, 3, 3, 3])), [27, 144]);
    assert.deepEqual(init.calculateFanInAndFanOut(torch.empty([5, 10])), [10, 5]);
    assert.equal(init.calculateGain('leaky_relu', Math.sqrt(5)), Math.sqrt(1 / 3));
    const w = init.kaimingNormal_(torch.empty([256, 64]), { mode: 'fan_out', nonlinearity: 'relu' });
    const std = w.std().item();
    assert.ok(Math.abs(std - Math.sqrt(2 / 256)) < 0.05 * Math.sqrt(2 / 256), `kaiming normal std ${std}`);
  });
});

describe('parameter-free layers', () => {
  // 1×1×4×4 with values 0..15, row-major.
  const grid = () => torch.arange(0, 16, 1, { dtype: 'float32' }).reshape([1, 1, 4, 4]);

  test('poolingDefaultsToAStrideOfTheKernelSize', () => {
    assert.deepEqual(values(new MaxPool2d(2).forward(grid())), [5, 7, 13, 15]);
    assert.deepEqual(values(new AvgPool2d(2).forward(grid())), [2.5, 4.5, 10.5, 12.5]);
    assert.deepEqual(new MaxPool2d(3, { stride: 1, padding: 1 }).forward(grid()).shape, [1, 1, 4, 4]);
    assert.deepEqual(new MaxPool2d(3, { ceilMode: true }).forward(grid()).shape, [1, 1, 2, 2]);
    assert.deepEqual(new AdaptiveAvgPool2d(1).forward(grid()).shape, [1, 1, 1, 1]);
    assert.deepEqual(values(new AdaptiveAvgPool2d(1).forward(grid())), [7.5]);
    assert.deepEqual(values(new AdaptiveAvgPool2d([2, 1]).forward(grid())), [3.5, 11.5]);
  });

  test('avgPoolCountIncludePadDecidesTheBorderDivisor', () => {
    const ones = torch.ones([1, 1, 3, 3]);
    // DARTS' avg_pool_3x3 excludes the padding: a constant image stays constant.
    assert.deepEqual(values(new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }).forward(ones)), Array(9).fill(1));
    // PyTorch's default counts it: the corner averages 4 ones over 9 cells.
    const included = values(new AvgPool2d(3, { stride: 1, padding: 1 }).forward(ones));
    assertClose(included, [4 / 9, 6 / 9, 4 / 9, 6 / 9, 1, 6 / 9, 4 / 9, 6 / 9, 4 / 9], 1e-6, 'countIncludePad');
  });

  test('flattenReluAndIdentity', () => {
    const x = torch.randn([2, 3, 4, 5]);
    assert.deepEqual(new Flatten().forward(x).shape, [2, 60]);
    assert.deepEqual(new Flatten(0, 1).forward(x).shape, [6, 4, 5]);
    assert.deepEqual(new Flatten(2).forward(x).shape, [2, 3, 20]);
    const v = torch.tensor([-1, 0, 2]);
    const relu = new ReLU({ inplace: true });
    assert.deepEqual(values(relu.forward(v)), [0, 0, 2]);
    assert.deepEqual(values(v), [-1, 0, 2], 'inplace is accepted but the input is left intact');
    assert.equal(new Identity().forward(v), v);
  });

  test('poolingAndBatchNormKeepAChannelsLastInput', () => {
    torch.manualSeed(5);
    const x = torch.randn([2, 4, 6, 6]);
    const xLast = x.contiguous('channelsLast');
    const layers = [new MaxPool2d(3, { stride: 2, padding: 1 }), new AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }), new BatchNorm2d(4), new ReLU()];
    for (const m of layers) {
      const y = m.forward(xLast);
      assert.ok(y.isContiguous('channelsLast'), `${m.constructor.name} keeps channels-last`);
      assertClose(values(y.contiguous()), values(m.forward(x)), 1e-5, `${m.constructor.name} values`);
    }
  });
});
