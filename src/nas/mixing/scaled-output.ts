// Fusing an edge's op weight into the op's final batch norm. In the supernet most candidate ops
// end in a non-affine BN, and the edge multiplies that output by the op's weight w. A non-affine BN
// followed by ×w is exactly a BN whose affine weight is w on every channel (and bias 0), so one
// batch_norm call does both: one pass over the activations fewer, and, when ∇w is needed,
// libtorch derives it from what BN saves anyway instead of keeping the BN output for the product.
import * as nn from '../../nn/index.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';

export interface ScaledOutput {
  /** forward(x) · scale, for a 0-d `scale`. */
  forwardScaled(x: Tensor, scale: Tensor): Tensor;
}

export function hasScaledOutput(m: unknown): m is ScaledOutput {
  return typeof (m as Partial<ScaledOutput>).forwardScaled === 'function';
}

/** BN(x) · scale for a non-affine BatchNorm2d, as one batch_norm with weight = scale per channel. */
export function batchNormScaled(bn: nn.BatchNorm2d, x: Tensor, scale: Tensor): Tensor {
  if (bn.affine) throw new Error('batchNormScaled needs a non-affine BatchNorm2d');
  const channels = x.shape[1]!;
  // A real [C] tensor, not a stride-0 expanded view: with the view, some channels-last search
  // steps here produced NaN (2 runs in 3); with the copy none did.
  const expanded = scale.expand([channels]);
  const weight = expanded.contiguous();
  expanded.dispose();
  if (bn.training && bn.numBatchesTracked) torch.noGrad(() => bn.numBatchesTracked!.add_(1));
  const out = torch.batchNorm(x, {
    weight,
    runningMean: bn.runningMean,
    runningVar: bn.runningVar,
    training: bn.training || bn.runningMean === null,
    momentum: bn.momentum,
    eps: bn.eps,
  });
  weight.dispose();
  return out;
}

/**
 * Runs all but the last module of `seq`, then the last fused with `scale` when it is a non-affine
 * BN (otherwise forward, then the product).
 */
export function sequentialScaled(seq: nn.Sequential, x: Tensor, scale: Tensor): Tensor {
  const last = seq.at(seq.length - 1);
  if (!(last instanceof nn.BatchNorm2d) || last.affine) {
    const out = seq.forward(x);
    const scaled = out.mul(scale);
    if (out !== x) out.dispose();
    return scaled;
  }
  let y = x;
  for (let i = 0; i < seq.length - 1; i++) {
    const next = seq.at(i).forward(y);
    if (y !== x && next !== y && !y.kept) y.dispose();
    y = next;
  }
  const out = batchNormScaled(last, y, scale);
  if (y !== x) y.dispose();
  return out;
}
