// Training-mode batch norm runs the addon's own CPU kernels (src/native/ops_batchnorm.cc) in both
// memory layouts. They must give batch norm's values and gradients (float64, against the formula
// and finite differences), keep float32 statistics accurate in channels-last (where libtorch
// 1.13's kernel drifts), record a graph under create_graph, and not depend on the thread count.
// A fused ReLU must equal batch norm then ReLU bit for bit; without an affine map the kernel keeps
// its output instead of its input for backward, one activation less.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import type { MemoryFormat, Tensor } from '../../src/torch/index.js';

const { gradcheck } = torch.testing;
const f64 = { dtype: 'float64' } as const;

function maxAbsDiff(a: Tensor, b: Tensor): number {
  assert.deepEqual(a.shape, b.shape);
  return a.sub(b).abs().max().item();
}

/** Batch norm spelled out with elementwise ops and reductions: the definition the kernels must meet. */
function byFormula(x: Tensor, w: Tensor | undefined, b: Tensor | undefined, eps: number): Tensor {
  const dims = [0, 2, 3];
  const mean = x.mean(dims, true);
  const centred = x.sub(mean);
  const variance = centred.mul(centred).mean(dims, true);
  let y = centred.div(variance.add(eps).sqrt());
  if (w) y = y.mul(w.view([1, -1, 1, 1]));
  if (b) y = y.add(b.view([1, -1, 1, 1]));
  return y;
}

const layouts: MemoryFormat[] = ['contiguous', 'channelsLast'];

