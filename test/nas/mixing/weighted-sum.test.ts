// Search-time drop path (--drop-path-prob) on a supernet edge.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as nn from '../../../src/nn/index.js';
import { setDropPathProb, WeightedSumEdge } from '../../../src/nas/mixing/index.js';
import * as torch from '../../../src/torch/index.js';

describe('search-time drop path', () => {
  const edge = () => new WeightedSumEdge(['skip', 'relu'], (p) => (p === 'skip' ? new nn.Identity() : new nn.ReLU()), 1, 1);

  test('dropPathZeroesWholeSamplesOfNonIdentityOpsOnlyWhileTraining', () => {
    torch.manualSeed(5);
    torch.tidy(() => {
      const e = edge();
      setDropPathProb(e, 0.5);
      const x = torch.ones([64, 1, 2, 2]);
      const relu = { ops: torch.tensor([0, 1]), active: [1], inactiveAsScalars: false };
      const perSample = (e.forward(x, relu).reshape([64, 4]).tolist() as number[][]).map((r) => new Set(r));
      // Each sample is all 0 (dropped) or all 1/(1 − p) = 2 (kept); both happen.
      assert.ok(perSample.every((s) => s.size === 1 && (s.has(0) || s.has(2))));
      const kept = perSample.filter((s) => s.has(2)).length;
      assert.ok(kept > 10 && kept < 54, `kept ${kept} of 64`);
      // Identity is never dropped, and evaluation never drops.
      assert.deepEqual(new Set(e.forward(x, { ...relu, ops: torch.tensor([1, 0]), active: [0] }).flatten().tolist() as number[]), new Set([1]));
      e.eval();
      assert.deepEqual(new Set(e.forward(x, relu).flatten().tolist() as number[]), new Set([1]));
    });
  });
});
