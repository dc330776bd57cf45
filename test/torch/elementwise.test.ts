import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { assertClose, values } from './helpers.js';

const a = () => torch.tensor([[1, -2], [3, -4]], { dtype: 'float64' });

describe('elementwise ops', () => {
  test('arithmeticWithTensorsScalarsBroadcastingAndAlpha', () => {
    const x = a();
    const row = torch.tensor([10, 20], { dtype: 'float64' });
    assertClose(x.add(row), [11, 18, 13, 16]);
    assertClose(x.add(2.5), [3.5, 0.5, 5.5, -1.5]);
    assertClose(x.add(row, { alpha: 2 }), [21, 38, 23, 36]);
    assertClose(x.add(1, { alpha: 3 }), [4, 1, 6, -1]);
    assertClose(x.sub(1), [0, -3, 2, -5]);
    assertClose(x.sub(row, { alpha: 0.5 }), [-4, -12, -2, -14]);
    assertClose(x.mul(row.view([1, 2])), [10, -40, 30, -80]);
    assertClose(x.mul(-0.5), [-0.5, 1, -1.5, 2]);
    assertClose(x.div(2), [0.5, -1, 1.5, -2]);
    assertClose(x.div(torch.tensor([[2], [4]], { dtype: 'float64' })), [0.5, -1, 0.75, -1]);
    assertClose(x.rsub(1), [0, 3, -2, 5]);
    assertClose(torch.tensor([[1], [2]]).add(torch.tensor([10, 20, 30])), [11, 21, 31, 12, 22, 32], 0, [2, 3]);
    // Function forms are the same ops.
    assertClose(torch.add(x, row, { alpha: -1 }), [-9, -22, -7, -24]);
    assertClose(torch.sub(x, 1), [0, -3, 2, -5]);
    assertClose(torch.mul(x, x), [1, 4, 9, 16]);
    assertClose(torch.div(x, x), [1, 1, 1, 1]);
    // Integer tensors with integer scalars stay integral; true division promotes to float.
    const i = torch.tensor([7, -7], { dtype: 'int64' });
    assert.equal(i.add(1).dtype, 'int64');
    assert.deepEqual(i.mul(2).tolist(), [14, -14]);
    assert.equal(i.div(2).dtype, 'float32');
    assertClose(i.div(2), [3.5, -3.5]);
  });

  test('unaryFunctions', () => {
    const x = a();
    assertClose(x.neg(), [-1, 2, -3, 4]);
    assertClose(torch.neg(x), [-1, 2, -3, 4]);
    assertClose(x.abs(), [1, 2, 3, 4]);
    assertClose(x.sign(), [1, -1, 1, -1]);
    assertClose(torch.tensor([0]).sign(), [0]);
    assertClose(x.relu(), [1, 0, 3, 0]);
    assertClose(torch.tensor([0, 1], { dtype: 'float64' }).exp(), [1, Math.E], 1e-15);
    assertClose(torch.tensor([1, Math.E], { dtype: 'float64' }).log(), [0, 1], 1e-15);
    assert.equal(torch.tensor([0]).log().item(), Number.NEGATIVE_INFINITY);
    assertClose(torch.tensor([4, 9, 2]).sqrt(), [2, 3, Math.SQRT2]);
    assert.ok(Number.isNaN(torch.tensor([-1]).sqrt().item()));
    assertClose(torch.tensor([4, 16]).rsqrt(), [0.5, 0.25]);
    assertClose(torch.tensor([0, 2, -2], { dtype: 'float64' }).sigmoid(), [0.5, 1 / (1 + Math.exp(-2)), 1 / (1 + Math.exp(2))], 1e-15);
    assertClose(torch.tensor([0.5, -3], { dtype: 'float64' }).tanh(), [Math.tanh(0.5), Math.tanh(-3)], 1e-15);
    assertClose(torch.tensor([3], { dtype: 'float64' }).square(), [9]);
  });

  test('powClampMaximumMinimum', () => {
    const x = a();
    assertClose(x.pow(2), [1, 4, 9, 16]);
    assertClose(x.pow(3), [1, -8, 27, -64]);
    assertClose(torch.tensor([4, 9]).pow(0.5), [2, 3]);
    assertClose(torch.tensor([4, 9]).pow(torch.tensor([0.5, 2])), [2, 81]);
    assertClose(torch.pow(torch.tensor([2, 3]), torch.tensor([[1], [2]])), [2, 3, 4, 9], 0, [2, 2]);
    assertClose(x.clamp(-3, 2), [1, -2, 2, -3]);
    assertClose(x.clamp(0), [1, 0, 3, 0]);
    assertClose(x.clamp(null, 0), [0, -2, 0, -4]);
    assertClose(torch.clamp(x, -1, 1), [1, -1, 1, -1]);
    assertClose(x.maximum(torch.zeros([2, 2], { dtype: 'float64' })), [1, 0, 3, 0]);
    assertClose(x.maximum(torch.tensor([0, -3], { dtype: 'float64' })), [1, -2, 3, -3]); // broadcast over rows
    assertClose(x.minimum(0), [0, -2, 0, -4]);
    assertClose(torch.minimum(x, torch.tensor([[2], [-5]], { dtype: 'float64' })), [1, -2, -5, -5]);
    assertClose(torch.maximum(x, -1), [1, -1, 3, -1]);
  });

  test('softmaxAndLogSoftmaxAlongADim', () => {
    const x = torch.tensor([[1, 2, 3], [0, 0, 0]], { dtype: 'float64' });
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const s = e.reduce((p, v) => p + v, 0);
    assertClose(x.softmax(1), [...e.map((v) => v / s), 1 / 3, 1 / 3, 1 / 3], 1e-12);
    assertClose(torch.softmax(x, -1), [...e.map((v) => v / s), 1 / 3, 1 / 3, 1 / 3], 1e-12);
    assertClose(x.logSoftmax(1), [...e.map((v) => Math.log(v / s)), -Math.log(3), -Math.log(3), -Math.log(3)], 1e-12);
    assertClose(torch.logSoftmax(x, 1).exp(), values(x.softmax(1)), 1e-12);
    assertClose(x.softmax(0).sum(0), [1, 1, 1], 1e-12);
    // Large logits do not overflow.
    assertClose(torch.tensor([1000, 1000], { dtype: 'float64' }).softmax(0), [0.5, 0.5], 1e-12);
    assertClose(torch.tensor([1000, 0], { dtype: 'float64' }).logSoftmax(0), [0, -1000], 1e-12);
  });

  test('comparisonsWhereAndNonFiniteChecks', () => {
    const x = torch.tensor([1, 2, 3]);
    assert.deepEqual(values(x.eq(2)), [0, 1, 0]);
    assert.deepEqual(values(x.ne(2)), [1, 0, 1]);
    assert.deepEqual(values(x.lt(2)), [1, 0, 0]);
    assert.deepEqual(values(x.le(2)), [1, 1, 0]);
    assert.deepEqual(values(x.gt(torch.tensor([0, 5, 3]))), [1, 0, 0]);
    assert.deepEqual(values(x.ge(2)), [0, 1, 1]);
    assert.deepEqual(values(torch.eq(x, torch.tensor([1, 0, 3]))), [1, 0, 1]);
    assert.equal(x.eq(2).dtype, 'bool');
    assert.deepEqual(values(x.gt(1).logicalAnd(x.lt(3))), [0, 1, 0]);
    assert.deepEqual(values(x.gt(2).logicalOr(x.lt(2))), [1, 0, 1]);
    assert.deepEqual(values(x.gt(2).logicalNot()), [1, 1, 0]);
    assertClose(torch.where(x.gt(1), x, torch.zerosLike(x)), [0, 2, 3]);
    assertClose(torch.where(x.gt(1), 5, -5), [-5, 5, 5]);
    assertClose(torch.where(x.gt(1), x, -1), [-1, 2, 3]);
    assertClose(x.where(x.lt(3), torch.tensor([[10], [20]])), [1, 2, 10, 1, 2, 20], 0, [2, 3]);
    const y = torch.tensor([1, Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
    assert.deepEqual(values(y.isfinite()), [1, 0, 0, 0]);
    assert.deepEqual(values(torch.isnan(y)), [0, 1, 0, 0]);
    assert.deepEqual(values(torch.isfinite(y)), [1, 0, 0, 0]);
  });
});
