import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { assertClose } from './helpers.js';

describe('tensor creation', () => {
  test('nestedArraysInferShapeAndFloat32', () => {
    const t = torch.tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(t.shape, [2, 3]);
    assert.equal(t.dtype, 'float32');
    assert.deepEqual(t.tolist(), [[1, 2, 3], [4, 5, 6]]);
    assert.equal(t.numel(), 6);
    assert.equal(t.ndim, 2);
    assert.equal(t.device, 'cpu');
  });

  test('typedArraysKeepTheirDtypeAndFlatDataTakesAShape', () => {
    assert.equal(torch.tensor(new Float64Array([1, 2])).dtype, 'float64');
    assert.equal(torch.tensor(new Int32Array([1, 2])).dtype, 'int32');
    assert.equal(torch.tensor(new BigInt64Array([1n, 2n])).dtype, 'int64');
    assert.equal(torch.tensor(new Uint8Array([1, 2])).dtype, 'uint8');
    assert.equal(torch.tensor([true, false]).dtype, 'bool');
    const t = torch.tensor([1, 2, 3, 4, 5, 6], { shape: [3, 2], dtype: 'float64' });
    assert.deepEqual(t.tolist(), [[1, 2], [3, 4], [5, 6]]);
    assert.deepEqual(Array.from(torch.tensor([1.7, -2.2], { dtype: 'int64' }).data() as BigInt64Array), [1n, -2n]);
  });

  test('constantsRangesAndIdentity', () => {
    assertClose(torch.zeros([2, 2]), [0, 0, 0, 0], 0, [2, 2]);
    assertClose(torch.ones([3], { dtype: 'float64' }), [1, 1, 1]);
    assertClose(torch.full([2], 7.5), [7.5, 7.5]);
    const a = torch.arange(5);
    assert.equal(a.dtype, 'int64');
    assertClose(a, [0, 1, 2, 3, 4]);
    assertClose(torch.arange(1, 2, 0.25), [1, 1.25, 1.5, 1.75]);
    assertClose(torch.linspace(0, 1, 5), [0, 0.25, 0.5, 0.75, 1]);
    assertClose(torch.eye(2, 3), [1, 0, 0, 0, 1, 0], 0, [2, 3]);
    assert.deepEqual(torch.empty([4, 5]).shape, [4, 5]);
    const x = torch.randn([3, 4]);
    assert.deepEqual(torch.zerosLike(x).shape, [3, 4]);
    assertClose(torch.onesLike(x, { dtype: 'int32' }), new Array(12).fill(1));
    assert.deepEqual(torch.randnLike(x).shape, [3, 4]);
    assert.deepEqual(torch.randLike(x).shape, [3, 4]);
  });

  test('randomDrawsHaveTheirDistributionsRanges', () => {
    torch.manualSeed(0);
    const u = Array.from(torch.rand([1000]).data() as Float32Array);
    assert.ok(u.every((v) => v >= 0 && v < 1));
    const mean = u.reduce((s, v) => s + v, 0) / u.length;
    assert.ok(Math.abs(mean - 0.5) < 0.05);
    const n = torch.randn([4000], { dtype: 'float64' });
    assert.ok(Math.abs(n.mean().item()) < 0.06);
    assert.ok(Math.abs(n.std().item() - 1) < 0.06);
    const r = Array.from(torch.randint(3, 7, [500]).data() as BigInt64Array, Number);
    assert.ok(r.every((v) => v >= 3 && v < 7));
    assert.deepEqual(new Set(r), new Set([3, 4, 5, 6]));
    assert.deepEqual(Array.from(torch.randperm(6).data() as BigInt64Array, Number).sort(), [0, 1, 2, 3, 4, 5]);
  });

  test('conversionBetweenDtypesAndReadBack', () => {
    const t = torch.tensor([1.5, -2.5, 3]);
    assert.equal(t.to('float64').dtype, 'float64');
    assertClose(t.to('int32'), [1, -2, 3]);
    assert.deepEqual(Array.from(t.gt(0).data() as Uint8Array), [1, 0, 1]);
    assert.equal(t.gt(0).dtype, 'bool');
    assert.equal(torch.tensor([42]).item(), 42);
    assert.ok(t.toArray() instanceof Float32Array);
    assert.match(String(t), /^tensor\(\[1\.5, -2\.5, 3\], dtype=float32\)$/);
    assert.equal(torch.cuda.isAvailable(), false);
  });

  test('requiresGradOptionMakesALeaf', () => {
    const t = torch.zeros([2], { requiresGrad: true });
    assert.equal(t.requiresGrad, true);
    assert.equal(t.isLeaf, true);
    assert.equal(t.grad, null);
  });
});
