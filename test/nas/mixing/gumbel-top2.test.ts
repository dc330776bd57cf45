import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { archList, createArchParams } from '../../../src/nas/arch.js';
import { composeMixing, createMixing, gdasSampler, gumbelNoise, gumbelTop2Sampler, gumbelTopTwo } from '../../../src/nas/mixing/index.js';
import { WeightedSumEdge } from '../../../src/nas/mixing/weighted-sum.js';
import { mixedEdgeOutput } from '../../../src/nas/spaces/cell-sum.js';
import { createDartsSpace } from '../../../src/nas/spaces/darts-space.js';
import { nb201Space } from '../../../src/nas/spaces/nb201-space.js';
import type { MixedEdgeModule, Mixing } from '../../../src/nas/types.js';
import { progressAt } from '../../../src/nas/types.js';
import { beginPhase, phaseWeights } from '../../../src/nas/update/common.js';
import * as torch from '../../../src/torch/index.js';
import { type ScaleOp, scaleOps } from './ops.js';

const softmax = (v: number[]) => {
  const m = Math.max(...v);
  const e = v.map((x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
};

describe('Gumbel-Top2 topology sampler', () => {
  test('drawnEdgePairsFollowSamplingWithoutReplacementFromSoftmaxBeta', () => {
    torch.manualSeed(3);
    const betaRow = [0.8, -0.3, 0.2, 1.1];
    const n = 20_000;
    const counts = torch.tidy(() => {
      const beta = torch.tensor([betaRow], { dtype: 'float64' }).expand([n, 4]).contiguous();
      const { mask } = gumbelTopTwo(beta, gumbelNoise(beta), 1, [0, 0, 0, 0]);
      const c = new Map<string, number>();
      for (const row of mask.tolist() as number[][]) {
        const pair = row.flatMap((v, i) => (v === 1 ? [i] : []));
        assert.equal(pair.length, 2, 'exactly two distinct edges per draw');
        c.set(pair.join(','), (c.get(pair.join(',')) ?? 0) + 1);
      }
      return c;
    });
    // P(i then j) = p_i·p_j/(1 − p_i); an unordered pair is the sum of both orders.
    const p = softmax(betaRow);
    let chi2 = 0;
    let total = 0;
    for (let i = 0; i < 4; i++) {
      for (let j = i + 1; j < 4; j++) {
        const expected = n * ((p[i]! * p[j]!) / (1 - p[i]!) + (p[j]! * p[i]!) / (1 - p[j]!));
        const seen = counts.get(`${i},${j}`) ?? 0;
        chi2 += (seen - expected) ** 2 / expected;
        total += seen;
      }
    }
    assert.equal(total, n);
    // 6 pairs, 5 degrees of freedom: P(χ² > 20.52) = 0.001.
    assert.ok(chi2 < 20.52, `χ² = ${chi2.toFixed(2)} for ${JSON.stringify([...counts])}`);
  });

  test('everyNodeGetsExactlyTwoOfItsIncomingEdges', () => {
    torch.manualSeed(4);
    const targets = createDartsSpace().edgeTargets;
    const mask = torch.tidy(() => {
      const beta = torch.randn([50, targets.length], { dtype: 'float64' });
      return gumbelTopTwo(beta, gumbelNoise(beta), 0.5, targets).mask.tolist() as number[][];
    });
    for (const row of mask) {
      const perNode = [0, 0, 0, 0];
      row.forEach((v, e) => {
        perNode[targets[e]!]! += v;
      });
      assert.deepEqual(perNode, [2, 2, 2, 2]);
    }
  });

  test('straightThroughWeightsAreTheHardMaskWithTheSoftmaxRelaxationsGradient', () => {
    // One node of 3 edges, loss Σ c_e·B_e. B = hard − sg(s) + s with s = softmax(z/τ),
    // z = β − logsumexp β + g: dL/dβ_j = Σ_e Σ_m c_e s_e (δ_em − s_m)(δ_mj − p_j)/τ, p = softmax(β).
    const betaRow = [0.4, -0.6, 0.9];
    const g = [0.3, 1.2, -0.5];
    const c = [1.5, -0.7, 0.4];
    const tau = 2;
    const beta = torch.tensor(betaRow, { dtype: 'float64' }).requiresGrad_(true);
    const { values, grad } = torch.tidy(() => {
      const { weights } = gumbelTopTwo(beta, torch.tensor(g, { dtype: 'float64' }), tau, [0, 0, 0]);
      const loss = weights.mul(torch.tensor(c, { dtype: 'float64' })).sum();
      const [gb] = torch.autograd.grad([loss], [beta]);
      return { values: weights.tolist() as number[], grad: gb!.tolist() as number[] };
    });
    const pb = softmax(betaRow);
    const lse = Math.log(betaRow.reduce((a, v) => a + Math.exp(v), 0));
    const z = betaRow.map((b, i) => b - lse + g[i]!);
    const top2 = [0, 1, 2].sort((a, b) => z[b]! - z[a]!).slice(0, 2);
    values.forEach((v, e) => assert.ok(Math.abs(v - (top2.includes(e) ? 1 : 0)) < 1e-15, `B_${e} = ${v}`));
    const s = softmax(z.map((v) => v / tau));
    const expected = [0, 1, 2].map((j) => {
      let total = 0;
      for (let e = 0; e < 3; e++) for (let m = 0; m < 3; m++) total += (c[e]! * s[e]! * ((e === m ? 1 : 0) - s[m]!) * ((m === j ? 1 : 0) - pb[j]!)) / tau;
      return total;
    });
    grad.forEach((v, j) => assert.ok(Math.abs(v - expected[j]!) < 1e-12, `∂L/∂β_${j}: ${v} vs ${expected[j]}`));
  });

  test('theSuccessiveRelaxationKeepsTheHardValuesAndGivesAnotherGradient', () => {
    const beta = torch.tensor([0.4, -0.6, 0.9], { dtype: 'float64' }).requiresGrad_(true);
    const g = torch.tensor([0.3, 1.2, -0.5], { dtype: 'float64' });
    const c = torch.tensor([1.5, -0.7, 0.4], { dtype: 'float64' });
    const run = (relaxation: 'softmax' | 'successive') =>
      torch.tidy(() => {
        const { weights, mask } = gumbelTopTwo(beta, g, 2, [0, 0, 0], relaxation);
        const [gb] = torch.autograd.grad([weights.mul(c).sum()], [beta]);
        return { values: weights.tolist() as number[], mask: mask.tolist() as number[], grad: gb!.tolist() as number[] };
      });
    const a = run('softmax');
    const b = run('successive');
    assert.deepEqual(b.mask, a.mask);
    b.values.forEach((v, e) => assert.ok(Math.abs(v - a.mask[e]!) < 1e-15));
    assert.ok(Math.max(...b.grad.map((v, j) => Math.abs(v - a.grad[j]!))) > 1e-3, 'a different relaxation, a different gradient');
  });

  test('anUnselectedEdgeIsNotComputedButItsBetaGetsTheNodesGradientSum', () => {
    const edge = new WeightedSumEdge(['x1', 'x2'], scaleOps, 1, 1).to('float64') as unknown as MixedEdgeModule & { ops: Iterable<unknown> };
    const edges = torch.tensor([0, 1], { dtype: 'float64' }).requiresGrad_(true);
    const x = torch.tensor([1, 2, 3, 4], { dtype: 'float64' }).reshape([1, 1, 2, 2]);
    const cs = torch.tensor([0.5, -1, 2, 0.25], { dtype: 'float64' }).reshape([1, 1, 2, 2]);
    const grad = torch.tidy(() => {
      const w = { ops: torch.tensor([[1, 0], [1, 0]], { dtype: 'float64' }), edges, active: [[0], [0]], activeEdges: [false, true] };
      const skipped = mixedEdgeOutput(edge, x, w, 0);
      assert.equal(skipped.dim(), 0, 'the skipped edge is a scalar');
      const node = skipped.add(x);
      const [g] = torch.autograd.grad([node.mul(cs).sum()], [edges]);
      return g!.tolist() as number[];
    });
    assert.deepEqual([...edge.ops].map((op) => (op as ScaleOp).calls), [0, 0]);
    assert.equal(grad[0], 0.5 - 1 + 2 + 0.25);
  });

  test('aRomeSupernetRunsTwoEdgesPerNode', () => {
    torch.manualSeed(6);
    const space = createDartsSpace({ primitives: ['darts-no-none'] });
    const base = createMixing({ mixing: 'gdas', partialChannels: 1, edgeNorm: false, tauMax: 10, tauMin: 0.1, topology: 'gumbel-top2' });
    let forwards = 0;
    const mixing: Mixing = {
      ...base,
      createEdge(primitives, makeOp, channels, stride) {
        const edge = base.createEdge(primitives, makeOp, channels, stride);
        const forward = edge.forward.bind(edge);
        edge.forward = (x, w) => {
          forwards++;
          return forward(x, w);
        };
        return edge;
      },
    };
    const net = space.createSupernet({ inChannels: 3, numClasses: 4, initChannels: 4, layers: 3 }, mixing);
    const arch = createArchParams(space, mixing);
    const ctx = { mixing, arch, space, sample: null, progress: progressAt(0, 2), archParams: archList(arch) };
    beginPhase(ctx as never, 'weights');
    torch.tidy(() => net.forward(torch.randn([2, 3, 8, 8]), phaseWeights(ctx, true)));
    assert.equal(forwards, 3 * 8, '3 cells × 4 nodes × 2 drawn edges (of 14)');
  });

  test('gumbelTop2OnASpaceWithASingleInputNodeIsAnErrorNamingTheFlag', () => {
    const mixing = composeMixing({ sampler: gdasSampler({ tauMax: 10, tauMin: 0.1 }), partialChannels: 1, edgeNorm: false, topology: gumbelTop2Sampler({ tauMax: 10, tauMin: 0.1 }) });
    assert.throws(() => mixing.createExtraArchParams(nb201Space), /^Error: --topology: 'gumbel-top2' draws two distinct inputs per node, but node 1 of the 'nb201' space has 1 incoming edge/);
    assert.throws(() => composeMixing({ sampler: gdasSampler({ tauMax: 10, tauMin: 0.1 }), partialChannels: 1, edgeNorm: true, topology: gumbelTop2Sampler({ tauMax: 10, tauMin: 0.1 }) }), /--edge-norm and --topology/);
  });
});
