// The DARTS CNN space's candidate operations, built as in quark0/darts cnn/operations.py:
// ReLU-Conv-BN ordering, separable convs applied twice, dilated convs once, FactorizedReduce for
// strided skips, convs without bias. `affine` is false in the supernet and true in the network
// trained from a genotype.
import * as nn from '../../nn/index.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { OpFactory } from '../types.js';

/**
 * Name → builder of an op with C channels in and out; `preActivated` omits the leading ReLU (see
 * ExpectsReLUInput). DARTS_OPS and sharpDARTS' tables have this shape, so a DARTS-like space takes either.
 */
export type OpTable = Record<string, (c: number, stride: number, affine: boolean, preActivated: boolean) => nn.Module>;

/**
 * Marks an op built without its leading ReLU: the supernet edge applies ReLU once to the edge's
 * input and feeds every such op, instead of each op computing (and saving) its own copy.
 */
export interface ExpectsReLUInput {
  readonly expectsReLUInput: boolean;
}

export function expectsReLUInput(m: unknown): boolean {
  return (m as Partial<ExpectsReLUInput>).expectsReLUInput === true;
}

/** The op's own leading ReLU, unless it is built for an edge that applies it (see ExpectsReLUInput). */
export const leadingReLU = (preActivated: boolean): nn.Module[] => (preActivated ? [] : [new nn.ReLU()]);

/** ReLU → Conv(k, stride, padding) → BN: the reference's ReLUConvBN. */
export class ReLUConvBN extends nn.Module implements ExpectsReLUInput {
  readonly op: nn.Sequential;
  constructor(cIn: number, cOut: number, kernel: number, stride: number, padding: number, affine: boolean, readonly expectsReLUInput = false) {
    super();
    this.op = this.registerModule('op', new nn.Sequential(...leadingReLU(expectsReLUInput), new nn.Conv2d(cIn, cOut, kernel, { stride, padding, bias: false }), new nn.BatchNorm2d(cOut, { affine })));
  }
  forward(x: Tensor): Tensor {
    return this.op.forward(x);
  }
}

/** The 1×1 convolution and batch norm of a ReLUConvBN that a sibling reading the same input can join (see runReLUConvBNsTogether). */
function joinableParts(m: nn.Module): { conv: nn.Conv2d; bn: nn.BatchNorm2d } | null {
  if (!nn.plain(m, ReLUConvBN) || m.op.length !== 3 || !nn.plain(m.op.at(0), nn.ReLU)) return null;
  const conv = m.op.at(1);
  const bn = m.op.at(2);
  if (!nn.plain(conv, nn.Conv2d) || !nn.plain(bn, nn.BatchNorm2d) || conv.bias || conv.groups !== 1) return null;
  const [, , kh, kw] = conv.weight.shape;
  const unit = (p: [number, number], v: number) => p[0] === v && p[1] === v;
  return kh === 1 && kw === 1 && unit(conv.stride, 1) && unit(conv.padding, 0) && unit(conv.dilation, 1) ? { conv, bn } : null;
}

/**
 * The outputs of several 1×1 ReLUConvBNs that read the same input, given that input's ReLU, or null
 * when fewer than two are given or one is not such an op. Their convolutions run as one, with their
 * weights stacked (a DARTS cell's output feeds the 1×1 preprocessing of the next two cells): one
 * pass over the input forward and one input gradient backward instead of one each plus their sum,
 * and a wider GEMM (measured 55 → 43 ms forward + backward for two 144→36 convs at 96×32×32). Each
 * op's batch norm normalises its channel range of the joined output (nn.batchNormsOverChannels),
 * writing its own dense output. The values are the ops' own, up to float summation order in the
 * input gradient and the batch norm statistics; `torch.backends.joinSiblingConvs = false`
 * (DNAS_JOIN_SIBLING_CONVS=0) runs them apart.
 */
export function runReLUConvBNsTogether(ops: readonly nn.Module[], relu: Tensor): Tensor[] | null {
  if (ops.length < 2 || !torch.backends.joinSiblingConvs) return null;
  const parts = ops.map(joinableParts);
  if (parts.some((p) => p === null || p.conv.inChannels !== relu.shape[1])) return null;
  const joined = parts as { conv: nn.Conv2d; bn: nn.BatchNorm2d }[];
  if (joined.some((p) => p.bn.numFeatures !== p.conv.outChannels)) return null;
  return torch.tidy(() => nn.batchNormsOverChannels(torch.conv2d(relu, torch.cat(joined.map((p) => p.conv.weight), 0)), joined.map((p) => p.bn)));
}

