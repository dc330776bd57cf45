import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lossAndGradients } from '../../../src/nas/update/common.js';
import * as torch from '../../../src/torch/index.js';
import type { Tensor } from '../../../src/torch/index.js';
import { tinyContext } from './tiny-supernet.js';

const flat = (ts: (Tensor | null)[]) => ts.flatMap((t) => (t ? Array.from(t.data() as Float64Array) : []));

function buffers(ctx: ReturnType<typeof tinyContext>): number[] {
  return ctx.net.buffers().flatMap((b) => (b.dtype === 'float64' ? Array.from(b.data() as Float64Array) : [Number((b.data() as BigInt64Array)[0])]));
}

describe('cell checkpointing', () => {
  test('checkpointedGradientsEqualStoredActivationGradients', () => {
    for (const cells of [1, 2, 3]) {
      const ctx = tinyContext();
      const statsBefore = buffers(ctx);
      const plain = torch.tidy(() => {
        const r = lossAndGradients(ctx, ctx.trainBatch, { arch: true, weights: true }, 'training');
        return { loss: r.loss, arch: flat(r.archGrads), weights: flat(r.weightGrads), stats: buffers(ctx) };
      });
      // Put the BN statistics back so both passes start from the same state.
      const fresh = tinyContext();
      const again = torch.tidy(() => {
        const r = lossAndGradients({ ...fresh, checkpointCells: cells }, fresh.trainBatch, { arch: true, weights: true }, 'training');
        return { loss: r.loss, arch: flat(r.archGrads), weights: flat(r.weightGrads), stats: buffers(fresh) };
      });
      assert.ok(Math.abs(plain.loss - again.loss) < 1e-12, `loss ${plain.loss} vs ${again.loss}`);
      assert.equal(again.arch.length, plain.arch.length);
      assert.equal(again.weights.length, plain.weights.length);
      plain.arch.forEach((g, i) => assert.ok(Math.abs(g - again.arch[i]!) < 1e-10, `cells ${cells}, alpha ${i}: ${g} vs ${again.arch[i]}`));
      plain.weights.forEach((g, i) => assert.ok(Math.abs(g - again.weights[i]!) < 1e-10, `cells ${cells}, weight element ${i}: ${g} vs ${again.weights[i]}`));
      // BN running statistics advance exactly once, as without checkpointing.
      assert.equal(again.stats.length, plain.stats.length);
      plain.stats.forEach((v, i) => assert.ok(Math.abs(v - again.stats[i]!) < 1e-12, `buffer element ${i}`));
      assert.notDeepEqual(plain.stats, statsBefore);
    }
  });
});
