// Drop path (Larsson et al., FractalNet; as quark0/darts utils.drop_path): during training each
// sample's output of an op is zeroed with probability p and the survivors are scaled by 1/(1−p), so
// the expected output is unchanged and a cell learns not to rely on any single path.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

/**
 * x/(1−p) · m with one Bernoulli(1−p) draw m per sample (shape N×1×1×1), drawn from torch's
 * generator. Computed as one division, x / ((1−p)/m), which is bit for bit the reference's
 * x.div(1−p).mul(m), gradient included: a kept sample divides by exactly 1−p, a dropped one by +∞
 * (giving ±0, and NaN for ±∞ or NaN inputs, as 0·x/(1−p) does). One pass over the activation
 * instead of two, forward and backward. Returns `x` itself when p is 0.
 */
export function dropPath(x: Tensor, p: number): Tensor {
  checkProbability(p);
  if (p === 0) return x;
  return torch.tidy(() => x.div(divisors(x, p)));
}

/**
 * dropPath(a, p) + dropPath(b, p), with either left out where its `drop` is false (an identity op,
 * which drop path spares): a node of a trained DARTS cell. The masks are drawn a's first, as the
 * two dropPath calls draw them, and the values and gradients are theirs bit for bit; the sum runs
 * in one pass each way (torch.perSampleQuotientSum).
 */
export function dropPathSum(a: Tensor, dropA: boolean, b: Tensor, dropB: boolean, p: number): Tensor {
  checkProbability(p);
  if (p === 0 || (!dropA && !dropB)) return a.add(b);
  return torch.tidy(() => {
    const da = dropA ? divisors(a, p) : null;
    const db = dropB ? divisors(b, p) : null;
    return torch.perSampleQuotientSum(a, da, b, db);
  });
}

/**
 * The divisors dropPath(x, p) divides by, (1−p)/m with one Bernoulli(1−p) draw m per sample
 * (N×1×1×1, +∞ for a dropped sample), drawn as dropPath draws them, for callers that fold the
 * division into another op (a trained cell's batch norm, BatchNorm2d.forwardNode). `like` gives
 * the batch size, dtype and device.
 */
export function dropPathDivisors(like: Tensor, p: number): Tensor {
  checkProbability(p);
  return torch.tidy(() => divisors(like, p));
}

function checkProbability(p: number): void {
  if (!(p >= 0 && p < 1)) throw new Error(`drop path probability must be in [0, 1), got ${p}`);
}

/** (1−p)/m for one Bernoulli(1−p) draw m per sample, shaped N×1×1×1: +∞ for a dropped sample. */
function divisors(x: Tensor, p: number): Tensor {
  const keep = 1 - p;
  const mask = torch.bernoulli(torch.zeros([x.shape[0]!, 1, 1, 1], { dtype: x.dtype, device: x.device }), keep);
  return torch.fullLike(mask, keep).div(mask);
}
