// Tensor creation: from JS data, constants, ranges and random draws.
import { type DType, dtypeCode, dtypeOfTypedArray } from './dtype.js';
import { native } from './native.js';
import { call, type Device, handleOf, type Tensor } from './tensor.js';

export interface CreateOptions {
  dtype?: DType;
  device?: Device;
  requiresGrad?: boolean;
}

type Nested = number | boolean | bigint | Nested[];

function finish(t: Tensor, o: CreateOptions): Tensor {
  if (o.requiresGrad) t.requiresGrad_(true);
  return t;
}

function dt(o: CreateOptions): number | null {
  return o.dtype === undefined ? null : dtypeCode(o.dtype);
}

function inferShape(data: Nested): number[] {
  const shape: number[] = [];
  let cur: Nested = data;
  while (Array.isArray(cur)) {
    shape.push(cur.length);
    cur = cur[0] as Nested;
  }
  return shape;
}

function flattenNested(data: Nested, shape: number[], dim: number, out: (number | boolean | bigint)[]): void {
  if (dim === shape.length) {
    if (Array.isArray(data)) throw new TypeError('tensor: nested arrays are ragged (deeper than the first element)');
    const kind = typeof data;
    if (kind !== 'number' && kind !== 'boolean' && kind !== 'bigint') throw new TypeError(`tensor: expected numbers, booleans or bigints, got ${data === null ? 'null' : kind}`);
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[dim]) {
    throw new TypeError(`tensor: nested arrays are ragged: expected length ${shape[dim]} at depth ${dim}, got ${Array.isArray(data) ? data.length : 'a scalar'}`);
  }
  for (const d of data) flattenNested(d, shape, dim + 1, out);
}

/**
 * Creates a tensor from nested arrays, a flat array or typed array plus `shape`, or a scalar.
 * Numbers default to float32 (like torch.tensor with floats), booleans to bool, bigints to int64.
 */
export function tensor(data: Nested | ArrayBufferView | readonly number[], opts: CreateOptions & { shape?: readonly number[] } = {}): Tensor {
  let shape: number[];
  let dtype: DType;
  let buffer: ArrayBufferView;
  if (ArrayBuffer.isView(data)) {
    dtype = opts.dtype ?? dtypeOfTypedArray(data);
    shape = opts.shape ? [...opts.shape] : [(data as Uint8Array).length];
    const natural = dtypeOfTypedArray(data);
    buffer = data;
    if (natural !== dtype) {
      const t = call('tensor', () => native.fromBuffer(buffer, shape, dtypeCode(natural), null));
      const out = t.to({ dtype, device: opts.device ?? 'cpu' });
      t.dispose();
      return finish(out, opts);
    }
  } else {
    const flat: (number | boolean | bigint)[] = [];
    const inferred = inferShape(data as Nested);
    flattenNested(data as Nested, inferred, 0, flat);
    shape = opts.shape ? [...opts.shape] : inferred;
    const first = flat[0];
    dtype = opts.dtype ?? (typeof first === 'boolean' ? 'bool' : typeof first === 'bigint' ? 'int64' : 'float32');
    buffer = packFlat(flat, dtype);
  }
  const n = shape.reduce((a, b) => a * b, 1);
  const len = (buffer as Uint8Array).length;
  if (n !== len) throw new Error(`tensor: shape [${shape.join(', ')}] needs ${n} elements but the data has ${len}`);
  return finish(call('tensor', () => native.fromBuffer(buffer, shape, dtypeCode(dtype), opts.device ?? null)), opts);
}

function packFlat(flat: (number | boolean | bigint)[], dtype: DType): ArrayBufferView {
  const num = (v: number | boolean | bigint) => Number(v);
  switch (dtype) {
    case 'float32': return Float32Array.from(flat, num);
    case 'float64': return Float64Array.from(flat, num);
    case 'int32': return Int32Array.from(flat, num);
    case 'int64': return BigInt64Array.from(flat, (v) => (typeof v === 'bigint' ? v : BigInt(Math.trunc(Number(v)))));
    case 'uint8': return Uint8Array.from(flat, num);
    // Any non-zero value (NaN included, as in PyTorch) is true; a raw 2 or 255 in a bool tensor is
    // undefined behaviour in libtorch and breaks comparisons.
    case 'bool': return Uint8Array.from(flat, (v) => (Number(v) !== 0 ? 1 : 0));
    default: throw new TypeError(`tensor: cannot build ${dtype} from JS numbers; build float32 and call .to('${dtype}')`);
  }
}

