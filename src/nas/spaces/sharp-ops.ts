// sharpDARTS' candidate operations (Hundt et al. 2019, cnn/operations.py `OPS`): every separable
// and dilated conv is a SharpSepConv, whose dilation lives only in the first depthwise conv and
// whose middle width is a parameter ("flood" ops widen it 4×, "choke" ops narrow it to a fixed
// count). Same table signature as DARTS_OPS, so a DARTS-like space takes either.
import * as nn from '../../nn/index.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { OpFactory } from '../types.js';
import { type ExpectsReLUInput, FactorizedReduce, leadingReLU, type OpTable, searchOpsOf, Zero } from './darts-ops.js';

export type { OpTable } from './darts-ops.js';

/**
 * ReLU → depthwise k×k (stride, padding, dilation) → 1×1 to cMid → BN → ReLU → depthwise k×k
 * (stride 1, 'same' padding, no dilation) → 1×1 to cOut → BN. With cMid = cOut and no dilation it
 * is DARTS' SepConv.
 */
export class SharpSepConv extends nn.Module implements ExpectsReLUInput {
  readonly op: nn.Sequential;
  constructor(cIn: number, cOut: number, kernel: number, stride: number, padding: number, dilation: number, affine: boolean, cMid: number, readonly expectsReLUInput = false) {
    super();
    if (!Number.isInteger(cMid) || cMid < 1) throw new Error(`SharpSepConv: the middle width must be a positive integer, got ${cMid}`);
    this.op = this.registerModule(
      'op',
      new nn.Sequential(
        ...leadingReLU(expectsReLUInput),
        new nn.Conv2d(cIn, cIn, kernel, { stride, padding, dilation, groups: cIn, bias: false }),
        new nn.Conv2d(cIn, cMid, 1, { bias: false }),
        new nn.BatchNorm2d(cMid, { affine }),
        new nn.ReLU(),
        new nn.Conv2d(cMid, cMid, kernel, { padding: (kernel - 1) >> 1, groups: cMid, bias: false }),
        new nn.Conv2d(cMid, cOut, 1, { bias: false }),
        new nn.BatchNorm2d(cOut, { affine }),
      ),
    );
  }
  forward(x: Tensor): Tensor {
    return this.op.forward(x);
  }
}

/**
 * A 3×3 pool that can also change the width: when cIn ≠ cOut a 1×1 conv and a BN (eps 1e-3, as
 * the reference) follow. The reference's average pool counts the zero padding (PyTorch's default),
 * unlike DARTS' avg_pool_3x3; we keep that.
 */
export class ResizablePool extends nn.Module {
  readonly op: nn.Module;
  constructor(cIn: number, cOut: number, kernel: number, stride: number, padding: number, affine: boolean, pool: 'max' | 'avg' = 'max') {
    super();
    const p = pool === 'max' ? new nn.MaxPool2d(kernel, { stride, padding }) : new nn.AvgPool2d(kernel, { stride, padding, countIncludePad: true });
    this.op = this.registerModule('op', cIn === cOut ? p : new nn.Sequential(p, new nn.Conv2d(cIn, cOut, 1, { bias: false }), new nn.BatchNorm2d(cOut, { eps: 1e-3, affine })));
  }
  forward(x: Tensor): Tensor {
    return this.op.forward(x);
  }
}

/**
 * FactorizedReduce that also halves odd sizes: the shifted branch reads the input padded by one
 * zero row and column at the bottom-right, so both branches give ⌈H/2⌉ × ⌈W/2⌉ (on even sizes it
 * equals DARTS' FactorizedReduce).
 */
export class PaddedFactorizedReduce extends FactorizedReduce {
  protected override shiftedInput(r: Tensor): Tensor {
    return torch.tidy(() => super.shiftedInput(torch.pad(r, [0, 1, 0, 1])));
  }
}

export interface SharpOpsOptions {
  /** Middle width of the choke ops (sharpDARTS `--mid_channels`, default 32). */
  midChannels?: number;
}

/**
 * sharpDARTS' op table (kernel, padding, dilation, middle width per methods.md §3.1). Where the
 * reference dict names flood_conv_3x3 twice, the later entry (padding 1) is the one in effect.
 * dil_flood_conv_5x5 is omitted: its padding 2 shrinks the output, which is why sharpDARTS
 * leaves it out of every primitive list.
 */
export function sharpOps(o: SharpOpsOptions = {}): OpTable {
  const choke = o.midChannels ?? 32;
  if (!Number.isInteger(choke) || choke < 1) throw new Error(`sharpOps: midChannels must be a positive integer, got ${choke}`);
  const sharp = (k: number, pad: number, dil: number, mid: (c: number) => number): OpTable[string] => (c, stride, affine, pre) => new SharpSepConv(c, c, k, stride, pad, dil, affine, mid(c), pre);
  const same = (c: number) => c;
  const flood = (c: number) => 4 * c;
  const chokeWidth = () => choke;
  return {
    none: (_c, stride) => new Zero(stride),
    max_pool_3x3: (c, stride, affine) => new ResizablePool(c, c, 3, stride, 1, affine, 'max'),
    avg_pool_3x3: (c, stride, affine) => new ResizablePool(c, c, 3, stride, 1, affine, 'avg'),
    skip_connect: (c, stride, affine, pre) => (stride === 1 ? new nn.Identity() : new PaddedFactorizedReduce(c, c, affine, pre)),
    sep_conv_3x3: sharp(3, 1, 1, same),
    sep_conv_5x5: sharp(5, 2, 1, same),
    sep_conv_7x7: sharp(7, 3, 1, same),
    dil_conv_3x3: sharp(3, 2, 2, same),
    dil_conv_5x5: sharp(5, 4, 2, same),
    flood_conv_3x3: sharp(3, 1, 1, flood),
    flood_conv_5x5: sharp(5, 2, 1, flood),
    dil_flood_conv_3x3: sharp(3, 2, 2, flood),
    choke_conv_3x3: sharp(3, 1, 1, chokeWidth),
    dil_choke_conv_3x3: sharp(3, 2, 2, chokeWidth),
  };
}

/** sharpDARTS' table with the default 32 choke channels. */
export const SHARP_OPS: OpTable = sharpOps();

/** The supernet's version of a table's ops (see searchOpsOf; sharpDARTS' MixedOp builds them as DARTS'). */
export function sharpSearchOp(table: OpTable = SHARP_OPS): OpFactory {
  return searchOpsOf(table, 'sharpDARTS');
}
