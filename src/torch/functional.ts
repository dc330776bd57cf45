// Functions over tensors that are not methods in PyTorch either: joins, NN layers' maths, losses.
import { backends } from './backends.js';
import { native } from './native.js';
import { call, callRaw, describeValue, formatCode, handleOf, type MemoryFormat, optionalHandle, Tensor, type TensorOrScalar } from './tensor.js';
import { tidy } from './scope.js';

type Pair = number | [number, number];
const pair = (v: Pair): number[] => (Array.isArray(v) ? [v[0], v[1]] : [v, v]);

function assertTensor(op: string, x: unknown, what: string): asserts x is Tensor {
  if (!(x instanceof Tensor)) throw new TypeError(`${op}: expected ${what} to be a Tensor, got ${describeValue(x)}`);
}

function assertRank(op: string, x: Tensor, rank: number, what = 'input'): void {
  assertTensor(op, x, what);
  const s = x.shape;
  if (s.length !== rank) throw new Error(`${op}: expected a ${rank}-D ${what}, got shape [${s.join(', ')}]`);
}

export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  return call('cat', () => native.cat(tensors.map((t) => handleOf(t)), dim, backends.channelsLastCat));
}
/**
 * [x[:, :, 0::2, 0::2], x[:, :, 1::2, 1::2]] as dense tensors in x's layout: the inputs of a
 * FactorizedReduce's two stride-2 1×1 convolutions, which then run at stride 1. Channels-last CPU
 * tensors of even height and width take one copy forward and one pass backward (the input gradient
 * written once, where slices give two zero-filled copies and a sum); anything else slices.
 */
export function factorizedReduceInputs(x: Tensor): [Tensor, Tensor] {
  assertRank('factorizedReduceInputs', x, 4);
  const fused = callRaw('factorizedReduceInputs', () => native.factorizedReduceInputs(handleOf(x)));
  if (fused) return [new Tensor(fused[0]!), new Tensor(fused[1]!)];
  const layout: MemoryFormat = x.isContiguous('channelsLast') && !x.isContiguous() ? 'channelsLast' : 'contiguous';
  return tidy(() => [x.slice(2, null, null, 2).slice(3, null, null, 2).contiguous(layout), x.slice(2, 1, null, 2).slice(3, 1, null, 2).contiguous(layout)] as [Tensor, Tensor]);
}

/**
 * relu(cat(tensors, dim)) as one op: a DARTS cell's output, which every reader but the classifier
 * takes through a ReLU. Channels-last CPU float tensors along the channels take one pass forward and
 * one backward (the ReLU's mask applied as the gradient is split), the values and gradients of the
 * two ops bit for bit; anything else runs them in turn.
 */
export function reluCat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!backends.fuseReLUCat) return tidy(() => cat(tensors, dim).relu());
  return call('reluCat', () => native.reluCat(tensors.map((t) => handleOf(t)), dim, backends.channelsLastCat));
}

/**
 * x split along the channels (dim 1) into pieces of the given widths, each a contiguous copy in x's
 * memory format: `x.split(widths, 1)` with `.contiguous()` on every piece. Channels-last 4-D CPU
 * tensors take one pass that copies pixel rows, and a backward that joins the pieces' gradients in
 * one pass (where views of x would each give back a zero-filled x-sized gradient, summed after).
 */
export function splitChannels(x: Tensor, widths: readonly number[]): Tensor[] {
  assertTensor('splitChannels', x, 'input');
  return callRaw('splitChannels', () => native.splitChannels(handleOf(x), [...widths])).map((h) => new Tensor(h));
}

/**
 * a / da + b / db, with da and db one divisor per sample (shape N×1×…, broadcast over the rest) or
 * null for none: a drop-path node of a trained cell (nn.dropPathSum). On CPU float32/float64 with a
 * and b of one shape and layout it runs in one pass forward and one backward
 * (src/native/ops_drop_path_sum.cc), with the values and gradients of the composed ops bit for bit.
 */
export function perSampleQuotientSum(a: Tensor, da: Tensor | null, b: Tensor, db: Tensor | null): Tensor {
  if (backends.fuseDropPathSum && (da || db)) {
    const fused = callRaw('perSampleQuotientSum', () => native.dropPathSum(handleOf(a), da ? handleOf(da) : null, handleOf(b), db ? handleOf(db) : null));
    if (fused !== null) return new Tensor(fused);
  }
  return tidy(() => (da ? a.div(da) : a).add(db ? b.div(db) : b));
}

/**
 * Σ_i weights[i] · tensors[i] for same-shaped tensors and a 1-D `weights` with one entry per tensor,
 * in one pass (CPU float32/float64; elsewhere as separate multiplies and additions). The value
 * equals `tensors[0].mul(w[0]).add(tensors[1].mul(w[1]))…` bit for bit, and so do the tensors'
 * gradients; the weights' gradient is summed in double (src/native/ops_weighted_sum.cc).
 */
export function weightedSum(tensors: readonly Tensor[], weights: Tensor): Tensor {
  if (tensors.length === 0) throw new Error('weightedSum: expected at least one tensor');
  return call('weightedSum', () => native.weightedSum(tensors.map((t) => handleOf(t)), handleOf(weights)));
}

