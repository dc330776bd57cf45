// The max-w sampler (sharpDARTS' --weighting_algorithm max_w).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createMixing } from '../../../src/nas/mixing/index.js';
import { progressAt } from '../../../src/nas/types.js';
import * as torch from '../../../src/torch/index.js';

const settings = { mixing: 'max-w', partialChannels: 1, edgeNorm: false, tauMax: 10, tauMin: 0.1 };
const space = { name: 't', primitives: ['none', 'a', 'b'], cellTypes: ['cell'], edgesPerCell: 2, edgeTargets: [0, 0], topology: 'nb201-cell', steps: 1 } as const;

describe('max-w mixing', () => {
  test('weightsAreOneMinusMaxPlusSoftmaxAndNoneIsNotComputed', () => {
    torch.tidy(() => {
      const alpha = torch.tensor([[0, Math.log(2), Math.log(5)], [0, 0, 0]], { requiresGrad: true });
      const w = createMixing(settings).cellWeights({ alphas_cell: alpha }, space, null, progressAt(0, 1)).cell!;
      // softmax row 0 = [1, 2, 5] / 8 → 1 − 5/8 + w; row 1 uniform → all ones.
      const rows = w.ops.tolist() as number[][];
      [3 / 8 + 1 / 8, 3 / 8 + 2 / 8, 1].forEach((v, i) => assert.ok(Math.abs(rows[0]![i]! - v) < 1e-6, `row 0 col ${i}: ${rows[0]![i]}`));
      rows[1]!.forEach((v) => assert.ok(Math.abs(v - 1) < 1e-6));
      assert.deepEqual(w.active, [[1, 2], [1, 2]]);
    });
  });

  test('maxWDetachStopsTheGradientThroughTheMax', () => {
    torch.tidy(() => {
      const grad = (maxWDetach: boolean) => {
        const alpha = torch.tensor([[0, Math.log(2), Math.log(5)]], { requiresGrad: true });
        const s = { ...space, edgesPerCell: 1, edgeTargets: [0] };
        const w = createMixing({ ...settings, maxWDetach }).cellWeights({ alphas_cell: alpha }, s, null, progressAt(0, 1)).cell!;
        // Σ_i c_i w'_i with c = (0, 1, 1): d/dα differs by the max's term, which detaching removes.
        const [g] = torch.autograd.grad([w.ops.mul(torch.tensor([[0, 1, 1]])).sum()], [alpha]);
        return g!.tolist() as number[][];
      };
      const p = [1 / 8, 2 / 8, 5 / 8];
      // detached: d/dα_j Σ_{i∈{1,2}} p_i = p_j(δ_{j∈{1,2}} − (p_1 + p_2)).
      const detached = p.map((pj, j) => pj * ((j > 0 ? 1 : 0) - 7 / 8));
      // undetached adds −2·d p_2/dα_j = −2 p_2(δ_{j2} − p_j).
      const flowing = detached.map((v, j) => v - 2 * p[2]! * ((j === 2 ? 1 : 0) - p[j]!));
      grad(true)[0]!.forEach((v, j) => assert.ok(Math.abs(v - detached[j]!) < 1e-6, `detached ${j}: ${v} vs ${detached[j]}`));
      grad(false)[0]!.forEach((v, j) => assert.ok(Math.abs(v - flowing[j]!) < 1e-6, `flowing ${j}: ${v} vs ${flowing[j]}`));
    });
  });
});
