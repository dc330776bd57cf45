import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { dropPath } from '../../src/eval/drop-path.js';
import { dropPathSum } from '../../src/nn/drop-path.js';
import * as torch from '../../src/torch/index.js';

describe('drop path', () => {
  test('eachSampleIsZeroedOrScaledByTheInverseKeepProbability', () => {
    torch.manualSeed(0);
    const x = torch.ones([4000, 2, 3, 3]);
    const y = dropPath(x, 0.2);
    const values = Array.from(y.toArray() as Float32Array);
    // Per sample, all 18 values share one draw: either all 0 or all 1/0.8.
    let kept = 0;
    for (let n = 0; n < 4000; n++) {
      const sample = values.slice(n * 18, (n + 1) * 18);
      const first = sample[0]!;
      assert.ok(sample.every((v) => v === first), `sample ${n} mixes kept and dropped values`);
      assert.ok(first === 0 || Math.abs(first - 1.25) < 1e-6, `sample ${n} has ${first}`);
      if (first !== 0) kept++;
    }
    // 4000 Bernoulli(0.8) draws: mean 3200, sd 25.3; 4 sd either side.
    assert.ok(Math.abs(kept - 3200) < 101, `kept ${kept} of 4000`);
    // The expected value is unchanged: the mean of y is close to 1.
    assert.ok(Math.abs(y.mean().item() - 1) < 0.04);
  });

  test('theSameSeedDrawsTheSameMask', () => {
    torch.manualSeed(7);
    const a = dropPath(torch.ones([16, 1, 1, 1]), 0.5).toArray();
    torch.manualSeed(7);
    const b = dropPath(torch.ones([16, 1, 1, 1]), 0.5).toArray();
    assert.deepEqual(a, b);
    assert.deepEqual(new Set(Array.from(a as Float32Array)), new Set([0, 2]));
  });

  test('theOneDivisionEqualsTheReferencesDivideThenMultiplyBitForBitGradientIncluded', () => {
    // Rows of ordinary values, negative values, ±∞ and NaN; p = 0.3 so 1/(1−p) is not exact in float32.
    const base = torch.randn([64, 3, 4, 4]).mul(5);
    base.select(0, 1).fill_(Number.POSITIVE_INFINITY);
    base.select(0, 2).fill_(Number.NEGATIVE_INFINITY);
    base.select(0, 3).fill_(Number.NaN);
    const run = (f: (x: torch.Tensor) => torch.Tensor) => {
      torch.manualSeed(11);
      const x = base.detach().requiresGrad_();
      const y = f(x);
      y.backward(torch.ones([64, 3, 4, 4]).mul(torch.randn([64, 1, 1, 1])));
      return { y: Array.from(y.detach().toArray() as Float32Array), g: Array.from(x.grad!.toArray() as Float32Array) };
    };
    const ours = run((x) => dropPath(x, 0.3));
    const reference = run((x) => x.div(0.7).mul(torch.bernoulli(torch.zeros([64, 1, 1, 1]), 0.7)));
    const bits = (a: number[]) => Array.from(new Uint32Array(new Float32Array(a).buffer));
    assert.deepEqual(bits(ours.y), bits(reference.y));
    assert.deepEqual(bits(ours.g), bits(reference.g));
    assert.ok(ours.y.some((v) => v === 0) && ours.y.some((v) => v !== 0), 'some samples kept and some dropped');
  });

  test('probabilityZeroReturnsTheInputItself', () => {
    const x = torch.ones([2, 1, 1, 1]);
    assert.equal(dropPath(x, 0), x);
  });

  test('aProbabilityOutsideZeroToOneIsAnError', () => {
    assert.throws(() => dropPath(torch.ones([2, 1, 1, 1]), 1), /drop path probability must be in \[0, 1\), got 1/);
  });

  test('aNodeSumIsTheTwoDropPathsAndTheirAdditionBitForBitGradientsIncluded', () => {
    // ±∞ and NaN rows included; one side spared (an identity op) in the second half of the cases.
    const bitsOf = (t: torch.Tensor) => Array.from(t.contiguous().toArray() as Float32Array | Float64Array).map((v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v));
    for (const dtype of ['float32', 'float64'] as const) {
      for (const layout of ['contiguous', 'channelsLast'] as const) {
        for (const [dropA, dropB] of [[true, true], [false, true], [true, false]] as const) {
          torch.manualSeed(5);
          const a0 = torch.randn([32, 3, 4, 5], { dtype }).mul(4);
          a0.select(0, 1).fill_(Number.POSITIVE_INFINITY);
          a0.select(0, 2).fill_(Number.NaN);
          const b0 = torch.randn([32, 3, 4, 5], { dtype });
          const gOut = torch.randn([32, 3, 4, 5], { dtype }).contiguous(layout);
          const run = (f: (a: torch.Tensor, b: torch.Tensor) => torch.Tensor) => {
            torch.manualSeed(9);
            const a = a0.contiguous(layout).detach().requiresGrad_();
            const b = b0.contiguous(layout).detach().requiresGrad_();
            const y = f(a, b);
            const [ga, gb] = torch.autograd.grad([y], [a, b], { gradOutputs: [gOut] }) as torch.Tensor[];
            return { y: bitsOf(y), ga: bitsOf(ga!), gb: bitsOf(gb!), layout: y.isContiguous(layout) };
          };
          const fused = run((a, b) => dropPathSum(a, dropA, b, dropB, 0.3));
          const composed = run((a, b) => (dropA ? dropPath(a, 0.3) : a).add(dropB ? dropPath(b, 0.3) : b));
          const name = `${dtype} ${layout} drop ${dropA}/${dropB}`;
          assert.deepEqual(fused.y, composed.y, `${name}: values`);
          assert.deepEqual(fused.ga, composed.ga, `${name}: gradient of a`);
          assert.deepEqual(fused.gb, composed.gb, `${name}: gradient of b`);
          assert.equal(fused.layout, true, `${name}: keeps the layout`);
          assert.notDeepEqual(fused.y, bitsOf(a0.add(b0)), `${name}: drop path changed the sum`);
        }
      }
    }
  });

  test('aNodeSumFeedingAConcatenationGetsAStridedGradientAndStillMatches', () => {
    // In a cell the node goes into the channel concatenation, whose backward hands it a slice
    // (libtorch's cat does; the addon's row-copy cat hands each input a dense copy).
    const run = (fuse: boolean) => {
      torch.backends.fuseDropPathSum = fuse;
      torch.backends.channelsLastCat = false;
      try {
        torch.manualSeed(8);
        const a = torch.randn([16, 3, 4, 4]).contiguous('channelsLast').requiresGrad_();
        const b = torch.randn([16, 3, 4, 4]).contiguous('channelsLast').requiresGrad_();
        const other = torch.randn([16, 2, 4, 4]).contiguous('channelsLast');
        const y = torch.cat([other, dropPathSum(a, true, b, true, 0.4)], 1);
        const [ga, gb] = torch.autograd.grad([y.mul(y).sum()], [a, b]) as torch.Tensor[];
        return [ga!, gb!].map((g) => Array.from(g.contiguous().toArray() as Float32Array));
      } finally {
        torch.backends.fuseDropPathSum = true;
        torch.backends.channelsLastCat = true;
      }
    };
    assert.deepEqual(run(true), run(false));
  });

  test('aNodeSumRunsAsOneKernelAndDifferentiatesTwice', () => {
    const trace = join(mkdtempSync(join(tmpdir(), 'dnas-dps-')), 'sum.trace');
    const a = torch.randn([8, 2, 3, 3], { dtype: 'float64' }).requiresGrad_();
    const b = torch.randn([8, 2, 3, 3], { dtype: 'float64' }).requiresGrad_();
    torch.profiler.start(trace);
    torch.tidy(() => dropPathSum(a, true, b, true, 0.5));
    torch.profiler.stop();
    const names = new Set((JSON.parse(readFileSync(trace, 'utf8')) as { name: string; ph: string }[]).filter((e) => e.ph === 'X').map((e) => e.name));
    assert.ok(names.has('dnas::drop_path_sum') && !names.has('aten::add'), [...names].join(', '));
    // Second order through the kernel equals second order through the composed ops.
    const second = (fuse: boolean) => {
      torch.backends.fuseDropPathSum = fuse;
      try {
        torch.manualSeed(2);
        const y = dropPathSum(a.mul(a), true, b.mul(a), true, 0.5);
        const [ga] = torch.autograd.grad([y.mul(y).sum()], [a], { createGraph: true }) as torch.Tensor[];
        return (torch.autograd.grad([ga!.sum()], [a, b]) as torch.Tensor[]).map((g) => Array.from(g.toArray() as Float64Array));
      } finally {
        torch.backends.fuseDropPathSum = true;
      }
    };
    assert.deepEqual(second(true), second(false));
  });

  test('aNodeSumWithoutDropPathIsThePlainSum', () => {
    const a = torch.randn([2, 3]);
    const b = torch.randn([2, 3]);
    assert.deepEqual(dropPathSum(a, true, b, true, 0).toArray(), a.add(b).toArray());
    assert.deepEqual(dropPathSum(a, false, b, false, 0.4).toArray(), a.add(b).toArray());
    assert.throws(() => dropPathSum(a, true, b, true, 1), /drop path probability must be in \[0, 1\), got 1/);
  });
});
