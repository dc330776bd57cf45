// torch.cat along the channels of channels-last 4-D tensors takes the addon's row copy
// (src/native/ops_cat.cc) instead of libtorch's; values and gradients must be libtorch's bit for
// bit, the first and second derivatives included, and everything else must still reach at::cat.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';

const bits = (t: Tensor): number[] => Array.from(t.contiguous().toArray() as Float32Array | Float64Array);
const cl = (t: Tensor): Tensor => t.contiguous('channelsLast');

/** The names of the ops a profiled call ran. */
function opsRunBy(f: () => void): Set<string> {
  const file = join(mkdtempSync(join(tmpdir(), 'dnas-cat-')), 'cat.trace');
  torch.profiler.start(file);
  torch.tidy(f);
  torch.profiler.stop();
  return new Set((JSON.parse(readFileSync(file, 'utf8')) as { name: string; ph: string }[]).filter((e) => e.ph === 'X').map((e) => e.name));
}

describe('torch.cat of channels-last tensors along the channels', () => {
  test('valuesAndGradientsAreLibtorchsBitForBit', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      torch.manualSeed(3);
      const widths = [3, 5, 1, 4];
      const xs = widths.map((c) => torch.randn([2, c, 3, 5], { dtype }));
      const gOut = torch.randn([2, 13, 3, 5], { dtype });
      const run = (layout: (t: Tensor) => Tensor, dim: number) => {
        const inputs = xs.map((x) => layout(x).detach().requiresGrad_(true));
        const y = torch.cat(inputs, dim);
        const grads = torch.autograd.grad([y], inputs, { gradOutputs: [layout(gOut)] }) as Tensor[];
        return { y, grads };
      };
      const ours = run(cl, 1);
      const libtorchs = run((t) => t, 1); // contiguous inputs: at::cat
      assert.equal(ours.y.isContiguous('channelsLast'), true);
      assert.deepEqual(ours.y.shape, [2, 13, 3, 5]);
      assert.deepEqual(bits(ours.y), bits(libtorchs.y));
      ours.grads.forEach((g, i) => assert.deepEqual(bits(g), bits(libtorchs.grads[i]!), `${dtype} gradient ${i}`));
      // dim given from the end, as PyTorch allows.
      assert.deepEqual(bits(run(cl, -3).y), bits(libtorchs.y));
    }
  });

  test('onlyTheInputsThatRequireGradGetOne', () => {
    const a = cl(torch.randn([2, 2, 2, 2])).requiresGrad_(true);
    const b = cl(torch.randn([2, 3, 2, 2]));
    const y = torch.cat([a, b], 1);
    assert.equal(y.requiresGrad, true);
    const [ga] = torch.autograd.grad([y.mul(y).sum()], [a]) as Tensor[];
    assert.deepEqual(bits(ga!), bits(a.mul(2)));
    assert.equal(torch.noGrad(() => torch.cat([a, b], 1)).requiresGrad, false);
  });

  test('secondDerivativesMatchLibtorchs', () => {
    torch.manualSeed(4);
    const a0 = torch.randn([2, 3, 2, 2], { dtype: 'float64' });
    const b0 = torch.randn([2, 2, 2, 2], { dtype: 'float64' });
    const second = (layout: (t: Tensor) => Tensor) => {
      const a = layout(a0).detach().requiresGrad_(true);
      const b = layout(b0).detach().requiresGrad_(true);
      const y = torch.cat([a.mul(a), b.mul(a.narrow(1, 0, 2))], 1);
      const [ga] = torch.autograd.grad([y.mul(y).sum()], [a], { createGraph: true }) as Tensor[];
      return torch.autograd.grad([ga!.sum()], [a, b]) as Tensor[];
    };
    const ours = second(cl);
    const libtorchs = second((t) => t);
    ours.forEach((g, i) => assert.deepEqual(bits(g), bits(libtorchs[i]!), `second derivative ${i}`));
  });

  test('channelsLastInputsTakeTheRowCopyAndOthersLibtorchsCat', () => {
    const x = cl(torch.randn([2, 3, 4, 4]));
    const y = cl(torch.randn([2, 5, 4, 4]));
    const fast = opsRunBy(() => torch.cat([x, y], 1));
    assert.ok(fast.has('dnas::cat_channels_last') && !fast.has('aten::cat'), [...fast].join(', '));
    // Contiguous inputs, another dimension, mixed layouts or dtypes, other ranks: libtorch's.
    for (const f of [
      () => torch.cat([x.contiguous(), y.contiguous()], 1),
      () => torch.cat([x, x], 0),
      () => torch.cat([x, y.contiguous()], 1),
      () => torch.cat([x, cl(torch.randn([2, 5, 4, 4], { dtype: 'float64' }))], 1),
      () => torch.cat([torch.randn([2, 3]), torch.randn([2, 4])], 1),
    ]) {
      const ops = opsRunBy(f);
      assert.ok(ops.has('aten::cat') && !ops.has('dnas::cat_channels_last'), [...ops].join(', '));
    }
    // The switch, for benchmarks and for stepping around the kernel.
    torch.backends.channelsLastCat = false;
    try {
      const ops = opsRunBy(() => torch.cat([x, y], 1));
      assert.ok(ops.has('aten::cat') && !ops.has('dnas::cat_channels_last'), [...ops].join(', '));
    } finally {
      torch.backends.channelsLastCat = true;
    }
    // And libtorch's checks still speak for mismatched shapes.
    assert.throws(() => torch.cat([x, cl(torch.randn([2, 5, 3, 4]))], 1), /^Error: cat: /);
  });
});
