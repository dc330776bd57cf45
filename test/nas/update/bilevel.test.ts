import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { firstOrderArchStep, unrolledHypergradient } from '../../../src/nas/update/bilevel.js';
import { supernetLoss } from '../../../src/nas/update/common.js';
import * as torch from '../../../src/torch/index.js';
import type { Tensor } from '../../../src/torch/index.js';
import { tinyContext, validLoss } from './tiny-supernet.js';

const flat = (ts: Tensor[]) => ts.flatMap((t) => Array.from(t.data() as Float64Array));

function dot(a: number[], b: number[]): number {
  return a.reduce((s, v, i) => s + v * b[i]!, 0);
}

describe('DARTS bi-level update', () => {
  test('firstOrderArchGradientMatchesFiniteDifferenceOfValidationLoss', () => {
    const ctx = tinyContext({ archLr: 1 });
    const before = flat(ctx.archParams);
    // With plain SGD at lr 1 the step subtracts exactly the gradient the update computed.
    firstOrderArchStep(ctx, ctx.nextValidBatch());
    const after = flat(ctx.archParams);
    const grad = before.map((b, i) => b - after[i]!);
    torch.noGrad(() => ctx.archParams.forEach((p, i) => p.copy_(torch.tensor(before.slice(i * 112, (i + 1) * 112), { dtype: 'float64', shape: p.shape }))));
    const h = 1e-6;
    const coords = [0, 5, 17, 33, 60, 100, 111, 112, 130, 200, 223];
    for (const k of coords) {
      const [param, idx] = [ctx.archParams[Math.floor(k / 112)]!, k % 112];
      const bump = (delta: number) => torch.noGrad(() => torch.tidy(() => param.view(-1).narrow(0, idx, 1).add_(delta)));
      bump(h);
      const up = validLoss(ctx);
      bump(-2 * h);
      const down = validLoss(ctx);
      bump(h);
      const fd = (up - down) / (2 * h);
      assert.ok(Math.abs(fd - grad[k]!) <= 1e-7 + 1e-5 * Math.abs(fd), `alpha ${k}: finite difference ${fd} vs update's gradient ${grad[k]}`);
    }
    assert.ok(grad.some((g) => Math.abs(g) > 1e-4), 'gradients are not all negligible');
  });

  test('secondOrderHypergradientMatchesTheExactUnrolledHypergradient', () => {
    const ctx = tinyContext();
    // ReLU and max-pool kinks make this tiny network's loss only piecewise smooth: at the paper's
    // radius (r = 0.01) the finite difference straddles kinks, so the agreement is checked at a
    // radius inside one smooth piece, where its O(ε²) truncation error is negligible.
    const fdGrads = unrolledHypergradient(ctx, ctx.nextValidBatch(), { hessian: 'finite-difference', r: 1e-6 });
    const exactGrads = unrolledHypergradient(ctx, ctx.nextValidBatch(), { hessian: 'exact' });
    const g = flat(fdGrads.grads);
    const gExact = flat(exactGrads.grads);

    // The true objective: F(α) = L_val(w − ξ(μm + ∇w L_train(w, α) + λw), α), differentiated along
    // random directions by central differences on the whole unroll.
    const saved = torch.noGrad(() => ctx.weights.map((p) => torch.keep(p.clone())));
    const unrolledLoss = (): number => {
      const v = torch.tidy(() => {
        const { loss } = supernetLoss(ctx, ctx.trainBatch, false);
        const gW = torch.autograd.grad([loss], ctx.weights, { allowUnused: true });
        torch.noGrad(() =>
          ctx.weights.forEach((p, i) => {
            const m = (ctx.weightOptimizer.state.get(p) as { momentum_buffer?: Tensor } | undefined)?.momentum_buffer;
            const step = p.mul(ctx.weightDecay).add(gW[i] ?? torch.zerosLike(p));
            if (m) step.add_(m, { alpha: ctx.momentum });
            p.sub_(step, { alpha: ctx.lr });
          }),
        );
        return validLoss(ctx);
      });
      torch.noGrad(() => ctx.weights.forEach((p, i) => p.copy_(saved[i]!)));
      return v;
    };
    const alpha0 = ctx.archParams.map((p) => torch.keep(p.detach().clone()));
    const h = 1e-7; // small enough to stay inside one smooth piece of the (ReLU-kinked) objective
    for (let trial = 0; trial < 3; trial++) {
      const dirs = ctx.archParams.map((p) => torch.keep(torch.randnLike(p)));
      const setAlpha = (t: number) => torch.noGrad(() => ctx.archParams.forEach((p, i) => p.copy_(alpha0[i]!).add_(dirs[i]!, { alpha: t })));
      setAlpha(h);
      const up = unrolledLoss();
      setAlpha(-h);
      const down = unrolledLoss();
      setAlpha(0);
      const directional = (up - down) / (2 * h);
      const d = flat(dirs);
      // Exact second derivative: agrees with the true unroll to finite-difference precision.
      assert.ok(Math.abs(dot(gExact, d) - directional) <= 1e-6 * (1 + Math.abs(directional)), `exact: ${dot(gExact, d)} vs unroll ${directional}`);
      // The finite-difference Hessian-vector product agrees with the true unroll too.
      assert.ok(Math.abs(dot(g, d) - directional) <= 1e-6 * (1 + Math.abs(directional)), `finite difference: ${dot(g, d)} vs unroll ${directional}`);
    }
    // Elementwise, the two second-order estimates agree to the finite difference's precision.
    const scale = Math.max(...gExact.map(Math.abs));
    g.forEach((v, i) => assert.ok(Math.abs(v - gExact[i]!) <= 1e-7 * scale, `alpha ${i}: ${v} vs ${gExact[i]}`));
    // Both differ from the first-order gradient (the second-order term matters here).
    const first = flat(torch.autograd.grad([supernetLoss(ctx, ctx.nextValidBatch(), true).loss], ctx.archParams) as Tensor[]);
    const diff = Math.sqrt(gExact.reduce((s, v, i) => s + (v - first[i]!) ** 2, 0));
    assert.ok(diff > 1e-6, `second-order term is ${diff}`);
  });

  test('secondOrderHypergradientLeavesTheWeightsUnchanged', () => {
    const ctx = tinyContext();
    const before = flat(ctx.weights);
    unrolledHypergradient(ctx, ctx.nextValidBatch());
    assert.deepEqual(flat(ctx.weights), before);
  });
});
