import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { gdasSampler, gdasTau } from '../../../src/nas/mixing/gdas.js';
import { WeightedSumEdge } from '../../../src/nas/mixing/weighted-sum.js';
import { progressAt } from '../../../src/nas/types.js';
import * as torch from '../../../src/torch/index.js';
import { type ScaleOp, scaleOps } from './ops.js';

const softmax = (v: number[]) => {
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};

describe('GDAS sampler', () => {
  test('sampledIndexFrequenciesFollowSoftmaxAlpha', () => {
    // Gumbel-max: argmax(log softmax(α) + g) is a draw from softmax(α), whatever τ.
    torch.manualSeed(11);
    const alphaRow = [0.9, -0.4, 0.1, 1.6, -1.2];
    const n = 20_000;
    const sampler = gdasSampler({ tauMax: 10, tauMin: 0.1 });
    const counts = torch.tidy(() => {
      const alpha = torch.tensor([alphaRow], { dtype: 'float64' }).expand([n, 5]).contiguous();
      const progress = progressAt(3, 10);
      const g = sampler.draw(alpha, progress);
      const { active } = sampler.opWeights(alpha, g, progress, ['a', 'b', 'c', 'd', 'e']);
      const c = [0, 0, 0, 0, 0];
      for (const [i] of active) c[i!]!++;
      return c;
    });
    const p = softmax(alphaRow);
    const chi2 = counts.reduce((s, c, k) => s + (c - n * p[k]!) ** 2 / (n * p[k]!), 0);
    // 4 degrees of freedom: P(χ² > 18.47) = 0.001.
    assert.ok(chi2 < 18.47, `χ² = ${chi2.toFixed(2)} for counts ${counts} against ${p.map((x) => (n * x).toFixed(0))}`);
    assert.equal(counts.reduce((a, b) => a + b, 0), n);
  });

  test('straightThroughGradientEqualsTheAnalyticOne', () => {
    // Edge of 3 ops (×1, ×2, ×3) on a 1×1×2×2 input, loss Σ c·out. Only the chosen op runs; the
    // others add h_k (value 0) as scalars. dL/dh_k = Σ c·op_k(x) for the chosen k, Σ c otherwise;
    // h = one_hot − sg(p) + p, p = softmax((α − logsumexp α + g)/τ):
    // dL/dα_j = Σ_k Σ_m G_k p_k (δ_km − p_m)(δ_mj − s_j)/τ with s = softmax(α).
    const alphaRow = [0.3, -0.2, 0.5];
    const gumbel = [0.7, 1.9, -0.3];
    const tau = 2.5;
    const xs = [1, -2, 3, 0.5];
    const cs = [0.2, -1, 0.7, 2];
    const sampler = gdasSampler({ tauMax: tau, tauMin: tau, drawGumbel: () => torch.tensor([gumbel], { dtype: 'float64' }) });
    const edge = new WeightedSumEdge(['x1', 'x2', 'x3'], scaleOps, 1, 1).to('float64');
    const alpha = torch.tensor([alphaRow], { dtype: 'float64' }).requiresGrad_(true);
    const progress = progressAt(0, 1);
    const { grad, out, chosen } = torch.tidy(() => {
      const g = sampler.draw(alpha, progress);
      const w = sampler.opWeights(alpha, g, progress, ['x1', 'x2', 'x3']);
      const o = edge.forward(torch.tensor(xs, { dtype: 'float64' }).reshape([1, 1, 2, 2]), { ops: w.ops.select(0, 0), active: w.active[0]!, inactiveAsScalars: true });
      const loss = o.mul(torch.tensor(cs, { dtype: 'float64' }).reshape([1, 1, 2, 2])).sum();
      const [ga] = torch.autograd.grad([loss], [alpha]);
      return { grad: torch.keep(ga!), out: torch.keep(o.detach()), chosen: w.active[0]![0]! };
    });
    const s = softmax(alphaRow);
    const lse = Math.log(alphaRow.reduce((a, v) => a + Math.exp(v), 0));
    const p = softmax(alphaRow.map((a, k) => (a - lse + gumbel[k]!) / tau));
    const expectedChoice = p.indexOf(Math.max(...p));
    assert.equal(chosen, expectedChoice);
    const sumC = cs.reduce((a, b) => a + b, 0);
    const G = [0, 1, 2].map((k) => (k === chosen ? (k + 1) * xs.reduce((a, x, i) => a + x * cs[i]!, 0) : sumC));
    const expected = [0, 1, 2].map((j) => {
      let total = 0;
      for (let k = 0; k < 3; k++) for (let m = 0; m < 3; m++) total += (G[k]! * p[k]! * ((k === m ? 1 : 0) - p[m]!) * ((m === j ? 1 : 0) - s[j]!)) / tau;
      return total;
    });
    const got = grad.reshape([3]).tolist() as number[];
    got.forEach((v, j) => assert.ok(Math.abs(v - expected[j]!) < 1e-12, `∂L/∂α_${j}: ${v} vs ${expected[j]}`));
    // In value the edge is exactly the chosen op (weight 1 − p + p, others 0).
    const o = out.reshape([4]).tolist() as number[];
    o.forEach((v, i) => assert.ok(Math.abs(v - (chosen + 1) * xs[i]!) < 1e-12));
    // Only the chosen op ran.
    const calls = [...edge.ops].map((op) => (op as ScaleOp).calls);
    assert.deepEqual(calls, [0, 1, 2].map((k) => (k === chosen ? 1 : 0)));
  });

  test('tauFallsLinearlyFromTauMaxToTauMin', () => {
    const o = { tauMax: 10, tauMin: 0.1 };
    const taus = [0, 1, 2, 3, 4].map((epoch) => gdasTau(o, { epoch, epochs: 5 }));
    [10, 7.525, 5.05, 2.575, 0.1].forEach((t, i) => assert.ok(Math.abs(taus[i]! - t) < 1e-12, `epoch ${i}: τ ${taus[i]} vs ${t}`));
    assert.equal(gdasTau(o, { epoch: 0, epochs: 1 }), 10);
    assert.deepEqual(gdasSampler(o).scheduleValues(progressAt(2, 5)), { tau: 5.05 });
  });

  test('nonPositiveTemperatureIsAnErrorNamingTheFlag', () => {
    assert.throws(() => gdasSampler({ tauMax: 0, tauMin: 0.1 }), /--tau-max\/--tau-min: the Gumbel temperature must be > 0/);
  });

  test('nonFiniteNoiseIsDrawnAgain', () => {
    let calls = 0;
    const sampler = gdasSampler({
      tauMax: 1,
      tauMin: 1,
      drawGumbel: (a) => (++calls === 1 ? torch.fullLike(a, Number.POSITIVE_INFINITY) : torch.zerosLike(a)),
    });
    const g = sampler.draw(torch.zeros([2, 3]), progressAt(0, 1));
    assert.equal(calls, 2);
    assert.deepEqual(g!.tolist(), [[0, 0, 0], [0, 0, 0]]);
  });
});