export function stack(tensors: readonly Tensor[], dim = 0): Tensor {
  return call('stack', () => native.stack(tensors.map((t) => handleOf(t)), dim));
}
export function where(condition: Tensor, x: TensorOrScalar, y: TensorOrScalar): Tensor {
  return call('where', () => native.where(handleOf(condition), typeof x === 'number' ? x : handleOf(x), typeof y === 'number' ? y : handleOf(y)));
}
export function matmul(a: Tensor, b: Tensor): Tensor { return a.matmul(b); }

export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  assertTensor('linear', x, 'input');
  assertTensor('linear', weight, 'weight');
  return call('linear', () => native.linear(handleOf(x), handleOf(weight), optionalHandle(bias)));
}

export interface Conv2dOptions {
  bias?: Tensor | null;
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
  groups?: number;
}
export function conv2d(x: Tensor, weight: Tensor, o: Conv2dOptions = {}): Tensor {
  assertRank('conv2d', x, 4);
  assertRank('conv2d', weight, 4, 'weight');
  const stride = pair(o.stride ?? 1);
  const padding = pair(o.padding ?? 0);
  const dilation = pair(o.dilation ?? 1);
  const groups = o.groups ?? 1;
  if (backends.fastDepthwiseConv && isDepthwise(x, weight, groups)) {
    // Same values as libtorch's conv2d; a backward 10× faster on CPU (see src/native/ops_depthwise.cc).
    return call('conv2d', () => native.depthwiseConv2d(handleOf(x), handleOf(weight), optionalHandle(o.bias), stride, padding, dilation));
  }
  return call('conv2d', () => native.conv2d(handleOf(x), handleOf(weight), optionalHandle(o.bias), stride, padding, dilation, groups));
}

export interface SeparableConv2dOptions {
  stride?: Pair;
  padding?: Pair;
  dilation?: Pair;
}
/**
 * conv2d(conv2d(x, depthwiseWeight, {groups: C, stride, padding, dilation}), pointwiseWeight):
 * a depthwise convolution ([C, 1, kh, kw], one filter per channel) then a 1×1 convolution
 * ([Cout, C, 1, 1]), both without bias. The same values and gradients as the two calls, but the
 * depthwise output is recomputed during backward instead of kept for it (src/native/ops_separable.cc).
 */
export function separableConv2d(x: Tensor, depthwiseWeight: Tensor, pointwiseWeight: Tensor, o: SeparableConv2dOptions = {}): Tensor {
  assertRank('separableConv2d', x, 4);
  assertRank('separableConv2d', depthwiseWeight, 4, 'depthwise weight');
  assertRank('separableConv2d', pointwiseWeight, 4, 'pointwise weight');
  return call('separableConv2d', () =>
    native.separableConv2d(handleOf(x), handleOf(depthwiseWeight), handleOf(pointwiseWeight), pair(o.stride ?? 1), pair(o.padding ?? 0), pair(o.dilation ?? 1)),
  );
}

/** One filter per channel and as many outputs as inputs: groups = in = out channels. */
function isDepthwise(x: Tensor, weight: Tensor, groups: number): boolean {
  if (groups === 1) return false;
  const ws = weight.shape;
  return x.shape[1] === groups && ws[0] === groups && ws[1] === 1;
}

export interface Pool2dOptions {
  stride?: Pair | null;
  padding?: Pair;
  ceilMode?: boolean;
}
export function maxPool2d(x: Tensor, kernelSize: Pair, o: Pool2dOptions & { dilation?: Pair } = {}): Tensor {
  return call('maxPool2d', () =>
    native.maxPool2d(handleOf(x), pair(kernelSize), pair(o.stride ?? kernelSize), pair(o.padding ?? 0), pair(o.dilation ?? 1), o.ceilMode ?? false),
  );
}
export function avgPool2d(x: Tensor, kernelSize: Pair, o: Pool2dOptions & { countIncludePad?: boolean; divisorOverride?: number } = {}): Tensor {
  return call('avgPool2d', () =>
    native.avgPool2d(handleOf(x), pair(kernelSize), pair(o.stride ?? kernelSize), pair(o.padding ?? 0), o.ceilMode ?? false, o.countIncludePad ?? true, o.divisorOverride ?? null),
  );
}
export function adaptiveAvgPool2d(x: Tensor, outputSize: Pair): Tensor {
  return call('adaptiveAvgPool2d', () => native.adaptiveAvgPool2d(handleOf(x), pair(outputSize)));
}