/** Depthwise dilated conv then pointwise conv, applied once. */
export class DilConv extends nn.Module implements ExpectsReLUInput {
  readonly op: nn.Sequential;
  constructor(cIn: number, cOut: number, kernel: number, stride: number, padding: number, dilation: number, affine: boolean, readonly expectsReLUInput = false) {
    super();
    this.op = this.registerModule(
      'op',
      new nn.Sequential(
        ...leadingReLU(expectsReLUInput),
        new nn.Conv2d(cIn, cIn, kernel, { stride, padding, dilation, groups: cIn, bias: false }),
        new nn.Conv2d(cIn, cOut, 1, { bias: false }),
        new nn.BatchNorm2d(cOut, { affine }),
      ),
    );
  }
  forward(x: Tensor): Tensor {
    return this.op.forward(x);
  }
}

/** The separable block applied twice; only the first depthwise conv carries the stride. */
export class SepConv extends nn.Module implements ExpectsReLUInput {
  readonly op: nn.Sequential;
  constructor(cIn: number, cOut: number, kernel: number, stride: number, padding: number, affine: boolean, readonly expectsReLUInput = false) {
    super();
    this.op = this.registerModule(
      'op',
      new nn.Sequential(
        ...leadingReLU(expectsReLUInput),
        new nn.Conv2d(cIn, cIn, kernel, { stride, padding, groups: cIn, bias: false }),
        new nn.Conv2d(cIn, cIn, 1, { bias: false }),
        new nn.BatchNorm2d(cIn, { affine }),
        new nn.ReLU(),
        new nn.Conv2d(cIn, cIn, kernel, { stride: 1, padding, groups: cIn, bias: false }),
        new nn.Conv2d(cIn, cOut, 1, { bias: false }),
        new nn.BatchNorm2d(cOut, { affine }),
      ),
    );
  }
  forward(x: Tensor): Tensor {
    return this.op.forward(x);
  }
}

/** The 'none' op: zeros of the output's shape (strided like the op it stands for). */
export class Zero extends nn.Module {
  constructor(readonly stride: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    if (this.stride === 1) return x.mul(0);
    return x.slice(2, null, null, this.stride).slice(3, null, null, this.stride).mul(0);
  }
}

/**
 * R-DARTS' 'noise' op (space S4; automl/RobustDARTS src/operations.py NoiseOp): Gaussian noise
 * N(0, 1), unscaled, of the shape of the input subsampled by the stride (x[:, :, ::s, ::s]). It
 * ignores the input's values, so no gradient flows back through it; it draws from the global RNG,
 * so a seeded or resumed run sees the same noise.
 */
export class NoiseOp extends nn.Module {
  constructor(readonly stride: number, readonly mean = 0, readonly std = 1) {
    super();
  }
  forward(x: Tensor): Tensor {
    const s = this.stride === 1 ? x : x.slice(2, null, null, this.stride).slice(3, null, null, this.stride);
    const noise = torch.noGrad(() => torch.emptyLike(s).normal_(this.mean, this.std));
    if (s !== x) s.dispose();
    return noise;
  }
}

/**
 * Halves the resolution without losing every other pixel: two stride-2 1×1 convs, the second on
 * the input shifted by one pixel, concatenated on channels.
 */
