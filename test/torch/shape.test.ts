import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { assertClose } from './helpers.js';

const x = () => torch.arange(6, undefined, 1, { dtype: 'float32' }).view([2, 3]);

describe('shape ops', () => {
  test('viewReshapePermuteTransposeFlatten', () => {
    assert.deepEqual(x().view(3, 2).tolist(), [[0, 1], [2, 3], [4, 5]]);
    assert.deepEqual(x().reshape([-1]).shape, [6]);
    assert.deepEqual(x().transpose(0, 1).tolist(), [[0, 3], [1, 4], [2, 5]]);
    assert.deepEqual(x().t().contiguous().view(-1).tolist(), [0, 3, 1, 4, 2, 5]);
    const y = torch.zeros([2, 3, 4]);
    assert.deepEqual(y.permute(2, 0, 1).shape, [4, 2, 3]);
    assert.deepEqual(y.flatten(1).shape, [2, 12]);
    assert.deepEqual(y.flatten().shape, [24]);
  });

  test('squeezeUnsqueezeExpandRepeat', () => {
    const y = torch.zeros([1, 3, 1]);
    assert.deepEqual(y.squeeze().shape, [3]);
    assert.deepEqual(y.squeeze(0).shape, [3, 1]);
    assert.deepEqual(torch.zeros([3]).unsqueeze(1).shape, [3, 1]);
    assert.deepEqual(torch.tensor([1, 2]).view([2, 1]).expand(2, 3).tolist(), [[1, 1, 1], [2, 2, 2]]);
    assert.deepEqual(torch.tensor([1, 2]).repeat(2).tolist(), [1, 2, 1, 2]);
  });

  test('channelsLastChangesStridesNotValues', () => {
    const t = torch.arange(24, undefined, 1, { dtype: 'float32' }).view([1, 2, 3, 4]);
    const cl = t.contiguous('channelsLast');
    assert.deepEqual(cl.shape, [1, 2, 3, 4]);
    assert.deepEqual(cl.strides(), [24, 1, 8, 2]);
    assert.equal(cl.isContiguous('channelsLast'), true);
    assert.equal(cl.isContiguous(), false);
    assert.deepEqual(cl.tolist(), t.tolist());
  });

  test('catStackChunkSplitNarrowSlice', () => {
    assert.deepEqual(torch.cat([x(), x()], 0).shape, [4, 3]);
    assert.deepEqual((torch.cat([x(), x()], 1).tolist() as number[][])[0], [0, 1, 2, 0, 1, 2]);
    assert.deepEqual(torch.stack([x(), x()], 1).shape, [2, 2, 3]);
    assert.deepEqual(x().chunk(3, 1).map((c) => c.shape), [[2, 1], [2, 1], [2, 1]]);
    assert.deepEqual(torch.arange(5).split(2).map((s) => s.tolist()), [[0, 1], [2, 3], [4]]);
    assert.deepEqual(torch.arange(5).split([1, 4]).map((s) => s.numel()), [1, 4]);
    assert.deepEqual(x().narrow(1, 1, 2).tolist(), [[1, 2], [4, 5]]);
    assert.deepEqual(torch.arange(10).slice(0, 1, 8, 3).tolist(), [1, 4, 7]);
    assert.deepEqual(x().select(0, 1).tolist(), [3, 4, 5]);
    assert.throws(() => torch.arange(5).split([1, 1]), /do not add up/);
  });

  test('indexSelectGatherScatterFlip', () => {
    const idx = torch.tensor([2, 0], { dtype: 'int64' });
    assert.deepEqual(x().indexSelect(1, idx).tolist(), [[2, 0], [5, 3]]);
    const g = torch.tensor([[0, 0], [1, 0]], { dtype: 'int64' });
    assert.deepEqual(torch.tensor([[1, 2], [3, 4]]).gather(1, g).tolist(), [[1, 1], [4, 3]]);
    const s = torch.zeros([2, 3]).scatter(1, torch.tensor([[1], [2]], { dtype: 'int64' }), 9);
    assert.deepEqual(s.tolist(), [[0, 9, 0], [0, 0, 9]]);
    const s2 = torch.zeros([3]).scatter(0, torch.tensor([2, 0], { dtype: 'int64' }), torch.tensor([5, 6]));
    assert.deepEqual(s2.tolist(), [6, 0, 5]);
    assert.deepEqual(x().flip(1).tolist(), [[2, 1, 0], [5, 4, 3]]);
    assert.deepEqual(x().maskedFill(x().gt(3), -1).tolist(), [[0, 1, 2], [3, -1, -1]]);
  });

  test('padTopkSortOneHotCloneDetach', () => {
    assert.deepEqual(torch.pad(torch.ones([1, 2]), [1, 2], 'constant', 0).tolist(), [[0, 1, 1, 0, 0]]);
    assert.deepEqual(torch.pad(torch.tensor([[1, 2, 3]]).view([1, 1, 3]), [1, 1], 'reflect').tolist(), [[[2, 1, 2, 3, 2]]]);
    const t = torch.tensor([3, 1, 4, 1, 5]);
    const k = t.topk(2);
    assert.deepEqual(k.values.tolist(), [5, 4]);
    assert.deepEqual(k.indices.tolist(), [4, 2]);
    const s = t.sort(0, true);
    assert.deepEqual(s.values.tolist(), [5, 4, 3, 1, 1]);
    assert.deepEqual(t.sort(0, false, true).indices.tolist(), [1, 3, 0, 2, 4]);
    assert.deepEqual(torch.oneHot(torch.tensor([0, 2], { dtype: 'int64' }), 3).tolist(), [[1, 0, 0], [0, 0, 1]]);
    const p = torch.ones([2], { requiresGrad: true });
    const c = p.clone();
    assert.equal(c.requiresGrad, true);
    assert.equal(c.isLeaf, false);
    assert.equal(p.detach().requiresGrad, false);
    assertClose(c, [1, 1]);
  });
});
