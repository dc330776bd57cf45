// The CUDA path, for the machine that has one: `node scripts/run-tests.mjs --device cuda` (or
// scripts/cuda-check.sh, which also builds against a CUDA libtorch and runs the search bench). The
// addon's own CPU kernels (batch norm, weighted sum, depthwise weight gradient) hand over to
// libtorch on other devices; these tests check that every op a DARTS search uses gives the CPU's
// values and gradients there (float64, so the comparison is tight), and that a search runs on the
// device. Without --device cuda they are skipped: on CPU they would compare the CPU with itself.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import { bilevel } from '../../src/nas/update/bilevel.js';
import { epochsOf, search, tinyConfig } from '../nas/search-harness.js';
import { tinyContext } from '../nas/update/tiny-supernet.js';

const device = process.env.DNAS_TEST_DEVICE ?? 'cpu';
const onDevice = device !== 'cpu';
const f64 = { dtype: 'float64' } as const;

function maxAbsDiff(a: Tensor, b: Tensor): number {
  return a.to({ device: 'cpu' }).sub(b.to({ device: 'cpu' })).abs().max().item();
}

/** Runs `f` on CPU copies and on device copies of `inputs`; values and input gradients must agree. */
function agreesWithCpu(name: string, inputs: Tensor[], f: (...xs: Tensor[]) => Tensor): void {
  const run = (dev: string): Tensor[] => {
    const xs = inputs.map((x) => x.to({ device: dev }).detach().requiresGrad_(true));
    const y = f(...xs);
    const g = torch.ones(y.shape, { dtype: y.dtype, device: dev }).mul(0.5);
    return [y, ...(torch.autograd.grad(y, xs, { gradOutputs: [g] }) as Tensor[])];
  };
  const cpu = run('cpu');
  const dev = run(device);
  assert.ok(String(dev[0]!.device).startsWith(device.split(':')[0]!), `${name}: output on ${dev[0]!.device}, not ${device}`);
  cpu.forEach((t, i) => assert.ok(maxAbsDiff(t, dev[i]!) < 1e-9, `${name}: ${i === 0 ? 'value' : `gradient ${i}`} differs by ${maxAbsDiff(t, dev[i]!)}`));
}

describe(`ops on ${device}`, { skip: onDevice ? false : 'CPU only: run with --device cuda on a GPU machine' }, () => {
  test('theDeviceIsThere', () => {
    assert.ok(torch.cuda.isAvailable(), `--device ${device} asked for, but libtorch sees no CUDA device (build with LIBTORCH= pointing at a CUDA libtorch)`);
  });

  test('convolutionsBatchNormAndWeightedSumMatchTheCpu', () => {
    torch.manualSeed(1);
    const x = torch.randn([2, 6, 9, 9], f64);
    const dw = torch.randn([6, 1, 3, 3], f64);
    const pw = torch.randn([8, 6, 1, 1], f64);
    agreesWithCpu('depthwise conv (dilated, strided)', [x, dw], (a, w) => torch.conv2d(a!, w!, { stride: 2, padding: 2, dilation: 2, groups: 6 }));
    agreesWithCpu('separable conv', [x, dw, pw], (a, d, p) => torch.separableConv2d(a!, d!, p!, { padding: 1 }));
    agreesWithCpu('batch norm + ReLU', [x], (a) => torch.batchNorm(a!, { training: true, relu: true }));
    agreesWithCpu('affine-free batch norm', [x], (a) => torch.batchNorm(a!, { training: true }));
    const w = torch.randn([3], f64).softmax(0);
    agreesWithCpu('weighted sum', [x, x.mul(2), x.neg(), w], (a, b, c, wi) => torch.weightedSum([a!, b!, c!], wi!));
  });

  test('aSearchRunsOnTheDeviceAndMatchesTheCpu', async () => {
    // One epoch (4 steps) of first-order DARTS in float32: the softmaxed α after it within float32
    // tolerance of the CPU's (the kernels differ, so the last bits do). cuDNN's TF32 convolutions
    // (on by default, as in PyTorch) round to 10 mantissa bits and moved α by 1.7e-4 on an H200.
    const cfgFor = (dev: string) => tinyConfig({ device: dev, epochs: 1, trainLimit: 64 });
    const weights = async (dev: string) => Object.values(epochsOf((await search(cfgFor(dev))).events).at(-1)!.archWeights).flat(2);
    const tf32 = torch.backends.cudnn.allowTF32;
    torch.backends.cudnn.allowTF32 = false;
    const a = await weights('cpu');
    const b = await weights(device).finally(() => {
      torch.backends.cudnn.allowTF32 = tf32;
    });
    assert.equal(b.length, a.length);
    // Adam's first step moves every α by ±lr whatever its gradient's size, so an α whose gradient is
    // within float32 noise of zero can go the other way: 2·lr = 6e-4 in α, ≈ 7.5e-5 in its softmax
    // weight per step. On an H200 the largest difference was 1.1e-4 (weight 84). The exact check is
    // the float64 one below.
    a.forEach((v, i) => assert.ok(Math.abs(v - b[i]!) < 5e-4, `α weight ${i}: ${b[i]} on ${device}, ${v} on cpu`));
  });

  test('dartsStepsInFloat64MatchTheCpu', () => {
    // Three DARTS steps (Adam on α, as the paper) of each order on the tiny float64 supernet, from
    // the same numbers on both devices: α and every weight agree to float64 rounding.
    for (const order of [1, 2] as const) {
      const run = (dev: string): Tensor[] => {
        const ctx = tinyContext({ archOptimizer: 'adam', device: dev });
        const update = bilevel({ order });
        for (let i = 0; i < 3; i++) update.step(ctx);
        return [...ctx.archParams, ...ctx.weights];
      };
      const cpu = run('cpu');
      const dev = run(device);
      assert.equal(dev.length, cpu.length);
      cpu.forEach((t, i) => assert.ok(maxAbsDiff(t, dev[i]!) < 1e-9, `order ${order}, ${i < 2 ? 'α' : 'weight'} ${i}: differs by ${maxAbsDiff(t, dev[i]!)}`));
    }
  });
});