export class FactorizedReduce extends nn.Module implements ExpectsReLUInput {
  readonly relu: nn.Module;
  readonly conv_1: nn.Conv2d;
  readonly conv_2: nn.Conv2d;
  readonly bn: nn.BatchNorm2d;
  constructor(cIn: number, cOut: number, affine: boolean, readonly expectsReLUInput = false) {
    super();
    if (cOut % 2 !== 0) throw new Error(`FactorizedReduce needs an even number of output channels, got ${cOut}`);
    this.relu = this.registerModule('relu', expectsReLUInput ? new nn.Identity() : new nn.ReLU());
    this.conv_1 = this.registerModule('conv_1', new nn.Conv2d(cIn, cOut / 2, 1, { stride: 2, bias: false }));
    this.conv_2 = this.registerModule('conv_2', new nn.Conv2d(cIn, cOut / 2, 1, { stride: 2, bias: false }));
    this.bn = this.registerModule('bn', new nn.BatchNorm2d(cOut, { affine }));
  }
  forward(x: Tensor): Tensor {
    const r = this.relu.forward(x);
    const out = this.forwardAfterReLU(r);
    if (r !== x) r.dispose();
    return out;
  }
  /** The layers after the leading ReLU, given its output `r` (a ReLU shared with other readers of x). */
  forwardAfterReLU(r: Tensor): Tensor {
    const [a, b] = this.subsampledConvs(r) ?? [this.conv_1.forward(r), torch.tidy(() => this.conv_2.forward(this.shiftedInput(r)))];
    const joined = torch.cat([a, b], 1);
    const out = this.bn.forward(joined);
    for (const t of [a, b, joined]) t.dispose();
    return out;
  }
  /**
   * The two convolutions' outputs computed from the pixels they read, copied out dense
   * (torch.factorizedReduceInputs) and convolved at stride 1: one pass writes the input gradient
   * instead of slices' zero-filled copies and a sum. Null for a subclass (another shift) or a plain
   * conv replaced by a hook.
   */
  private subsampledConvs(r: Tensor): [Tensor, Tensor] | null {
    if (this.constructor !== FactorizedReduce || !nn.plain(this.conv_1, nn.Conv2d) || !nn.plain(this.conv_2, nn.Conv2d)) return null;
    const [, , h, w] = r.shape as [number, number, number, number];
    if (h % 2 !== 0 || w % 2 !== 0) return null;
    return torch.tidy(() => {
      const [even, odd] = torch.factorizedReduceInputs(r);
      return [torch.conv2d(even, this.conv_1.weight, { bias: this.conv_1.bias }), torch.conv2d(odd, this.conv_2.weight, { bias: this.conv_2.bias })] as [Tensor, Tensor];
    });
  }
  /** The second conv's input: shifted by one pixel, so the two stride-2 convs read disjoint pixels. */
  protected shiftedInput(r: Tensor): Tensor {
    return r.slice(2, 1).slice(3, 1);
  }
}

/** Candidate ops of the DARTS space in alpha-column order (quark0/darts genotypes.PRIMITIVES). */
/** `pre`: build the op without its leading ReLU (see ExpectsReLUInput). */
export const DARTS_OPS: OpTable = {
  none: (_c, stride) => new Zero(stride),
  noise: (_c, stride) => new NoiseOp(stride),
  avg_pool_3x3: (_c, stride) => new nn.AvgPool2d(3, { stride, padding: 1, countIncludePad: false }),
  max_pool_3x3: (_c, stride) => new nn.MaxPool2d(3, { stride, padding: 1 }),
  skip_connect: (c, stride, affine, pre) => (stride === 1 ? new nn.Identity() : new FactorizedReduce(c, c, affine, pre)),
  sep_conv_3x3: (c, stride, affine, pre) => new SepConv(c, c, 3, stride, 1, affine, pre),
  sep_conv_5x5: (c, stride, affine, pre) => new SepConv(c, c, 5, stride, 2, affine, pre),
  sep_conv_7x7: (c, stride, affine, pre) => new SepConv(c, c, 7, stride, 3, affine, pre),
  dil_conv_3x3: (c, stride, affine, pre) => new DilConv(c, c, 3, stride, 2, 2, affine, pre),
  dil_conv_5x5: (c, stride, affine, pre) => new DilConv(c, c, 5, stride, 4, 2, affine, pre),
};

/** Builds an op of `table` (called `tableName` in errors); unknown names are a clear error listing the known ones. */
function buildOp(table: OpTable, tableName: string, primitive: string, channels: number, stride: number, affine: boolean, preActivated: boolean): nn.Module {
  const make = table[primitive];
  if (!make) throw new Error(`unknown ${tableName} op '${primitive}' (known: ${Object.keys(table).join(', ')})`);
  return make(channels, stride, affine, preActivated);
}

/** Builds a DARTS op; unknown names are a clear error listing the known ones. */
export function createDartsOp(primitive: string, channels: number, stride: number, affine: boolean, preActivated = false): nn.Module {
  return buildOp(DARTS_OPS, 'DARTS', primitive, channels, stride, affine, preActivated);
}

/**
 * The supernet's version of a table's ops, as the reference MixedOp (quark0/darts, and sharpDARTS
 * after it) builds them: non-affine BN, no leading ReLU (the edge applies it once), and pools
 * followed by a non-affine BN (so a pool's output scale is comparable to the convs').
 */
export function searchOpsOf(table: OpTable, tableName: string): OpFactory {
  return (primitive, channels, stride) => {
    const op = buildOp(table, tableName, primitive, channels, stride, false, true);
    return primitive.includes('pool') ? new nn.Sequential(op, new nn.BatchNorm2d(channels, { affine: false })) : op;
  };
}

/** The DARTS supernet's version of an op (see searchOpsOf). */
export const createDartsSearchOp: OpFactory = searchOpsOf(DARTS_OPS, 'DARTS');
