import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { dominantEigenvalue, withHessianVectorProduct } from '../../../src/nas/diagnostics/hessian-eigen.js';
import { supernetLoss } from '../../../src/nas/update/common.js';
import * as torch from '../../../src/torch/index.js';
import type { Tensor } from '../../../src/torch/index.js';
import { symmetricEigenvalues } from './symmetric-eigen.js';
import { tinyNb201 } from './tiny-nb201.js';

const f64 = { dtype: 'float64' as const };
const flat = (ts: readonly Tensor[]) => ts.flatMap((t) => Array.from(t.data() as Float64Array));

/** A symmetric 3×3 matrix with eigenvalues `lambdas`, rotated so that no axis is an eigenvector. */
function rotatedDiagonal(lambdas: [number, number, number]): number[][] {
  // Q: an orthonormal basis (columns) built from a Householder reflection I − 2uuᵀ, u = (1, 2, 2)/3.
  const u = [1 / 3, 2 / 3, 2 / 3];
  const q = u.map((ui, i) => u.map((uj, j) => (i === j ? 1 : 0) - 2 * ui * uj));
  return q.map((_, i) => q.map((__, j) => lambdas.reduce((s, l, k) => s + q[i]![k]! * l * q[j]![k]!, 0)));
}

/** The map v ↦ A v over parameters shaped [2] and [1, 1] (the 3 coordinates split across two tensors). */
function matrixOperator(a: number[][]): (v: readonly Tensor[]) => Tensor[] {
  return (v) => {
    const x = flat(v);
    const y = a.map((row) => row.reduce((s, aij, j) => s + aij * x[j]!, 0));
    return [torch.tensor(y.slice(0, 2), f64), torch.tensor([y[2]!], { ...f64, shape: [1, 1] })];
  };
}
const like = () => [torch.zeros([2], f64), torch.zeros([1, 1], f64)];

describe('dominant Hessian eigenvalue', () => {
  test('powerIterationFindsTheLargestEigenvalueOfAHandMadeQuadratic', () => {
    const r = dominantEigenvalue(matrixOperator(rotatedDiagonal([5, 2, 1])), like(), { iterations: 200, tolerance: 1e-12, seed: 3 });
    assert.ok(Math.abs(r.value - 5) < 1e-9, `got ${r.value}`);
    assert.equal(r.converged, true);
  });

  test('returnsTheLargestEigenvalueWhenANegativeOneDominatesInMagnitude', () => {
    // RobustDARTS tracks max(eigvals(H)), not the eigenvalue of largest magnitude.
    const r = dominantEigenvalue(matrixOperator(rotatedDiagonal([3, -7, 1])), like(), { iterations: 500, tolerance: 1e-13, seed: 1 });
    assert.ok(Math.abs(r.value - 3) < 1e-6, `got ${r.value}`);
  });

  test('stopsAtTheIterationBudgetAndSaysItDidNotConverge', () => {
    const r = dominantEigenvalue(matrixOperator(rotatedDiagonal([5, 4.9, 1])), like(), { iterations: 3, tolerance: 0, seed: 0 });
    assert.equal(r.products, 3);
    assert.equal(r.converged, false);
  });

  test('theSameSeedGivesTheSameEstimateAndLeavesTorchsRandomStreamAlone', () => {
    const op = matrixOperator(rotatedDiagonal([5, 4.5, 1]));
    torch.manualSeed(11);
    const a = dominantEigenvalue(op, like(), { iterations: 4, seed: 9 });
    const next = torch.rand([1]).item();
    torch.manualSeed(11);
    const b = dominantEigenvalue(op, like(), { iterations: 4, seed: 9 });
    assert.equal(a.value, b.value);
    assert.equal(torch.rand([1]).item(), next);
  });

  test('rejectsAnIterationCountThatIsNotAPositiveInteger', () => {
    assert.throws(() => dominantEigenvalue(matrixOperator(rotatedDiagonal([1, 1, 1])), like(), { iterations: 0 }), /iterations must be a positive integer, got 0/);
  });

  test('doubleBackwardProductOfAQuadraticLossIsTheMatrixTimesTheVector', () => {
    // L(x) = ½ xᵀ A x over x = [x0 (2 values), x1 (1 value)], so H = A.
    const a = rotatedDiagonal([4, -1, 0.5]);
    const x = [torch.tensor([0.3, -0.2], f64).requiresGrad_(true), torch.tensor([0.7], f64).requiresGrad_(true)];
    const am = torch.tensor(a, f64);
    const loss = () => {
      const v = torch.cat([x[0]!, x[1]!]);
      return v.matmul(am).matmul(v).mul(0.5);
    };
    const v = [torch.tensor([1, 2], f64), torch.tensor([-1], f64)];
    const got = withHessianVectorProduct(loss, x, [null, null], (hvp) => flat(hvp(v)));
    const want = a.map((row) => row[0]! * 1 + row[1]! * 2 + row[2]! * -1);
    got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) < 1e-12, `component ${i}: ${g} vs ${want[i]}`));
  });

  test('powerIterationOnASupernetMatchesTheLargestEigenvalueOfItsExplicitHessian', () => {
    const { ctx, batches } = tinyNb201();
    const loss = (b: { x: Tensor; y: Tensor }) => supernetLoss({ ...ctx, sample: null }, b, true).loss;
    // The explicit Hessian of the mean loss, one row per architecture parameter by double backward.
    const rows = torch.tidy(() => {
      const mean = torch.autograd.forSecondOrder(() => loss(batches[0]!).add(loss(batches[1]!)).div(2));
      const g = torch.autograd.grad([mean], ctx.archParams, { createGraph: true });
      const gFlat = torch.cat(g.map((t) => t!.reshape([-1])));
      const n = gFlat.shape[0]!;
      const out: number[][] = [];
      for (let k = 0; k < n; k++) {
        out.push(torch.tidy(() => flat(torch.autograd.grad([gFlat.select(0, k)], ctx.archParams, { retainGraph: true }).map((t) => t!))));
      }
      return out;
    });
    const n = rows.length;
    let asymmetry = 0;
    for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) asymmetry = Math.max(asymmetry, Math.abs(rows[i]![j]! - rows[j]![i]!));
    assert.ok(asymmetry < 1e-10, `explicit Hessian is symmetric (max |Hij − Hji| = ${asymmetry})`);
    const eig = symmetricEigenvalues(rows);
    const lambdaMax = eig[0]!;
    const r = withHessianVectorProduct(loss, ctx.archParams, batches, (hvp) => dominantEigenvalue(hvp, ctx.archParams, { iterations: 500, tolerance: 1e-9, seed: 0 }));
    assert.ok(lambdaMax > 0, `largest eigenvalue ${lambdaMax} is positive`);
    assert.ok(Math.abs(r.value - lambdaMax) <= 1e-5 * Math.abs(lambdaMax), `power iteration ${r.value} vs explicit ${lambdaMax} (next ${eig[1]}), ${r.products} products`);
  });
});
