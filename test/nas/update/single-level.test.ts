import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { supernetLoss } from '../../../src/nas/update/common.js';
import { singleLevel } from '../../../src/nas/update/single-level.js';
import * as torch from '../../../src/torch/index.js';
import type { Tensor } from '../../../src/torch/index.js';
import { recordOptimizerSteps } from './optimizer-calls.js';
import { tinyClassifierContext } from './tiny-supernet.js';

const flat = (ts: Tensor[]) => ts.flatMap((t) => Array.from(t.data() as Float64Array));

describe('Single-DARTS single-level update', () => {
  test('alphasGradientIsTheTrainingLossGradientOnTheSameBatchAndBothParameterSetsStep', () => {
    // The architecture optimizer is plain SGD at lr 1, so α moves by exactly the gradient used.
    const ctx = tinyClassifierContext();
    const calls = recordOptimizerSteps({ weights: ctx.weightOptimizer, arch: ctx.archOptimizer });
    let validDrawn = false;
    ctx.nextValidBatch = () => {
      validDrawn = true;
      return ctx.trainBatch;
    };
    const w0 = torch.noGrad(() => ctx.weights.map((p) => torch.keep(p.clone())));
    const alpha0 = flat(ctx.archParams);
    torch.tidy(() => singleLevel().step(ctx));
    assert.deepEqual(calls, ['weights', 'arch']);
    assert.equal(validDrawn, false, 'no validation batch');
    assert.notDeepEqual(flat(ctx.weights), flat(w0), 'the weights stepped');
    const grad = alpha0.map((a, i) => a - flat(ctx.archParams)[i]!);
    // Central differences of L_train on the same batch at the weights and α the step started from.
    torch.noGrad(() => {
      ctx.weights.forEach((p, i) => p.copy_(w0[i]!));
      ctx.archParams[0]!.copy_(torch.tensor(alpha0, { dtype: 'float64', shape: ctx.archParams[0]!.shape }));
    });
    const trainLoss = () => torch.noGrad(() => torch.tidy(() => supernetLoss(ctx, ctx.trainBatch, false).loss.item()));
    const h = 1e-6;
    for (let k = 0; k < alpha0.length; k++) {
      const bump = (delta: number) => torch.noGrad(() => torch.tidy(() => ctx.archParams[0]!.view(-1).narrow(0, k, 1).add_(delta)));
      bump(h);
      const up = trainLoss();
      bump(-2 * h);
      const down = trainLoss();
      bump(h);
      const fd = (up - down) / (2 * h);
      assert.ok(Math.abs(fd - grad[k]!) <= 1e-8 + 1e-5 * Math.abs(fd), `alpha ${k}: finite difference ${fd} vs step's gradient ${grad[k]}`);
    }
    assert.ok(grad.some((g) => Math.abs(g) > 1e-4), 'gradients are not all negligible');
  });
});