function filled(op: string, shape: readonly number[], value: number | boolean | null, opts: CreateOptions): Tensor {
  return finish(call(op, () => native.full([...shape], value, dt(opts), opts.device ?? null)), opts);
}
export function full(shape: readonly number[], value: number | boolean, opts: CreateOptions = {}): Tensor { return filled('full', shape, value, opts); }
export function zeros(shape: readonly number[], opts: CreateOptions = {}): Tensor { return filled('zeros', shape, 0, opts); }
export function ones(shape: readonly number[], opts: CreateOptions = {}): Tensor { return filled('ones', shape, 1, opts); }
export function empty(shape: readonly number[], opts: CreateOptions = {}): Tensor { return filled('empty', shape, null, opts); }
/** `arange(end)` or `arange(start, end, step)`; integer arguments give int64 like PyTorch. */
export function arange(start: number, end?: number, step = 1, opts: CreateOptions = {}): Tensor {
  const [s, e] = end === undefined ? [0, start] : [start, end];
  const integral = Number.isInteger(s) && Number.isInteger(e) && Number.isInteger(step);
  const dtype = opts.dtype ?? (integral ? 'int64' : 'float32');
  return finish(call('arange', () => native.arange(s, e, step, dtypeCode(dtype), opts.device ?? null)), opts);
}
export function linspace(start: number, end: number, steps: number, opts: CreateOptions = {}): Tensor {
  return finish(call('linspace', () => native.linspace(start, end, steps, dt(opts), opts.device ?? null)), opts);
}
export function eye(n: number, m = n, opts: CreateOptions = {}): Tensor {
  return finish(call('eye', () => native.eye(n, m, dt(opts), opts.device ?? null)), opts);
}
/** Uniform on [0, 1). */
export function rand(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return finish(call('rand', () => native.random(0, [...shape], 0, 0, dt(opts), opts.device ?? null)), opts);
}
/** Standard normal. */
export function randn(shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return finish(call('randn', () => native.random(1, [...shape], 0, 0, dt(opts), opts.device ?? null)), opts);
}
/** Integers uniform on [low, high). */
export function randint(low: number, high: number, shape: readonly number[], opts: CreateOptions = {}): Tensor {
  return finish(call('randint', () => native.random(2, [...shape], low, high, dt(opts), opts.device ?? null)), opts);
}
export function randperm(n: number, opts: CreateOptions = {}): Tensor {
  return call('randperm', () => native.randperm(n, dt(opts), opts.device ?? null));
}
function likeOpts(x: Tensor, o: CreateOptions): CreateOptions {
  return { dtype: o.dtype ?? x.dtype, device: o.device ?? x.device, requiresGrad: o.requiresGrad };
}
export function zerosLike(x: Tensor, opts: CreateOptions = {}): Tensor { return zeros(x.shape, likeOpts(x, opts)); }
export function onesLike(x: Tensor, opts: CreateOptions = {}): Tensor { return ones(x.shape, likeOpts(x, opts)); }
export function fullLike(x: Tensor, value: number, opts: CreateOptions = {}): Tensor { return full(x.shape, value, likeOpts(x, opts)); }
export function emptyLike(x: Tensor, opts: CreateOptions = {}): Tensor { return empty(x.shape, likeOpts(x, opts)); }
export function randnLike(x: Tensor, opts: CreateOptions = {}): Tensor { return randn(x.shape, likeOpts(x, opts)); }
export function randLike(x: Tensor, opts: CreateOptions = {}): Tensor { return rand(x.shape, likeOpts(x, opts)); }
/** Draws 0/1 with the probabilities in `p` (or with probability `prob` in the shape of `p`). */
export function bernoulli(p: Tensor, prob?: number): Tensor {
  return call('bernoulli', () => (prob === undefined ? native.bernoulli(handleOf(p)) : native.bernoulli(handleOf(p), prob)));
}
export function multinomial(probs: Tensor, numSamples: number, replacement = false): Tensor {
  return call('multinomial', () => native.multinomial(handleOf(probs), numSamples, replacement));
}

/** A tensor whose elements are the given raw little-endian bytes (copied). */
export function fromBytes(bytes: Uint8Array, shape: readonly number[], dtype: DType, device?: Device): Tensor {
  return call('fromBytes', () => native.fromBuffer(bytes, [...shape], dtypeCode(dtype), device ?? null));
}