describe('batch norm kernels (training mode)', () => {
  for (const layout of layouts) {
    test(`valuesGradientsAndRunningStatsMatchTheFormula_${layout}`, () => {
      torch.manualSeed(3);
      // 11 channels and 5×7 planes: neither the channel nor the spatial loop divides by a vector width.
      const x = torch.randn([4, 11, 5, 7], f64).mul(3).add(5).contiguous(layout).requiresGrad_(true);
      const w = torch.randn([11], f64).requiresGrad_(true);
      const b = torch.randn([11], f64).requiresGrad_(true);
      const g = torch.randn([4, 11, 5, 7], f64).contiguous(layout);
      const rm = torch.zeros([11], f64);
      const rv = torch.ones([11], f64);
      const y = torch.batchNorm(x, { weight: w, bias: b, runningMean: rm, runningVar: rv, training: true, momentum: 0.1, eps: 1e-5 });
      assert.equal(y.isContiguous(layout), true, 'the output keeps the input memory format');
      const [dx, dw, db] = torch.autograd.grad(y, [x, w, b], { gradOutputs: [g] }) as Tensor[];

      const x0 = x.detach().clone().requiresGrad_(true);
      const w0 = w.detach().clone().requiresGrad_(true);
      const b0 = b.detach().clone().requiresGrad_(true);
      const ref = byFormula(x0, w0, b0, 1e-5);
      const [rdx, rdw, rdb] = torch.autograd.grad(ref, [x0, w0, b0], { gradOutputs: [g] }) as Tensor[];
      assert.ok(maxAbsDiff(y, ref) < 1e-12);
      assert.ok(maxAbsDiff(dx!, rdx!) < 1e-12);
      assert.ok(maxAbsDiff(dw!, rdw!) < 1e-11);
      assert.ok(maxAbsDiff(db!, rdb!) < 1e-11);

      const m = 4 * 5 * 7;
      const mean = x.detach().mean([0, 2, 3]);
      const unbiased = x.detach().sub(mean.view([1, -1, 1, 1])).pow(2).sum([0, 2, 3]).div(m - 1);
      assert.ok(maxAbsDiff(rm, mean.mul(0.1)) < 1e-13);
      assert.ok(maxAbsDiff(rv, unbiased.mul(0.1).add(0.9)) < 1e-12);
    });

    test(`finiteDifferenceGradients_${layout}`, () => {
      torch.manualSeed(4);
      const x = torch.randn([3, 4, 3, 2], f64).requiresGrad_(true);
      const w = torch.randn([4], f64).requiresGrad_(true);
      const b = torch.randn([4], f64).requiresGrad_(true);
      gradcheck((xi, wi, bi) => torch.batchNorm(xi!.contiguous(layout), { weight: wi, bias: bi, training: true }), [x, w, b]);
      // Without affine parameters (the DARTS supernet's batch norm).
      gradcheck((xi) => torch.batchNorm(xi!.contiguous(layout), { training: true }), [x]);
    });

    test(`secondOrderThroughCreateGraph_${layout}`, () => {
      torch.manualSeed(5);
      const x = torch.randn([3, 4, 2, 3], f64).requiresGrad_(true);
      const w = torch.randn([4], f64).requiresGrad_(true);
      const r = torch.randn([3, 4, 2, 3], f64);
      // The gradient of Σ r ⊙ BN(x; w), taken with createGraph, differentiated again by finite
      // differences (gradcheck evaluates under noGrad; the first gradient needs a graph regardless).
      gradcheck(
        (xi, wi) =>
          torch.enableGrad(() => {
            const y = torch.batchNorm(xi!.contiguous(layout), { weight: wi, training: true });
            const gs = torch.autograd.grad(y.mul(r).sum(), [xi!, wi!], { createGraph: true }) as Tensor[];
            return torch.cat(gs.map((g) => g.flatten()));
          }),
        [x, w],
      );
    });
  }

  for (const layout of layouts) {
    test(`fusedReLUEqualsBatchNormThenReLUBitForBit_${layout}`, () => {
      torch.manualSeed(8);
      // float32, 13 channels over 6×5 planes; about half the outputs are negative.
      const x = torch.randn([5, 13, 6, 5]).mul(2).add(1).contiguous(layout).requiresGrad_(true);
      const w = torch.randn([13]).requiresGrad_(true);
      const b = torch.randn([13]).requiresGrad_(true);
      const g = torch.randn([5, 13, 6, 5]).contiguous(layout);
      const bits = (t: Tensor): number[] => Array.from(t.contiguous().toArray() as Float32Array);
      const stats = (): { runningMean: Tensor; runningVar: Tensor } => ({ runningMean: torch.zeros([13]), runningVar: torch.ones([13]) });
      const sa = stats();
      const sb = stats();
      const fused = torch.batchNorm(x, { weight: w, bias: b, ...sa, training: true, relu: true });
      const apart = torch.batchNorm(x, { weight: w, bias: b, ...sb, training: true }).relu();
      assert.equal(fused.isContiguous(layout), true);
      assert.deepEqual(bits(fused), bits(apart));
      assert.deepEqual(bits(sa.runningVar), bits(sb.runningVar));
      const gf = torch.autograd.grad(fused, [x, w, b], { gradOutputs: [g] }) as Tensor[];
      const ga = torch.autograd.grad(apart, [x, w, b], { gradOutputs: [g] }) as Tensor[];
      ['input', 'weight', 'bias'].forEach((what, i) => assert.deepEqual(bits(gf[i]!), bits(ga[i]!), `gradient of the ${what}`));
    });

    test(`aDropPathNodeFoldedIntoBatchNormEqualsBatchNormDivideAddBitForBit_${layout}`, () => {
      // out = BN(x) / divisor[n] + addend, against batch norm, then nn.dropPath's division, then the
      // addition (perSampleQuotientSum's rounding): a dropped sample (divisor +∞), a kept one (1−p).
      const bits = (t: Tensor): (number | string)[] =>
        Array.from(t.contiguous().toArray() as Float32Array | Float64Array).map((v) => (Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : v));
      for (const dtype of ['float32', 'float64'] as const) {
        for (const [withDivisor, withAddend] of [[true, true], [true, false], [false, true]] as const) {
          torch.manualSeed(12);
          const x = torch.randn([6, 5, 3, 4], { dtype }).mul(2).contiguous(layout).requiresGrad_(true);
          const w = torch.randn([5], { dtype }).requiresGrad_(true);
          const b = torch.randn([5], { dtype }).requiresGrad_(true);
          const addend = torch.randn([6, 5, 3, 4], { dtype }).contiguous(layout).requiresGrad_(true);
          const divisor = torch.tensor([0.7, Number.POSITIVE_INFINITY, 0.7, 0.7, Number.POSITIVE_INFINITY, 0.7], { dtype }).view([6, 1, 1, 1]);
          const g = torch.randn([6, 5, 3, 4], { dtype }).contiguous(layout);
          const stats = () => ({ runningMean: torch.zeros([5], { dtype }), runningVar: torch.ones([5], { dtype }) });
          const [sa, sb] = [stats(), stats()];
          const d = withDivisor ? divisor : null;
          const a = withAddend ? addend : null;
          const folded = torch.batchNorm(x, { weight: w, bias: b, ...sa, training: true, divisor: d, addend: a });
          let apart = torch.batchNorm(x, { weight: w, bias: b, ...sb, training: true });
          if (d) apart = apart.div(d);
          if (a) apart = a.add(apart);
          const name = `${dtype} divisor ${withDivisor} addend ${withAddend}`;
          assert.equal(folded.isContiguous(layout), true, name);
          assert.deepEqual(bits(folded), bits(apart), `${name}: values`);
          assert.deepEqual(bits(sa.runningMean), bits(sb.runningMean), `${name}: running mean`);
          assert.deepEqual(bits(sa.runningVar), bits(sb.runningVar), `${name}: running variance`);
          const inputs = a ? [x, w, b, a] : [x, w, b];
          const gf = torch.autograd.grad(folded, inputs, { gradOutputs: [g] }) as Tensor[];
          const ga = torch.autograd.grad(apart, inputs, { gradOutputs: [g] }) as Tensor[];
          ['input', 'weight', 'bias', 'addend'].slice(0, inputs.length).forEach((what, i) => assert.deepEqual(bits(gf[i]!), bits(ga[i]!), `${name}: gradient of the ${what}`));
          // A dropped sample's batch norm term is 0: the output there is the addend (or zeros).
          if (d) assert.deepEqual(bits(folded.select(0, 1).abs()), bits((a ? a.select(0, 1) : torch.zeros([5, 3, 4], { dtype })).abs()), `${name}: dropped sample`);
        }
      }
      // Second order (createGraph) through the node: finite differences.
      const x = torch.randn([3, 2, 2, 3], f64).requiresGrad_(true);
      const e = torch.randn([3, 2, 2, 3], f64).requiresGrad_(true);
      const divisor = torch.tensor([0.5, 2, 0.25], f64);
      const r = torch.randn([3, 2, 2, 3], f64);
      gradcheck(
        (xi, ei) =>
          torch.enableGrad(() => {
            const y = torch.batchNorm(xi!.contiguous(layout), { weight: torch.ones([2], f64), training: true, divisor, addend: ei!.contiguous(layout) });
            const gs = torch.autograd.grad(y.mul(r).mul(y).sum(), [xi!, ei!], { createGraph: true }) as Tensor[];
            return torch.cat(gs.map((gi) => gi.flatten()));
          }),
        [x, e],
      );
    });

    test(`affineFreeGradientFromItsOutputMatchesTheFormula_${layout}`, () => {
      // Without weight and bias the kernel keeps x̂ (its output) for backward, not its input.
      torch.manualSeed(9);
      const x = torch.randn([4, 11, 5, 7], f64).mul(3).add(5).contiguous(layout).requiresGrad_(true);
      const g = torch.randn([4, 11, 5, 7], f64).contiguous(layout);
      const [dx] = torch.autograd.grad(torch.batchNorm(x, { training: true }), [x], { gradOutputs: [g] }) as Tensor[];
      const x0 = x.detach().clone().requiresGrad_(true);
      const [rdx] = torch.autograd.grad(byFormula(x0, undefined, undefined, 1e-5), [x0], { gradOutputs: [g] }) as Tensor[];
      assert.ok(maxAbsDiff(dx!, rdx!) < 1e-12);
      // With a fused ReLU: against the formula followed by ReLU.
      const [dxr] = torch.autograd.grad(torch.batchNorm(x, { training: true, relu: true }), [x], { gradOutputs: [g] }) as Tensor[];
      const x1 = x.detach().clone().requiresGrad_(true);
      const [rdxr] = torch.autograd.grad(byFormula(x1, undefined, undefined, 1e-5).relu(), [x1], { gradOutputs: [g] }) as Tensor[];
      assert.ok(maxAbsDiff(dxr!, rdxr!) < 1e-12);
    });

    test(`secondOrderAffineFreeAndFusedReLU_${layout}`, () => {
      torch.manualSeed(10);
      const x = torch.randn([3, 4, 2, 3], f64).requiresGrad_(true);
      const w = torch.randn([4], f64).requiresGrad_(true);
      const r = torch.randn([3, 4, 2, 3], f64);
      gradcheck((xi) => torch.batchNorm(xi!.contiguous(layout), { training: true, relu: true }), [x]);
      // Affine-free: the output alone cannot give a second derivative, so the forward must be
      // declared second-order (it then keeps its input); undeclared, the createGraph gradient throws.
      gradcheck(
        (xi) =>
          torch.enableGrad(() => {
            const y = torch.autograd.forSecondOrder(() => torch.batchNorm(xi!.contiguous(layout), { training: true }));
            const [gx] = torch.autograd.grad(y.mul(r).mul(y).sum(), [xi!], { createGraph: true }) as Tensor[];
            return gx!.flatten();
          }),
        [x],
      );
      const y = torch.batchNorm(x.contiguous(layout), { training: true });
      assert.throws(() => torch.autograd.grad(y.mul(r).mul(y).sum(), [x], { createGraph: true }), /run the forward inside torch\.autograd\.forSecondOrder/);
      gradcheck(
        (xi, wi) =>
          torch.enableGrad(() => {
            const y = torch.batchNorm(xi!.contiguous(layout), { weight: wi, training: true, relu: true });
            const gs = torch.autograd.grad(y.mul(r).mul(y).sum(), [xi!, wi!], { createGraph: true }) as Tensor[];
            return torch.cat(gs.map((g) => g.flatten()));
          }),
        [x, w],
      );
    });
  }

  test('batchNormPiecesEqualsSplittingThenNormalisingEachPiece', () => {
    // Two batch norms over adjacent channel ranges (3 and 5 of 8 channels), one without affine
    // parameters: as one op the values, gradients and running statistics must be the separate
    // batch norms' up to the order of the double statistics' sums.
    torch.manualSeed(19);
    for (const layout of layouts) {
      const x = torch.randn([6, 8, 5, 4], f64).mul(3).add(1).contiguous(layout).requiresGrad_(true);
      const w = torch.randn([3], f64).requiresGrad_(true);
      const b = torch.randn([3], f64).requiresGrad_(true);
      const gs = [torch.randn([6, 3, 5, 4], f64).contiguous(layout), torch.randn([6, 5, 5, 4], f64).contiguous(layout)];
      const stats = () => [3, 5].map((c) => ({ runningMean: torch.zeros([c], f64), runningVar: torch.ones([c], f64) }));
      const [sa, sb] = [stats(), stats()];
      const together = torch.batchNormPieces(x, [3, 5], [{ weight: w, bias: b, ...sa[0] }, sa[1]!], { momentum: 0.2 });
      const apart = torch.splitChannels(x, [3, 5]).map((p, i) => torch.batchNorm(p, { ...(i === 0 ? { weight: w, bias: b } : {}), ...sb[i], training: true, momentum: 0.2 }));
      together.forEach((t, i) => {
        assert.equal(t.isContiguous(layout), true, layout);
        assert.ok(maxAbsDiff(t, apart[i]!) < 1e-12, `${layout} piece ${i}`);
        assert.ok(maxAbsDiff(sa[i]!.runningMean, sb[i]!.runningMean) < 1e-14 && maxAbsDiff(sa[i]!.runningVar, sb[i]!.runningVar) < 1e-13, `${layout} running statistics ${i}`);
      });
      const gt = torch.autograd.grad(together, [x, w, b], { gradOutputs: gs, retainGraph: true }) as Tensor[];
      const ga = torch.autograd.grad(apart, [x, w, b], { gradOutputs: gs }) as Tensor[];
      gt.forEach((g, i) => assert.ok(maxAbsDiff(g, ga[i]!) < 1e-11, `${layout} gradient ${i}: ${maxAbsDiff(g, ga[i]!)}`));
      // A piece whose output no loss reads still gets its batch norm's gradient terms (zero).
      const [gx] = torch.autograd.grad([together[0]!], [x], { gradOutputs: [gs[0]!] }) as Tensor[];
      assert.equal(gx!.narrow(1, 3, 5).abs().max().item(), 0);
    }
    // Second order through the joined op: finite differences.
    const x = torch.randn([3, 4, 2, 2], f64).requiresGrad_(true);
    const w = torch.randn([1], f64).requiresGrad_(true);
    const r = [torch.randn([3, 1, 2, 2], f64), torch.randn([3, 3, 2, 2], f64)];
    gradcheck(
      (xi, wi) =>
        torch.enableGrad(() => {
          const ys = torch.batchNormPieces(xi!.contiguous('channelsLast'), [1, 3], [{ weight: wi }, {}]);
          const loss = ys[0]!.mul(r[0]!).mul(ys[0]!).sum().add(ys[1]!.mul(r[1]!).mul(ys[1]!).sum());
          const gs = torch.autograd.grad([loss], [xi!, wi!], { createGraph: true }) as Tensor[];
          return torch.cat(gs.map((g) => g.flatten()));
        }),
      [x, w],
    );
    assert.throws(() => torch.batchNormPieces(torch.randn([2, 4, 2, 2]).contiguous('channelsLast'), [1, 2], [{}, {}]), /^Error: batchNormPieces: widths add up to 3 but the input has 4 channels$/);
  });

  test('aDropPathNodeWithTheWrongTermsIsAOneLineError', () => {
    const x = torch.randn([4, 3, 2, 2]).contiguous('channelsLast');
    assert.throws(() => torch.batchNorm(x, { training: true, divisor: torch.ones([3]) }), /^Error: batchNorm: the divisor needs one value per sample \(4\) and no gradient, got 3 values$/);
    assert.throws(() => torch.batchNorm(x, { training: true, addend: torch.ones([4, 3, 2]) }), /^Error: batchNorm: the addend's shape \[4, 3, 2\] differs from the input's \[4, 3, 2, 2\]$/);
    assert.throws(() => torch.batchNorm(x, { training: true, relu: true, divisor: torch.ones([4]) }), /^Error: batchNorm: a drop-path node \(divisor, addend\) cannot also take a ReLU$/);
  });

  test('affineFreeKeepsOneActivationForBackward', () => {
    // 8×16×64×64 float32 = 2 MiB per activation, above the caching allocator's 1 MiB tracking floor.
    torch.manualSeed(11);
    const x = torch.randn([8, 16, 64, 64]).requiresGrad_(true);
    const act = 8 * 16 * 64 * 64 * 4;
    const keptAfter = (affine: boolean): number => {
      const before = torch.memoryStats().allocatedBytes;
      const h = x.mul(2); // an intermediate activation: freed unless the batch norm keeps it
      const y = torch.batchNorm(h, { weight: affine ? torch.ones([16]) : null, training: true });
      h.dispose();
      const kept = torch.memoryStats().allocatedBytes - before;
      y.dispose();
      return kept;
    };
    assert.equal(keptAfter(true), 2 * act); // the output and the input it keeps
    assert.equal(keptAfter(false), act); // the output, which is all its backward reads
  });

  test('float32ChannelsLastStatisticsStayAccurate', () => {
    // Measured on libtorch 1.13's own channels-last kernel at this shape: weight-gradient error
    // 1.6e-3 on values of ~300 (5e-6 relative). Ours accumulates blocks of 16 in float, then double.
    torch.manualSeed(6);
    const x64 = torch.randn([32, 36, 32, 32], f64).mul(3).add(5);
    const g64 = torch.randn([32, 36, 32, 32], f64);
    const w64 = torch.randn([36], f64);
    const run = (dtype: 'float32' | 'float64', layout: MemoryFormat): Tensor[] => {
      const x = x64.to({ dtype }).contiguous(layout).requiresGrad_(true);
      const w = w64.to({ dtype }).requiresGrad_(true);
      const y = torch.batchNorm(x, { weight: w, training: true });
      const grads = torch.autograd.grad(y, [x, w], { gradOutputs: [g64.to({ dtype }).contiguous(layout)] }) as Tensor[];
      return [y, ...grads].map((t) => t.to(f64));
    };
    const exact = run('float64', 'contiguous');
    for (const layout of layouts) {
      const [y, dx, dw] = run('float32', layout);
      const scale = exact[2]!.abs().max().item();
      assert.ok(maxAbsDiff(y!, exact[0]!) < 5e-6, `${layout}: output`);
      assert.ok(maxAbsDiff(dx!, exact[1]!) < 2e-6, `${layout}: input gradient`);
      assert.ok(maxAbsDiff(dw!, exact[2]!) / scale < 1e-6, `${layout}: weight gradient relative error ${maxAbsDiff(dw!, exact[2]!) / scale}`);
    }
  });

  test('resultsDoNotDependOnTheThreadCount', () => {
    const before = torch.getNumThreads();
    torch.manualSeed(7);
    const x = torch.randn([8, 20, 16, 16]).contiguous('channelsLast');
    const g = torch.randn([8, 20, 16, 16]).contiguous('channelsLast');
    const w = torch.randn([20]);
    const run = (threads: number): number[][] => {
      torch.setNumThreads(threads);
      const xi = x.clone().requiresGrad_(true);
      const wi = w.clone().requiresGrad_(true);
      const y = torch.batchNorm(xi, { weight: wi, training: true });
      const [dx, dw] = torch.autograd.grad(y, [xi, wi], { gradOutputs: [g] }) as Tensor[];
      // And the fused ReLU's masked backward, and the affine-free backward from the output.
      const yr = torch.batchNorm(xi, { weight: wi, training: true, relu: true });
      const [dxr, dwr] = torch.autograd.grad(yr, [xi, wi], { gradOutputs: [g] }) as Tensor[];
      const yf = torch.batchNorm(xi, { training: true });
      const [dxf] = torch.autograd.grad(yf, [xi], { gradOutputs: [g] }) as Tensor[];
      return [y, dx!, dw!, yr, dxr!, dwr!, yf, dxf!].map((t) => Array.from(t.contiguous().toArray() as Float32Array));
    };
    try {
      assert.deepEqual(run(1), run(3));
    } finally {
      torch.setNumThreads(before);
    }
  });
});
