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
    assertClose(x.add(row, { alpha: 2 }), [21, 38, 23, 36]);
    assertClose(x.sub(1), [0, -3, 2, -5]);
    assertClose(x.sub(row, { alpha: 0.5 }), [-4, -12, -2, -14]);
    assertClose(x.mul(row.view([1, 2])), [10, -40, 30, -80]);
    assertClose(x.div(2), [0.5, -1, 1.5, -2]);
    assertClose(x.rsub(1), [0, 3, -2, 5]);
    assertClose(x.pow(2), [1, 4, 9, 16]);
    assertClose(torch.tensor([4, 9]).pow(torch.tensor([0.5, 2])), [2, 81]);
    assertClose(torch.tensor([[1], [2]]).add(torch.tensor([10, 20, 30])), [11, 21, 31, 12, 22, 32], 0, [2, 3]);
  });

  test('unaryFunctions', () => {
    const x = a();
    assertClose(x.neg(), [-1, 2, -3, 4]);
    assertClose(x.abs(), [1, 2, 3, 4]);
    assertClose(x.sign(), [1, -1, 1, -1]);
    assertClose(x.relu(), [1, 0, 3, 0]);
    assertClose(x.clamp(-3, 2), [1, -2, 2, -3]);
    assertClose(x.clamp(0), [1, 0, 3, 0]);
    assertClose(torch.tensor([0, 1], { dtype: 'float64' }).exp(), [1, Math.E]);
    assertClose(torch.tensor([1, Math.E], { dtype: 'float64' }).log(), [0, 1]);
    assertClose(torch.tensor([4, 9]).sqrt(), [2, 3]);
    assertClose(torch.tensor([4, 16]).rsqrt(), [0.5, 0.25]);
    assertClose(torch.tensor([0], { dtype: 'float64' }).sigmoid(), [0.5]);
    assertClose(torch.tensor([0.5], { dtype: 'float64' }).tanh(), [Math.tanh(0.5)], 1e-12);
    assertClose(x.maximum(torch.zeros([2, 2], { dtype: 'float64' })), [1, 0, 3, 0]);
    assertClose(x.minimum(0), [0, -2, 0, -4]);
  });

  test('softmaxAndLogSoftmaxAlongADim', () => {
    const x = torch.tensor([[1, 2, 3], [0, 0, 0]], { dtype: 'float64' });
    const e = [Math.exp(1), Math.exp(2), Math.exp(3)];
    const s = e.reduce((p, v) => p + v, 0);
    assertClose(x.softmax(1), [...e.map((v) => v / s), 1 / 3, 1 / 3, 1 / 3], 1e-12);
    assertClose(x.logSoftmax(1), [...e.map((v) => Math.log(v / s)), -Math.log(3), -Math.log(3), -Math.log(3)], 1e-12);
    assertClose(x.softmax(0).sum(0), [1, 1, 1], 1e-12);
  });

  test('comparisonsWhereAndNonFiniteChecks', () => {
    const x = torch.tensor([1, 2, 3]);
    assert.deepEqual(values(x.eq(2)), [0, 1, 0]);
    assert.deepEqual(values(x.ne(2)), [1, 0, 1]);
    assert.deepEqual(values(x.lt(2)), [1, 0, 0]);
    assert.deepEqual(values(x.le(2)), [1, 1, 0]);
    assert.deepEqual(values(x.gt(torch.tensor([0, 5, 3]))), [1, 0, 0]);
    assert.deepEqual(values(x.ge(2)), [0, 1, 1]);
    assertClose(torch.where(x.gt(1), x, torch.zerosLike(x)), [0, 2, 3]);
    assertClose(torch.where(x.gt(1), 5, -5), [-5, 5, 5]);
    const y = torch.tensor([1, Number.NaN, Number.POSITIVE_INFINITY]);
    assert.deepEqual(values(y.isfinite()), [1, 0, 0]);
    assert.deepEqual(values(y.isnan()), [0, 1, 0]);
  });
});

describe('reductions', () => {
  const x = () => torch.tensor([[1, 5, 3], [4, 2, 6]], { dtype: 'float64' });
  test('sumMeanProdWithDimsAndKeepdim', () => {
    assertClose(x().sum(), [21]);
    assertClose(x().sum(0), [5, 7, 9]);
    assertClose(x().sum(1, true), [9, 12], 0, [2, 1]);
    assertClose(x().mean([0, 1]), [3.5]);
    assertClose(x().mean(1), [3, 4]);
    assertClose(x().prod(1), [15, 48]);
  });

  test('maxMinArgmaxArgmin', () => {
    assertClose(x().max(), [6]);
    assertClose(x().min(), [1]);
    const m = x().max(1);
    assertClose(m.values, [5, 6]);
    assertClose(m.indices, [1, 2]);
    const n = x().min(0, true);
    assertClose(n.values, [1, 2, 3], 0, [1, 3]);
    assertClose(n.indices, [0, 1, 0]);
    assertClose(x().argmax(), [5]);
    assertClose(x().argmax(0), [1, 0, 1]);
    assertClose(x().argmin(1), [0, 1]);
    assertClose(x().amax(0), [4, 5, 6]);
  });

  test('stdVarNormLogsumexp', () => {
    // Row [1, 5, 3]: mean 3, squared deviations 4+4+0 = 8.
    assertClose(x().var(1), [4, 4], 1e-12);
    assertClose(x().var(1, { unbiased: false }), [8 / 3, 8 / 3], 1e-12);
    assertClose(x().std(1, { keepdim: true }), [2, 2], 1e-12, [2, 1]);
    assertClose(torch.tensor([3, 4], { dtype: 'float64' }).norm(), [5], 1e-12);
    assertClose(torch.tensor([3, -4], { dtype: 'float64' }).norm(1), [7], 1e-12);
    assertClose(x().norm(2, 1), [Math.sqrt(35), Math.sqrt(56)], 1e-12);
    assertClose(torch.tensor([[0, 0]], { dtype: 'float64' }).logsumexp(1), [Math.log(2)], 1e-12);
  });

  test('allAndAny', () => {
    const b = torch.tensor([[true, false], [true, true]]);
    assert.deepEqual(values(b.all(1)), [0, 1]);
    assert.deepEqual(values(b.any(0)), [1, 1]);
    assert.equal(b.all().item(), 0);
  });
});
