import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { assertClose, values } from './helpers.js';

// Rows [1, 5, 3] and [4, 2, 6].
const x = () => torch.tensor([[1, 5, 3], [4, 2, 6]], { dtype: 'float64' });

describe('reductions', () => {
  test('sumMeanProdWithDimsAndKeepdim', () => {
    assertClose(x().sum(), [21], 0, []);
    assertClose(x().sum(0), [5, 7, 9], 0, [3]);
    assertClose(x().sum(1, true), [9, 12], 0, [2, 1]);
    assertClose(x().sum(-1), [9, 12]);
    assertClose(x().sum([0, 1], true), [21], 0, [1, 1]);
    assertClose(x().sum(null, true), [21], 0, [1, 1]);
    assertClose(torch.sum(x(), 0, true), [5, 7, 9], 0, [1, 3]);
    assertClose(x().mean(), [3.5], 0, []);
    assertClose(x().mean([0, 1]), [3.5]);
    assertClose(x().mean(1), [3, 4]);
    assertClose(torch.mean(x(), 0, true), [2.5, 3.5, 4.5], 0, [1, 3]);
    assertClose(x().prod(1), [15, 48]);
    assertClose(x().prod(), [720]);
    // Summing an integer or bool tensor counts in int64 like PyTorch.
    const c = torch.tensor([true, true, false]).sum();
    assert.equal(c.dtype, 'int64');
    assert.equal(c.item(), 2);
  });

  test('maxMinArgmaxArgmin', () => {
    assertClose(x().max(), [6], 0, []);
    assertClose(x().min(), [1]);
    const m = x().max(1);
    assertClose(m.values, [5, 6], 0, [2]);
    assertClose(m.indices, [1, 2]);
    assert.equal(m.indices.dtype, 'int64');
    const mk = x().max(1, true);
    assert.deepEqual(mk.values.shape, [2, 1]);
    const n = x().min(0, true);
    assertClose(n.values, [1, 2, 3], 0, [1, 3]);
    assertClose(n.indices, [0, 1, 0]);
    assertClose(x().argmax(), [5], 0, []);
    assertClose(x().argmax(0), [1, 0, 1]);
    assertClose(x().argmax(1, true), [1, 2], 0, [2, 1]);
    assertClose(x().argmin(), [0]);
    assertClose(x().argmin(1), [0, 1]);
    assertClose(torch.argmin(x(), 0), [0, 1, 0]);
    assertClose(torch.argmax(x(), -1), [1, 2]);
    assertClose(x().amax(0), [4, 5, 6]);
    assertClose(x().amin(1, true), [1, 2], 0, [2, 1]);
  });

  test('stdVarNormLogsumexp', () => {
    // Row [1, 5, 3]: mean 3, squared deviations 4+4+0 = 8; row [4, 2, 6]: mean 4, 4+4+4 = 8.
    assertClose(x().var(1), [4, 4], 1e-12);
    assertClose(x().var(1, { unbiased: false }), [8 / 3, 8 / 3], 1e-12);
    assertClose(x().var(1, { correction: 0, keepdim: true }), [8 / 3, 8 / 3], 1e-12, [2, 1]);
    assertClose(x().std(1, { keepdim: true }), [2, 2], 1e-12, [2, 1]);
    assertClose(torch.std(x(), 0), [Math.sqrt(4.5), Math.sqrt(4.5), Math.sqrt(4.5)], 1e-12);
    // All six: mean 3.5, squared deviations sum 17.5.
    assertClose(x().var(), [17.5 / 5], 1e-12, []);
    assertClose(x().std(null, { unbiased: false }), [Math.sqrt(17.5 / 6)], 1e-12);
    assertClose(torch.var_(x(), [0, 1]), [17.5 / 5], 1e-12);
    assertClose(torch.tensor([3, 4], { dtype: 'float64' }).norm(), [5], 1e-12, []);
    assertClose(torch.tensor([3, -4], { dtype: 'float64' }).norm(1), [7], 1e-12);
    assertClose(torch.tensor([3, -4], { dtype: 'float64' }).norm(Number.POSITIVE_INFINITY), [4], 1e-12);
    assertClose(x().norm(2, 1), [Math.sqrt(35), Math.sqrt(56)], 1e-12);
    assertClose(torch.norm(x(), 2, 0, true), [Math.sqrt(17), Math.sqrt(29), Math.sqrt(45)], 1e-12, [1, 3]);
    assertClose(x().norm(2, null, true), [Math.sqrt(91)], 1e-12, [1, 1]);
    assertClose(torch.tensor([[0, 0]], { dtype: 'float64' }).logsumexp(1), [Math.log(2)], 1e-12, [1]);
    const lse = (r: number[]) => Math.log(r.reduce((s, v) => s + Math.exp(v), 0));
    assertClose(x().logsumexp(1, true), [lse([1, 5, 3]), lse([4, 2, 6])], 1e-12, [2, 1]);
    assertClose(torch.logsumexp(x(), [0, 1]), [lse([1, 5, 3, 4, 2, 6])], 1e-12, []);
    assertClose(torch.tensor([1000, 1000], { dtype: 'float64' }).logsumexp(0), [1000 + Math.log(2)], 1e-12);
  });

  test('keepdimAndNegativeDimsAcrossReductions', () => {
    const t = torch.arange(24, undefined, 1, { dtype: 'float64' }).view([2, 3, 4]); // t[i, j, k] = 12i + 4j + k
    assert.deepEqual(t.sum(-1, true).shape, [2, 3, 1]);
    assert.deepEqual(t.mean([0, -1], true).shape, [1, 3, 1]);
    assertClose(t.mean([0, -1]), [7.5, 11.5, 15.5]);
    assertClose(t.amin([1, 2]), [0, 12]);
    assert.deepEqual(t.amax(1, true).shape, [2, 1, 4]);
    assertClose(t.argmax(2, true), [3, 3, 3, 3, 3, 3], 0, [2, 3, 1]);
    const m = t.max(-1, true);
    assert.deepEqual(m.values.shape, [2, 3, 1]);
    assertClose(m.indices, [3, 3, 3, 3, 3, 3]);
    // Population variance of 0..3 is 1.25; with Bessel's correction 5/3.
    assertClose(t.var(2, { unbiased: false }), new Array(6).fill(1.25), 1e-12);
    assertClose(t.var(2, { correction: 1, keepdim: true }), new Array(6).fill(5 / 3), 1e-12, [2, 3, 1]);
    assertClose(t.std([0, 1, 2]), [Math.sqrt(50)], 1e-12);
    assertClose(t.norm(Number.POSITIVE_INFINITY, 2), [3, 7, 11, 15, 19, 23]);
    assertClose(t.logsumexp(2, true).sub(t.amax(2, true)), new Array(6).fill(Math.log(1 + Math.exp(-1) + Math.exp(-2) + Math.exp(-3))), 1e-12);
    assert.throws(() => torch.arange(4).mean(), /^Error: mean: /); // integer mean has no dtype, as in PyTorch
  });

  test('allAndAny', () => {
    const b = torch.tensor([[true, false], [true, true]]);
    assert.deepEqual(values(b.all(1)), [0, 1]);
    assert.deepEqual(values(b.any(0)), [1, 1]);
    assert.deepEqual(values(b.all(0, true)), [1, 0]);
    assert.equal(b.all().item(), 0);
    assert.equal(b.any().item(), 1);
  });
});
