import assert from 'node:assert/strict';
import type { Tensor } from '../../src/torch/index.js';

/** Asserts a tensor's shape and values (nested or flat) within `tol`. */
export function assertClose(t: Tensor, expected: number[] | number, tol = 1e-6, shape?: number[]): void {
  if (shape) assert.deepEqual(t.shape, shape);
  const got = Array.from(t.data() as ArrayLike<number | bigint>, Number);
  const want = typeof expected === 'number' ? [expected] : expected;
  assert.equal(got.length, want.length, `length ${got.length} vs ${want.length}`);
  got.forEach((v, i) => {
    const w = want[i]!;
    if (Number.isNaN(w)) assert.ok(Number.isNaN(v), `element ${i}: ${v} is not NaN`);
    else assert.ok(Math.abs(v - w) <= tol * (1 + Math.abs(w)), `element ${i}: got ${v}, expected ${w}`);
  });
}

/** A tensor's elements as plain numbers (int64 converted). */
export function values(t: Tensor): number[] {
  return Array.from(t.data() as ArrayLike<number | bigint>, Number);
}
