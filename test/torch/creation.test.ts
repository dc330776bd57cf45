import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { assertClose, values } from './helpers.js';

describe('tensor creation', () => {
  test('nestedArraysInferShapeAndFloat32', () => {
    const t = torch.tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(t.shape, [2, 3]);
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.tolist(), [[1, 2, 3], [4, 5, 6]]);
    assert.equal(t.numel(), 6);
    assert.equal(t.ndim, 2);
    assert.equal(t.dim(), 2);
    assert.equal(t.size(-1), 3);
    assert.equal(t.device, 'cpu');
    assert.deepEqual(torch.tensor(2.5).shape, []);
    assert.equal(torch.tensor(2.5).tolist(), 2.5);
  });

  test('everyDtypeFromNestedArraysReadsBackAsItsTypedArray', () => {
    const cases: [torch.DType, abstract new (...args: never[]) => unknown, number[]][] = [
      ['float32', Float32Array, [1.5, -2, 0]],
      ['float64', Float64Array, [1.5, -2, 0]],
      ['int64', BigInt64Array, [1, -2, 0]],
      ['int32', Int32Array, [1, -2, 0]],
      ['uint8', Uint8Array, [1, 254, 0]],
      ['bool', Uint8Array, [1, 1, 0]],
    ];
    for (const [dtype, ctor, want] of cases) {
      const src = dtype === 'uint8' ? [1, 254, 0] : [1.5, -2, 0];
      const t = torch.tensor(src, { dtype });
      assert.equal(t.dtype, dtype);
      assert.deepEqual(t.shape, [3]);
      assert.ok(t.data() instanceof ctor, `${dtype} data() is a ${ctor.name}`);
      assert.ok(t.toArray() instanceof ctor);
      if (dtype !== 'int64' && dtype !== 'bool') assert.deepEqual(Array.from(t.data() as ArrayLike<number>), want.map((v) => (dtype === 'int32' ? Math.trunc(v) : v)));
    }
    assert.deepEqual(Array.from(torch.tensor([1.7, -2.2], { dtype: 'int64' }).data() as BigInt64Array), [1n, -2n]);
    assert.deepEqual(torch.tensor([1.7, -2.2], { dtype: 'int32' }).tolist(), [1, -2]);
    assert.deepEqual(torch.tensor([2, 0, -1], { dtype: 'bool' }).tolist(), [1, 0, 1]);
  });

  test('typedArraysKeepTheirDtypeAndFlatDataTakesAShape', () => {
    assert.equal(torch.tensor(new Float64Array([1, 2])).dtype, 'float64');
    assert.equal(torch.tensor(new Int32Array([1, 2])).dtype, 'int32');
    assert.equal(torch.tensor(new BigInt64Array([1n, 2n])).dtype, 'int64');
    assert.equal(torch.tensor(new Uint8Array([1, 2])).dtype, 'uint8');
    assert.equal(torch.tensor([true, false]).dtype, 'bool');
    assert.equal(torch.tensor([5n, 6n]).dtype, 'int64');
    const t = torch.tensor([1, 2, 3, 4, 5, 6], { shape: [3, 2], dtype: 'float64' });
    assert.deepEqual(t.tolist(), [[1, 2], [3, 4], [5, 6]]);
    // A typed array converted to another dtype on the way in.
    const c = torch.tensor(new Float32Array([1.5, 2.5, -3.5, 4]), { dtype: 'int64', shape: [2, 2] });
    assert.equal(c.dtype, 'int64');
    assert.deepEqual(c.tolist(), [[1, 2], [-3, 4]]);
  });

  test('toConvertsBetweenDtypesLikePyTorch', () => {
    const t = torch.tensor([1.5, -2.5, 3, 0]);
    const d = t.to('float64');
    assert.equal(d.dtype, 'float64');
    assert.deepEqual(values(d), [1.5, -2.5, 3, 0]);
    assert.deepEqual(t.to('int32').tolist(), [1, -2, 3, 0]); // truncation toward zero
    assert.deepEqual(t.to('int64').tolist(), [1, -2, 3, 0]);
    assert.deepEqual(t.to('bool').tolist(), [1, 1, 1, 0]);
    assert.deepEqual(torch.tensor([3, 255], { dtype: 'int32' }).to('uint8').tolist(), [3, 255]);
    assert.deepEqual(torch.tensor([true, false]).to('float32').tolist(), [1, 0]);
    assert.equal(t.double().dtype, 'float64');
    assert.equal(t.long().dtype, 'int64');
    assert.equal(t.int().dtype, 'int32');
    assert.equal(t.bool().dtype, 'bool');
    assert.equal(d.float().dtype, 'float32');
    assert.equal(t.to('double').dtype, 'float64'); // PyTorch's aliases
    // Same dtype and no copy asked: a new handle that shares the storage.
    const same = t.to('float32');
    assert.equal(same.dtype, 'float32');
    const cl = torch.ones([1, 2, 2, 2]).to({ memoryFormat: 'channelsLast' });
    assert.equal(cl.isContiguous('channelsLast'), true);
    const copied = t.to({ dtype: 'float32', copy: true });
    copied.fill_(9);
    assert.deepEqual(values(t), [1.5, -2.5, 3, 0]);
  });

  test('itemShapeAndTolist', () => {
    assert.equal(torch.tensor([42]).item(), 42);
    assert.equal(torch.tensor([[0.25]], { dtype: 'float64' }).item(), 0.25);
    assert.equal(torch.tensor([7n]).item(), 7);
    assert.equal(torch.tensor([true]).item(), 1);
    assert.deepEqual(torch.zeros([2, 0, 3]).shape, [2, 0, 3]);
    assert.equal(torch.zeros([2, 0, 3]).numel(), 0);
    assert.deepEqual(torch.tensor([[1n, 2n]]).tolist(), [[1, 2]]);
    const t = torch.tensor([1.5, -2.5, 3]);
    assert.deepEqual(Array.from(t.gt(0).data() as Uint8Array), [1, 0, 1]);
    assert.equal(t.gt(0).dtype, 'bool');
    assert.match(String(t), /^tensor\(\[1\.5, -2\.5, 3\], dtype=float32\)$/);
  });

  test('constantsRangesAndIdentity', () => {
    assertClose(torch.zeros([2, 2]), [0, 0, 0, 0], 0, [2, 2]);
    assertClose(torch.ones([3], { dtype: 'float64' }), [1, 1, 1]);
    assert.equal(torch.ones([3], { dtype: 'float64' }).dtype, 'float64');
    assertClose(torch.full([2], 7.5), [7.5, 7.5]);
    assert.deepEqual(torch.full([2], true).tolist(), [1, 1]);
    assert.equal(torch.zeros([1], { dtype: 'uint8' }).dtype, 'uint8');
    const a = torch.arange(5);
    assert.equal(a.dtype, 'int64');
    assertClose(a, [0, 1, 2, 3, 4]);
    assert.deepEqual(torch.arange(2, 11, 3).tolist(), [2, 5, 8]);
    assertClose(torch.arange(1, 2, 0.25), [1, 1.25, 1.5, 1.75]);
    assert.equal(torch.arange(1, 2, 0.25).dtype, 'float32');
    assertClose(torch.linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
    assertClose(torch.eye(2, 3), [1, 0, 0, 0, 1, 0], 0, [2, 3]);
    assert.deepEqual(torch.empty([4, 5]).shape, [4, 5]);
    const x = torch.randn([3, 4]);
    assert.deepEqual(torch.zerosLike(x).shape, [3, 4]);
    assertClose(torch.onesLike(x, { dtype: 'int32' }), new Array(12).fill(1));
    assertClose(torch.fullLike(x, 2), new Array(12).fill(2), 0, [3, 4]);
    assert.deepEqual(torch.randnLike(x).shape, [3, 4]);
    assert.deepEqual(torch.randLike(x).shape, [3, 4]);
    assert.deepEqual(values(torch.fromBytes(new Uint8Array([0, 0, 128, 63]), [1], 'float32')), [1]);
  });

  test('randomDrawsHaveTheirDistributionsRanges', () => {
    torch.manualSeed(0);
    const u = values(torch.rand([1000]));
    assert.ok(u.every((v) => v >= 0 && v < 1));
    const mean = u.reduce((s, v) => s + v, 0) / u.length;
    assert.ok(Math.abs(mean - 0.5) < 0.05);
    const n = torch.randn([4000], { dtype: 'float64' });
    assert.ok(Math.abs(n.mean().item()) < 0.06);
    assert.ok(Math.abs(n.std().item() - 1) < 0.06);
    const r = values(torch.randint(3, 7, [500]));
    assert.ok(r.every((v) => v >= 3 && v < 7));
    assert.deepEqual(new Set(r), new Set([3, 4, 5, 6]));
    assert.deepEqual(values(torch.randperm(6)).sort(), [0, 1, 2, 3, 4, 5]);
    const b = values(torch.bernoulli(torch.full([1000], 0.3)));
    assert.ok(b.every((v) => v === 0 || v === 1));
    assert.ok(Math.abs(b.reduce((s: number, v) => s + v, 0) / 1000 - 0.3) < 0.06);
    const m = values(torch.multinomial(torch.tensor([0, 1, 0, 1]), 2));
    assert.deepEqual(m.sort(), [1, 3]);
  });

  test('scalarsEmptyTensorsAndRawBytes', () => {
    const s = torch.tensor(3.5);
    assert.deepEqual(s.shape, []);
    assert.equal(s.ndim, 0);
    assert.equal(s.item(), 3.5);
    const e = torch.tensor([]);
    assert.deepEqual(e.shape, [0]);
    assert.equal(e.sum().item(), 0);
    assert.deepEqual(torch.zeros([2, 0, 3]).shape, [2, 0, 3]);
    const bytes = new Uint8Array(new Float64Array([1.25, -8]).buffer);
    assertClose(torch.fromBytes(bytes, [2], 'float64'), [1.25, -8]);
    assert.throws(() => torch.fromBytes(bytes, [3], 'float64'), /^Error: fromBytes: data has 16 bytes but shape needs 24$/);
    assert.deepEqual(torch.tensor(new Uint8Array([1, 2, 3, 4]).subarray(1), { shape: [3] }).tolist(), [2, 3, 4]);
    assert.throws(() => torch.tensor([1, 2, 3], { shape: [2, 2] }), /shape \[2, 2\] needs 4 elements but the data has 3/);
  });

  test('requiresGradOptionMakesALeaf', () => {
    const t = torch.zeros([2], { requiresGrad: true });
    assert.equal(t.requiresGrad, true);
    assert.equal(t.isLeaf, true);
    assert.equal(t.grad, null);
    assert.equal(t.gradFn, null);
    assert.match(t.mul(2).gradFn!, /^MulBackward/);
  });
});
