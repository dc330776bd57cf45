import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { maxWWeights } from '../../src/nas/max-w.js';
import * as torch from '../../src/torch/index.js';

const close = (a: number[], b: number[]) => a.every((v, i) => Math.abs(v - b[i]!) < 1e-6);

describe('Max-W weighting (sharpDARTS)', () => {
  test('strongestOpGetsOneAndOthersOneMinusTheirGap', () => {
    torch.tidy(() => {
      const w = torch.tensor([[0.2, 0.5, 0.3], [0.6, 0.1, 0.3]]);
      const out = maxWWeights(w).tolist() as number[][];
      assert.ok(close(out[0]!, [0.7, 1, 0.8]) && close(out[1]!, [1, 0.5, 0.7]), JSON.stringify(out));
      // Over the whole tensor, as the hypercuboid takes the max of a layer's grid.
      assert.ok(close((maxWWeights(w, { dim: null }).tolist() as number[][]).flat(), [0.6, 0.9, 0.7, 1, 0.5, 0.7]));
    });
  });

  test('gradientFlowsThroughTheMaxUnlessDetached', () => {
    torch.tidy(() => {
      const c = torch.tensor([1, 2, 3]);
      const gradOf = (detachMax: boolean) => {
        const w = torch.tensor([0.2, 0.5, 0.3], { requiresGrad: true });
        const [g] = torch.autograd.grad([maxWWeights(w, { detachMax }).mul(c).sum()], [w]);
        return g!.tolist() as number[];
      };
      // d/dw_j Σ c_i (1 − max w + w_i) = c_j − Σ c · [j = argmax]; detached: c_j.
      assert.ok(close(gradOf(false), [1, 2 - 6, 3]), JSON.stringify(gradOf(false)));
      assert.ok(close(gradOf(true), [1, 2, 3]), JSON.stringify(gradOf(true)));
    });
  });
});