export interface BatchNormOptions {
  weight?: Tensor | null;
  bias?: Tensor | null;
  runningMean?: Tensor | null;
  runningVar?: Tensor | null;
  training?: boolean;
  momentum?: number;
  eps?: number;
  /**
   * Apply ReLU to the result in the same op: relu(batchNorm(x)) bit for bit, with one pass over
   * memory fewer each way in training mode on CPU (our kernels), batchNorm then relu elsewhere.
   */
  relu?: boolean;
  /**
   * One divisor per sample (N values, no gradient): the result is batchNorm(x) / divisor[n], a
   * drop-path term (nn.dropPath's divisors). With `addend` (x's shape), `addend` is added after:
   * a trained DARTS cell's node, bit for bit perSampleQuotientSum's, without the batch norm's output
   * written out and read back (training mode on CPU, channels-last; composed elsewhere). Not with relu.
   */
  divisor?: Tensor | null;
  addend?: Tensor | null;
}
/** Batch normalisation; in training mode the running statistics (if given) are updated in place. */
export function batchNorm(x: Tensor, o: BatchNormOptions = {}): Tensor {
  const training = o.training ?? false;
  if (!training && (!o.runningMean || !o.runningVar)) throw new Error('batchNorm: evaluation mode needs runningMean and runningVar (or pass training: true)');
  return call('batchNorm', () =>
    native.batchNorm(handleOf(x), optionalHandle(o.weight), optionalHandle(o.bias), optionalHandle(o.runningMean), optionalHandle(o.runningVar), training, o.momentum ?? 0.1, o.eps ?? 1e-5, o.relu ?? false, optionalHandle(o.divisor), optionalHandle(o.addend)),
  );
}

/**
 * Training-mode batch norm of x's channels split into pieces of the given widths, each piece with
 * its own weight, bias and running statistics (`pieces`, one per width): the batch norms of
 * adjacent channel ranges of one tensor, as the separate batch norms of a split would give them (up
 * to the order of the double-precision sums of the statistics). Channels-last CPU tensors run as one
 * op whose pieces come out dense and whose backward writes x's gradient once; anything else splits
 * (torch.splitChannels) and normalises piece by piece.
 */
export function batchNormPieces(x: Tensor, widths: readonly number[], pieces: readonly Omit<BatchNormOptions, 'training' | 'relu' | 'divisor' | 'addend'>[], o: { momentum?: number; eps?: number } = {}): Tensor[] {
  assertTensor('batchNormPieces', x, 'input');
  if (pieces.length !== widths.length) throw new Error(`batchNormPieces: ${widths.length} widths but ${pieces.length} pieces`);
  const momentum = o.momentum ?? 0.1;
  const eps = o.eps ?? 1e-5;
  const handles = (k: 'weight' | 'bias' | 'runningMean' | 'runningVar') => pieces.map((p) => optionalHandle(p[k]));
  const fused = callRaw('batchNormPieces', () => native.batchNormPieces(handleOf(x), handles('weight'), handles('bias'), handles('runningMean'), handles('runningVar'), momentum, eps, [...widths]));
  if (fused) return fused.map((h) => new Tensor(h));
  return splitChannels(x, widths).map((piece, i) => {
    const out = batchNorm(piece, { ...pieces[i], training: true, momentum, eps });
    piece.dispose();
    return out;
  });
}

export function dropout(x: Tensor, p = 0.5, training = true): Tensor {
  if (p < 0 || p > 1) throw new RangeError(`dropout: probability must be in [0, 1], got ${p}`);
  return call('dropout', () => native.dropout(handleOf(x), p, training));
}

export type Reduction = 'none' | 'mean' | 'sum';
const REDUCTION: Record<Reduction, number> = { none: 0, mean: 1, sum: 2 };
function reductionCode(r: Reduction): number {
  const c = REDUCTION[r];
  if (c === undefined) throw new TypeError(`unknown reduction '${r}' (use 'none', 'mean' or 'sum')`);
  return c;
}

export interface LossOptions {
  weight?: Tensor | null;
  reduction?: Reduction;
  ignoreIndex?: number;
}
export function crossEntropy(logits: Tensor, target: Tensor, o: LossOptions & { labelSmoothing?: number } = {}): Tensor {
  return call('crossEntropy', () =>
    native.crossEntropy(handleOf(logits), handleOf(target), optionalHandle(o.weight), reductionCode(o.reduction ?? 'mean'), o.ignoreIndex ?? -100, o.labelSmoothing ?? 0),
  );
}
export function nllLoss(logProbs: Tensor, target: Tensor, o: LossOptions = {}): Tensor {
  return call('nllLoss', () => native.nllLoss(handleOf(logProbs), handleOf(target), optionalHandle(o.weight), reductionCode(o.reduction ?? 'mean'), o.ignoreIndex ?? -100));
}

/** PyTorch's F.pad: `pads` lists (left, right) pairs starting from the last dimension. */
export function pad(x: Tensor, pads: readonly number[], mode: 'constant' | 'reflect' | 'replicate' | 'circular' = 'constant', value = 0): Tensor {
  return call('pad', () => native.pad(handleOf(x), [...pads], mode, mode === 'constant' ? value : null));
}
export function oneHot(x: Tensor, numClasses = -1): Tensor {
  return call('oneHot', () => native.oneHot(handleOf(x), numClasses));
}
export function contiguous(x: Tensor, memoryFormat: MemoryFormat = 'contiguous'): Tensor {
  return call('contiguous', () => native.contiguous(handleOf(x), formatCode(memoryFormat)));
}
