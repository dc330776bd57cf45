import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { assertClose, values } from './helpers.js';

const f64 = (v: number[]) => torch.tensor(v, { dtype: 'float64' });

describe('in-place ops', () => {
  test('arithmeticUpdatesInPlaceAndReturnThis', () => {
    const t = f64([1, 2]);
    assert.equal(t.add_(1), t);
    assertClose(t, [2, 3]);
    t.add_(f64([1, 1]), { alpha: -2 });
    assertClose(t, [0, 1]);
    t.sub_(f64([1, 2]), { alpha: 0.5 });
    assertClose(t, [-0.5, 0]);
    t.sub_(-0.5);
    assertClose(t, [0, 0.5]);
    t.add_(1).mul_(3);
    assertClose(t, [3, 4.5]);
    t.mul_(f64([2, 2]));
    assertClose(t, [6, 9]);
    t.div_(3);
    assertClose(t, [2, 3]);
    t.div_(f64([2, 1]));
    assertClose(t, [1, 3]);
    // Broadcasting a row into a matrix.
    const m = torch.zeros([2, 2], { dtype: 'float64' }).add_(f64([1, 2]));
    assertClose(m, [1, 2, 1, 2]);
  });

  test('addcmulAddcdivCopyZeroFillClamp', () => {
    const t = f64([0, 3]);
    // t += value · t1 ⊙ t2
    t.addcmul_(f64([2, 2]), f64([3, 4]), { value: 0.5 });
    assertClose(t, [3, 7]);
    t.addcmul_(f64([1, 1]), f64([1, 2]));
    assertClose(t, [4, 9]);
    // t += value · t1 ⊘ t2
    t.addcdiv_(f64([1, 1]), f64([2, 4]), { value: 2 });
    assertClose(t, [5, 9.5]);
    t.clamp_(5.5, 7);
    assertClose(t, [5.5, 7]);
    t.clamp_(null, 6);
    assertClose(t, [5.5, 6]);
    t.clamp_(5.75);
    assertClose(t, [5.75, 6]);
    t.copy_(f64([9, 8]));
    assertClose(t, [9, 8]);
    t.copy_(torch.tensor([1, 2], { dtype: 'int32' })); // copy_ converts dtypes
    assertClose(t, [1, 2]);
    t.copy_(f64([4])); // and broadcasts
    assertClose(t, [4, 4]);
    t.fill_(-1.5);
    assertClose(t, [-1.5, -1.5]);
    t.zero_();
    assertClose(t, [0, 0]);
    assert.equal(t.dtype, 'float64');
  });

  test('randomFillsAreSeededAndInRange', () => {
    torch.manualSeed(1);
    const u = torch.zeros([500]).uniform_(2, 3);
    assert.ok(values(u).every((v) => v >= 2 && v < 3));
    const n = torch.zeros([4000], { dtype: 'float64' }).normal_(5, 2);
    assert.ok(Math.abs(n.mean().item() - 5) < 0.15 && Math.abs(n.std().item() - 2) < 0.15);
    torch.manualSeed(1);
    assert.deepEqual(values(torch.zeros([500]).uniform_(2, 3)), values(u));
    assert.deepEqual(values(torch.zeros([4]).normal_()).length, 4);
  });

  test('writesThroughAViewReachTheBase', () => {
    const base = torch.zeros([2, 3]);
    base.select(0, 1).fill_(1);
    base.slice(1, 0, 1).add_(5);
    assert.deepEqual(base.tolist(), [[5, 0, 0], [6, 1, 1]]);
  });

  test('refusesToWriteALeafThatRequiresGradUnlessGradModeIsOff', () => {
    const p = torch.ones([2], { requiresGrad: true });
    for (const [name, op] of [
      ['add_', () => p.add_(1)],
      ['mul_', () => p.mul_(2)],
      ['zero_', () => p.zero_()],
      ['fill_', () => p.fill_(3)],
      ['copy_', () => p.copy_(torch.zeros([2]))],
      ['clamp_', () => p.clamp_(0, 1)],
      ['normal_', () => p.normal_()],
      ['uniform_', () => p.uniform_()],
      ['addcmul_', () => p.addcmul_(torch.ones([2]), torch.ones([2]))],
      ['addcdiv_', () => p.addcdiv_(torch.ones([2]), torch.ones([2]))],
    ] as const) {
      assert.throws(op, (e: Error) => e instanceof Error && e.message.startsWith(`${name}: a leaf Variable that requires grad is being used in an in-place operation`), name);
    }
    assertClose(p, [1, 1]); // nothing was written
    torch.noGrad(() => {
      p.add_(1);
      p.addcmul_(torch.ones([2]), torch.ones([2]), { value: 2 });
    });
    assertClose(p, [4, 4]);
    assert.equal(p.requiresGrad, true);
    assert.equal(p.isLeaf, true);
    // A non-leaf can be updated in place and stays differentiable.
    const q = p.mul(1);
    q.add_(1);
    q.sum().backward();
    assertClose(p.grad!, [1, 1]);
  });
});
