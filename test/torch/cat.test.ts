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
      // Each input's gradient comes as a dense channels-last copy, not a slice of the output's.
      ours.grads.forEach((g, i) => assert.equal(g.isContiguous('channelsLast'), true, `${dtype} gradient ${i} layout`));
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

describe('torch.splitChannels', () => {
  test('piecesAndGradientsAreThoseOfSplitThenContiguousBitForBit', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      torch.manualSeed(5);
      const x0 = torch.randn([2, 9, 3, 4], { dtype });
      const widths = [2, 4, 3];
      const gOuts = widths.map((c) => torch.randn([2, c, 3, 4], { dtype }));
      const run = (layout: (t: Tensor) => Tensor, split: (x: Tensor) => Tensor[]) => {
        const x = layout(x0).detach().requiresGrad_(true);
        const pieces = split(x);
        const [g] = torch.autograd.grad(pieces, [x], { gradOutputs: gOuts.map(layout) }) as Tensor[];
        return { pieces, g: g! };
      };
      const ours = run(cl, (x) => torch.splitChannels(x, widths));
      const composed = run(cl, (x) => x.split(widths, 1).map((p) => p.contiguous('channelsLast')));
      assert.deepEqual(ours.pieces.map((p) => p.shape), [[2, 2, 3, 4], [2, 4, 3, 4], [2, 3, 3, 4]]);
      ours.pieces.forEach((p, i) => {
        assert.equal(p.isContiguous('channelsLast'), true);
        assert.deepEqual(bits(p), bits(composed.pieces[i]!), `${dtype} piece ${i}`);
      });
      assert.equal(ours.g.isContiguous('channelsLast'), true);
      assert.deepEqual(bits(ours.g), bits(composed.g), `${dtype} gradient`);
      // Contiguous (NCHW) input: libtorch's split, the same values in the input's own layout.
      const nchw = run((t) => t, (x) => torch.splitChannels(x, widths));
      nchw.pieces.forEach((p, i) => assert.deepEqual(bits(p), bits(composed.pieces[i]!)));
      assert.deepEqual(bits(nchw.g), bits(composed.g));
    }
  });

  test('aPieceWithoutGradientCountsAsZeros', () => {
    const x = cl(torch.randn([2, 5, 2, 2])).requiresGrad_(true);
    const [a, b] = torch.splitChannels(x, [2, 3]) as [Tensor, Tensor];
    assert.equal(a.requiresGrad && b.requiresGrad, true);
    // Only the second piece reaches the loss: the first two channels get exact zeros.
    const [g] = torch.autograd.grad([b.mul(3).sum()], [x]) as Tensor[];
    const v = bits(g!.permute([0, 2, 3, 1]));
    v.forEach((value, i) => assert.equal(value, i % 5 < 2 ? 0 : 3, `element ${i}`));
  });

  test('secondDerivativesMatchSplitThenContiguous', () => {
    torch.manualSeed(6);
    const x0 = torch.randn([2, 5, 2, 3], { dtype: 'float64' });
    const second = (split: (x: Tensor) => Tensor[]) => {
      const x = cl(x0).detach().requiresGrad_(true);
      const [a, b] = split(x) as [Tensor, Tensor];
      const [g] = torch.autograd.grad([a.mul(a).sum().add(b.mul(b).mul(b).sum())], [x], { createGraph: true }) as Tensor[];
      return torch.autograd.grad([g!.mul(g!).sum()], [x]) as Tensor[];
    };
    const ours = second((x) => torch.splitChannels(x, [2, 3]));
    const composed = second((x) => x.split([2, 3], 1).map((p) => p.contiguous('channelsLast')));
    assert.deepEqual(bits(ours[0]!), bits(composed[0]!));
  });

  test('widthsThatDoNotCoverTheChannelsAreAOneLineError', () => {
    const x = cl(torch.randn([1, 4, 2, 2]));
    assert.throws(() => torch.splitChannels(x, [1, 2]), /^Error: splitChannels: widths add up to 3 but the input has 4 channels$/);
    assert.throws(() => torch.splitChannels(x, [4, 0]), /^Error: splitChannels: widths must be positive, got 0$/);
  });
});

describe('torch.reluCat', () => {
  test('valuesAndGradientsAreThoseOfCatThenReLUBitForBit', () => {
    const bitsOf = (t: Tensor) => Array.from(t.contiguous().toArray() as Float32Array | Float64Array).map((v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v));
    for (const dtype of ['float32', 'float64'] as const) {
      torch.manualSeed(15);
      const widths = [3, 5, 2];
      const xs0 = widths.map((c) => torch.randn([2, c, 3, 4], { dtype }));
      // NaN, −0 and +∞ among the values: ReLU keeps NaN and −0, and passes NaN's gradient on.
      xs0[0]!.select(1, 0).select(1, 0).fill_(Number.NaN);
      xs0[1]!.select(1, 2).fill_(-0);
      xs0[2]!.select(1, 1).select(1, 2).fill_(Number.POSITIVE_INFINITY);
      const g = torch.randn([2, 10, 3, 4], { dtype });
      const run = (f: (xs: Tensor[]) => Tensor) => {
        const xs = xs0.map((x) => cl(x).detach().requiresGrad_(true));
        const y = f(xs);
        const grads = torch.autograd.grad([y], xs, { gradOutputs: [cl(g)] }) as Tensor[];
        return { y, grads };
      };
      const fused = run((xs) => torch.reluCat(xs, 1));
      const composed = run((xs) => torch.cat(xs, 1).relu());
      assert.equal(fused.y.isContiguous('channelsLast'), true);
      assert.deepEqual(bitsOf(fused.y), bitsOf(composed.y), `${dtype} values`);
      fused.grads.forEach((gi, i) => {
        assert.deepEqual(bitsOf(gi), bitsOf(composed.grads[i]!), `${dtype} gradient ${i}`);
        assert.equal(gi.isContiguous('channelsLast'), true);
      });
      // Contiguous inputs run cat then relu: the same values.
      assert.deepEqual(bitsOf(torch.reluCat(xs0, 1)), bitsOf(composed.y));
    }
  });

  test('runsAsOneOpAndDifferentiatesTwice', () => {
    const xs = [cl(torch.randn([2, 2, 2, 2], { dtype: 'float64' })).requiresGrad_(true), cl(torch.randn([2, 3, 2, 2], { dtype: 'float64' })).requiresGrad_(true)];
    const ops = opsRunBy(() => torch.reluCat(xs, 1));
    assert.ok(ops.has('dnas::relu_cat_channels_last') && !ops.has('aten::relu') && !ops.has('aten::cat'), [...ops].join(', '));
    const second = (f: (ys: Tensor[]) => Tensor) => {
      const y = f(xs.map((x) => x.mul(x)));
      const [g0] = torch.autograd.grad([y.mul(y).sum()], [xs[0]!], { createGraph: true }) as Tensor[];
      return (torch.autograd.grad([g0!.sum()], xs) as Tensor[]).map((g) => bits(g));
    };
    assert.deepEqual(second((ys) => torch.reluCat(ys, 1)), second((ys) => torch.cat(ys, 1).relu()));
  });
});
