import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { assertClose, values } from './helpers.js';

const x = () => torch.arange(6, undefined, 1, { dtype: 'float32' }).view([2, 3]);

describe('shape ops', () => {
  test('viewReshapePermuteTransposeFlattenWithStrides', () => {
    assert.deepEqual(x().view(3, 2).tolist(), [[0, 1], [2, 3], [4, 5]]);
    assert.deepEqual(x().view([-1, 2]).shape, [3, 2]);
    assert.deepEqual(x().reshape([-1]).shape, [6]);
    assert.deepEqual(torch.reshape(x(), [3, 2]).tolist(), [[0, 1], [2, 3], [4, 5]]);
    const tr = x().transpose(0, 1);
    assert.deepEqual(tr.tolist(), [[0, 3], [1, 4], [2, 5]]);
    assert.deepEqual(tr.strides(), [1, 3]);
    assert.equal(tr.isContiguous(), false);
    assert.deepEqual(x().t().contiguous().view(-1).tolist(), [0, 3, 1, 4, 2, 5]);
    assert.equal(tr.contiguous().isContiguous(), true);
    assert.deepEqual(tr.contiguous().strides(), [2, 1]);
    // A non-contiguous tensor cannot be viewed but can be reshaped (copying).
    assert.throws(() => tr.view(-1), /view: .*(stride|contiguous)/);
    assert.deepEqual(tr.reshape(-1).tolist(), [0, 3, 1, 4, 2, 5]);
    const y = torch.zeros([2, 3, 4]);
    assert.deepEqual(y.strides(), [12, 4, 1]);
    assert.deepEqual(y.permute(2, 0, 1).shape, [4, 2, 3]);
    assert.deepEqual(y.permute([2, 0, 1]).strides(), [1, 12, 4]);
    assert.deepEqual(torch.permute(y, [1, 0, 2]).shape, [3, 2, 4]);
    assert.deepEqual(torch.transpose(y, 0, 2).shape, [4, 3, 2]);
    assert.deepEqual(y.flatten(1).shape, [2, 12]);
    assert.deepEqual(y.flatten(0, 1).shape, [6, 4]);
    assert.deepEqual(torch.flatten(y).shape, [24]);
  });

  test('squeezeUnsqueezeExpandRepeat', () => {
    const y = torch.zeros([1, 3, 1]);
    assert.deepEqual(y.squeeze().shape, [3]);
    assert.deepEqual(y.squeeze(0).shape, [3, 1]);
    assert.deepEqual(y.squeeze(-1).shape, [1, 3]);
    assert.deepEqual(y.squeeze(1).shape, [1, 3, 1]); // a non-1 dim is left alone
    assert.deepEqual(torch.squeeze(y, 2).shape, [1, 3]);
    assert.deepEqual(torch.zeros([3]).unsqueeze(1).shape, [3, 1]);
    assert.deepEqual(torch.unsqueeze(torch.zeros([3]), -1).shape, [3, 1]);
    const e = torch.tensor([1, 2]).view([2, 1]).expand(2, 3);
    assert.deepEqual(e.tolist(), [[1, 1, 1], [2, 2, 2]]);
    assert.deepEqual(e.strides(), [1, 0]); // expanded dims share memory
    assert.deepEqual(torch.tensor([1, 2]).expand([3, -1]).tolist(), [[1, 2], [1, 2], [1, 2]]);
    assert.deepEqual(torch.tensor([5]).expandAs(torch.zeros([2, 2])).tolist(), [[5, 5], [5, 5]]);
    assert.deepEqual(torch.tensor([1, 2]).repeat(2).tolist(), [1, 2, 1, 2]);
    assert.deepEqual(torch.tensor([1, 2]).repeat(2, 1).tolist(), [[1, 2], [1, 2]]);
  });

  test('channelsLastChangesStridesNotValues', () => {
    const t = torch.arange(24, undefined, 1, { dtype: 'float32' }).view([1, 2, 3, 4]);
    assert.equal(t.isContiguous(), true);
    const cl = t.contiguous('channelsLast');
    assert.deepEqual(cl.shape, [1, 2, 3, 4]);
    assert.deepEqual(cl.strides(), [24, 1, 8, 2]);
    assert.equal(cl.isContiguous('channelsLast'), true);
    assert.equal(cl.isContiguous(), false);
    assert.deepEqual(cl.tolist(), t.tolist());
    assert.deepEqual(torch.contiguous(cl).strides(), [24, 12, 4, 1]);
    // clone preserves the layout by default; an elementwise op on channels-last stays channels-last.
    assert.deepEqual(cl.clone().strides(), [24, 1, 8, 2]);
    assert.deepEqual(cl.clone({ memoryFormat: 'contiguous' }).strides(), [24, 12, 4, 1]);
    assert.equal(cl.relu().isContiguous('channelsLast'), true);
  });

  test('catStackChunkSplitNarrowSlice', () => {
    assert.deepEqual(torch.cat([x(), x()], 0).shape, [4, 3]);
    assert.deepEqual(torch.cat([x(), x().mul(2)], 1).tolist(), [[0, 1, 2, 0, 2, 4], [3, 4, 5, 6, 8, 10]]);
    assert.deepEqual(torch.cat([x(), torch.ones([1, 3])], -2).shape, [3, 3]);
    assert.deepEqual(torch.stack([x(), x()], 1).shape, [2, 2, 3]);
    assert.deepEqual(torch.stack([torch.tensor([1, 2]), torch.tensor([3, 4])]).tolist(), [[1, 2], [3, 4]]);
    assert.deepEqual(torch.stack([torch.tensor([1, 2]), torch.tensor([3, 4])], -1).tolist(), [[1, 3], [2, 4]]);
    assert.deepEqual(x().chunk(3, 1).map((c) => c.shape), [[2, 1], [2, 1], [2, 1]]);
    assert.deepEqual(torch.arange(5).chunk(2).map((c) => c.tolist()), [[0, 1, 2], [3, 4]]);
    assert.deepEqual(torch.chunk(torch.arange(6), 4).map((c) => c.tolist()), [[0, 1], [2, 3], [4, 5]]);
    assert.deepEqual(torch.arange(5).split(2).map((s) => s.tolist()), [[0, 1], [2, 3], [4]]);
    assert.deepEqual(torch.split(torch.arange(5), [1, 4]).map((s) => s.tolist()), [[0], [1, 2, 3, 4]]);
    assert.deepEqual(x().split(1, 0).map((s) => s.tolist()), [[[0, 1, 2]], [[3, 4, 5]]]);
    assert.deepEqual(x().narrow(1, 1, 2).tolist(), [[1, 2], [4, 5]]);
    assert.deepEqual(torch.narrow(x(), 0, 1, 1).tolist(), [[3, 4, 5]]);
    assert.deepEqual(torch.arange(10).slice(0, 1, 8, 3).tolist(), [1, 4, 7]);
    assert.deepEqual(torch.arange(10).slice(0, -3).tolist(), [7, 8, 9]);
    assert.deepEqual(torch.arange(10).slice(0, null, 2).tolist(), [0, 1]);
    assert.deepEqual(x().slice(1, 0, null, 2).tolist(), [[0, 2], [3, 5]]);
    assert.deepEqual(x().select(0, 1).tolist(), [3, 4, 5]);
    assert.deepEqual(x().select(1, -1).tolist(), [2, 5]);
    // narrow and slice are views: writing through them changes the base.
    const base = torch.zeros([4]);
    base.narrow(0, 1, 2).fill_(7);
    assert.deepEqual(base.tolist(), [0, 7, 7, 0]);
    assert.throws(() => torch.arange(5).split([1, 1]), /do not add up/);
  });

  test('indexSelectGatherScatterFlip', () => {
    const idx = torch.tensor([2, 0], { dtype: 'int64' });
    assert.deepEqual(x().indexSelect(1, idx).tolist(), [[2, 0], [5, 3]]);
    assert.deepEqual(torch.indexSelect(x(), 0, torch.tensor([1, 1, 0], { dtype: 'int64' })).tolist(), [[3, 4, 5], [3, 4, 5], [0, 1, 2]]);
    const g = torch.tensor([[0, 0], [1, 0]], { dtype: 'int64' });
    assert.deepEqual(torch.tensor([[1, 2], [3, 4]]).gather(1, g).tolist(), [[1, 1], [4, 3]]);
    assert.deepEqual(torch.gather(torch.tensor([[1, 2], [3, 4]]), 0, torch.tensor([[1, 0]], { dtype: 'int64' })).tolist(), [[3, 2]]);
    const s = torch.zeros([2, 3]).scatter(1, torch.tensor([[1], [2]], { dtype: 'int64' }), 9);
    assert.deepEqual(s.tolist(), [[0, 9, 0], [0, 0, 9]]);
    const s2 = torch.zeros([3]).scatter(0, torch.tensor([2, 0], { dtype: 'int64' }), torch.tensor([5, 6]));
    assert.deepEqual(s2.tolist(), [6, 0, 5]);
    const s3 = torch.scatter(torch.zeros([2, 2]), 0, torch.tensor([[1, 0]], { dtype: 'int64' }), torch.tensor([[7, 8]]));
    assert.deepEqual(s3.tolist(), [[0, 8], [7, 0]]);
    assert.deepEqual(x().flip(1).tolist(), [[2, 1, 0], [5, 4, 3]]);
    assert.deepEqual(torch.flip(x(), [0, 1]).tolist(), [[5, 4, 3], [2, 1, 0]]);
    assert.deepEqual(x().maskedFill(x().gt(3), -1).tolist(), [[0, 1, 2], [3, -1, -1]]);
  });

  test('padTopkSortOneHot', () => {
    assert.deepEqual(torch.pad(torch.ones([1, 2]), [1, 2], 'constant', 0).tolist(), [[0, 1, 1, 0, 0]]);
    assert.deepEqual(torch.pad(torch.ones([1, 1]), [1, 0, 0, 1], 'constant', 5).tolist(), [[5, 1], [5, 5]]);
    assert.deepEqual(torch.pad(torch.tensor([[1, 2, 3]]).view([1, 1, 3]), [1, 1], 'reflect').tolist(), [[[2, 1, 2, 3, 2]]]);
    assert.deepEqual(torch.pad(torch.tensor([[1, 2, 3]]).view([1, 1, 3]), [2, 1], 'replicate').tolist(), [[[1, 1, 1, 2, 3, 3]]]);
    assert.deepEqual(torch.pad(torch.tensor([[1, 2, 3]]).view([1, 1, 3]), [1, 1], 'circular').tolist(), [[[3, 1, 2, 3, 1]]]);
    const t = torch.tensor([3, 1, 4, 1, 5]);
    const k = t.topk(2);
    assert.deepEqual(k.values.tolist(), [5, 4]);
    assert.deepEqual(k.indices.tolist(), [4, 2]);
    const small = torch.topk(t, 2, 0, false);
    assert.deepEqual(small.values.tolist(), [1, 1]);
    const k2 = torch.tensor([[1, 9, 3], [8, 2, 7]]).topk(1, 1);
    assert.deepEqual(k2.values.tolist(), [[9], [8]]);
    assert.deepEqual(k2.indices.tolist(), [[1], [0]]);
    const s = t.sort(0, true);
    assert.deepEqual(s.values.tolist(), [5, 4, 3, 1, 1]);
    assert.equal((s.indices.tolist() as number[])[0], 4);
    assert.deepEqual(t.sort(0, false, true).indices.tolist(), [1, 3, 0, 2, 4]);
    assert.deepEqual(torch.sort(torch.tensor([[2, 1], [0, 3]])).values.tolist(), [[1, 2], [0, 3]]);
    const oh = torch.oneHot(torch.tensor([0, 2], { dtype: 'int64' }), 3);
    assert.deepEqual(oh.tolist(), [[1, 0, 0], [0, 0, 1]]);
    assert.equal(oh.dtype, 'int64');
    assert.deepEqual(torch.oneHot(torch.tensor([1, 3], { dtype: 'int64' })).shape, [2, 4]); // classes inferred
  });

  test('cloneCopiesAndDetachShares', () => {
    const p = torch.ones([2], { requiresGrad: true });
    const c = p.clone();
    assert.equal(c.requiresGrad, true);
    assert.equal(c.isLeaf, false);
    assertClose(c, [1, 1]);
    const d = p.detach();
    assert.equal(d.requiresGrad, false);
    // detach shares storage; clone does not.
    const base = torch.tensor([1, 2]);
    const copy = torch.clone(base);
    const alias = torch.detach(base);
    base.fill_(0);
    assert.deepEqual(values(copy), [1, 2]);
    assert.deepEqual(values(alias), [0, 0]);
  });
});
