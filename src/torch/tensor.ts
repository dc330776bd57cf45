// The Tensor class: a JS object owning one native handle. Every tensor is born through
// `fromHandle`, so memory scopes and accounting cannot be bypassed.
import { type DType, dtypeCode, dtypeName, type TypedArray, typedView } from './dtype.js';
import { opError } from './errors.js';
import { type Handle, native } from './native.js';
import { type Scoped, track, untrackIfNewest } from './scope.js';

export type MemoryFormat = 'contiguous' | 'channelsLast' | 'preserve';
export type Device = string;
export type Scalar = number | boolean;
export type TensorOrScalar = Tensor | number;

export function formatCode(f: MemoryFormat): number {
  return f === 'channelsLast' ? 1 : f === 'contiguous' ? 0 : -1;
}

const UNARY: Record<string, number> = Object.fromEntries(native.unaryNames().map((n, i) => [n, i]));
const BINARY: Record<string, number> = Object.fromEntries(native.binaryNames().map((n, i) => [n, i]));
const REDUCE: Record<string, number> = Object.fromEntries(native.reductionNames().map((n, i) => [n, i]));
const INPLACE: Record<string, number> = Object.fromEntries(native.inplaceNames().map((n, i) => [n, i]));

function h(x: TensorOrScalar | boolean): Handle | number | boolean {
  if (x instanceof Tensor) return x.handle;
  const t = typeof x;
  if (t === 'number' || t === 'boolean') return x;
  throw new TypeError(`expected a Tensor or a number, got ${describeValue(x)}`);
}

/** How an error message names a value of the wrong type: 'a string', 'an array', 'a Map', 'null'. */
export function describeValue(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v !== 'object') return `a ${typeof v}`;
  if (Array.isArray(v)) return 'an array';
  const name = (v as object).constructor?.name;
  if (!name || name === 'Object') return 'an object';
  return `${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name}`;
}

function dimsArg(dim: number | number[] | null | undefined): number[] | null {
  if (dim === undefined || dim === null) return null;
  return Array.isArray(dim) ? dim : [dim];
}

function shapeArgs(args: (number | readonly number[])[]): number[] {
  return args.length === 1 && Array.isArray(args[0]) ? [...(args[0] as number[])] : (args as number[]);
}

/** The native handle of a tensor argument; a TypeError naming what was passed instead. */
export function handleOf(x: Tensor): Handle {
  if (x instanceof Tensor) return x.handle;
  throw new TypeError(`expected a Tensor, got ${describeValue(x)}`);
}

/** Like handleOf for an optional argument: null for null or undefined. */
export function optionalHandle(x: Tensor | null | undefined): Handle | null {
  return x === null || x === undefined ? null : handleOf(x);
}

/** Calls the addon; wraps a returned handle in a Tensor and names the op in any error. */
export function call(op: string, fn: () => Handle): Tensor {
  let handle: Handle;
  try {
    handle = fn();
  } catch (e) {
    throw opError(op, e);
  }
  return new Tensor(handle);
}

/** Like `call` for ops returning nothing or a plain value. */
export function callRaw<T>(op: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw opError(op, e);
  }
}

export interface ValuesIndices {
  values: Tensor;
  indices: Tensor;
}

// The safety net for tensors no memory scope will dispose: when such a Tensor is garbage collected,
// its native tensor is freed. (A JS FinalizationRegistry measured cheaper here than N-API
// finalizers.) dispose() does not unregister: the native side ignores a handle already disposed
// (its slot's generation moved on), and skipping the unregister-token bookkeeping is cheaper.
const collector = new FinalizationRegistry<Handle>((h) => native.dispose(h, true));

export class Tensor implements Scoped {
  private _h: Handle | null;
  private _shape: number[] | undefined;
  private _collectable = false;
  kept = false;

  /** Use the creation functions (`torch.tensor`, `torch.zeros`, …); this wraps a native handle. */
  constructor(handle: Handle) {
    this._h = handle;
    track(this);
  }

  makeCollectable(): void {
    if (this._collectable || this._h === null) return;
    this._collectable = true;
    collector.register(this, this._h);
  }

  /** The native handle; throws if the tensor was disposed. */
  get handle(): Handle {
    const x = this._h;
    if (x === null) throw new Error('tensor was disposed (it was freed by dispose() or by leaving a tidy() scope; keep() it or return it from tidy to use it later)');
    return x;
  }

  get isDisposed(): boolean {
    return this._h === null;
  }

  dispose(): void {
    const x = this._h;
    if (x !== null) {
      this._h = null;
      native.dispose(x);
      untrackIfNewest(this);
    }
  }

  [Symbol.dispose](): void {
    this.dispose();
  }

  // ---- metadata ------------------------------------------------------------------------------
  get shape(): number[] {
    if (this._shape === undefined) this._shape = callRaw('shape', () => native.shape(this.handle));
    return this._shape.slice();
  }
  size(dim?: number): number | number[] {
    const s = this.shape;
    if (dim === undefined) return s;
    return s[dim < 0 ? dim + s.length : dim]!;
  }
  get ndim(): number {
    return this.shape.length;
  }
  dim(): number {
    return this.shape.length;
  }
  get dtype(): DType {
    return dtypeName(callRaw('dtype', () => native.dtype(this.handle)));
  }
  get device(): Device {
    return callRaw('device', () => native.device(this.handle));
  }
  numel(): number {
    return callRaw('numel', () => native.numel(this.handle));
  }
  strides(): number[] {
    return callRaw('strides', () => native.strides(this.handle));
  }
  isContiguous(memoryFormat: MemoryFormat = 'contiguous'): boolean {
    return callRaw('isContiguous', () => native.isContiguous(this.handle, formatCode(memoryFormat)));
  }

  // ---- autograd ------------------------------------------------------------------------------
  get requiresGrad(): boolean {
    return native.requiresGrad(this.handle);
  }
  set requiresGrad(on: boolean) {
    this.requiresGrad_(on);
  }
  requiresGrad_(on = true): this {
    callRaw('requiresGrad_', () => native.inplace(INPLACE.requiresGrad_!, this.handle, on));
    return this;
  }
  get isLeaf(): boolean {
    return native.isLeaf(this.handle);
  }
  /** Name of the autograd node that produced this tensor, or null for leaves. */
  get gradFn(): string | null {
    return native.gradFnName(this.handle);
  }
  /** The accumulated gradient (a new handle to it each read), or null. */
  get grad(): Tensor | null {
    const g = callRaw('grad', () => native.getGrad(this.handle));
    return g === null ? null : new Tensor(g);
  }
  set grad(g: Tensor | null) {
    callRaw('grad', () => native.setGrad(this.handle, g === null ? null : handleOf(g)));
  }
  retainGrad(): this {
    callRaw('retainGrad', () => native.retainGrad(this.handle));
    return this;
  }
  backward(gradient?: Tensor | null, opts: { retainGraph?: boolean; createGraph?: boolean } = {}): void {
    callRaw('backward', () => native.backward(this.handle, optionalHandle(gradient), opts.retainGraph ?? null, opts.createGraph ?? false));
  }

  // ---- conversion ----------------------------------------------------------------------------
  /** `to('float64')`, `to('cuda')`, or `to({ dtype, device, memoryFormat, copy })`. */
  to(target: DType | Device | { dtype?: DType; device?: Device; memoryFormat?: MemoryFormat; copy?: boolean }): Tensor {
    const o = typeof target === 'string' ? (isDtypeName(target) ? { dtype: target as DType } : { device: target }) : target;
    let out = call('to', () => native.to(this.handle, o.dtype === undefined ? null : dtypeCode(o.dtype), o.device ?? null, o.copy ?? false));
    if (o.memoryFormat !== undefined && o.memoryFormat !== 'preserve') {
      const prev = out;
      out = out.contiguous(o.memoryFormat);
      if (prev !== this) prev.dispose();
    }
    return out;
  }
  float(): Tensor { return this.to('float32'); }
  double(): Tensor { return this.to('float64'); }
  long(): Tensor { return this.to('int64'); }
  int(): Tensor { return this.to('int32'); }
  bool(): Tensor { return this.to('bool'); }
  cpu(): Tensor { return this.to({ device: 'cpu' }); }
  cuda(): Tensor { return this.to({ device: 'cuda' }); }

  item(): number {
    return callRaw('item', () => native.item(this.handle));
  }
  /** A copy of the elements, row-major, as a typed array of the tensor's dtype. */
  data(): TypedArray {
    const d = this.dtype;
    return typedView(d, callRaw('data', () => native.data(this.handle)));
  }
  toArray(): TypedArray {
    return this.data();
  }
  /** Nested plain arrays of numbers (int64 converted to Number), like PyTorch's tolist(). */
  tolist(): unknown {
    const flat = Array.from(this.data() as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? Number(v) : v));
    const shape = this.shape;
    if (shape.length === 0) return flat[0];
    const build = (dim: number, offset: number): unknown[] => {
      const n = shape[dim]!;
      const stride = shape.slice(dim + 1).reduce((a, b) => a * b, 1);
      const out: unknown[] = [];
      for (let i = 0; i < n; i++) out.push(dim === shape.length - 1 ? flat[offset + i] : build(dim + 1, offset + i * stride));
      return out;
    };
    return build(0, 0);
  }
  toString(): string {
    if (this.isDisposed) return 'tensor(<disposed>)';
    const shape = this.shape;
    const numel = shape.reduce((a, b) => a * b, 1);
    const extras = [`dtype=${this.dtype}`];
    if (this.device !== 'cpu') extras.push(`device='${this.device}'`);
    if (this.requiresGrad) extras.push('requiresGrad=true');
    if (numel > 1000) return `tensor(shape=[${shape.join(', ')}], ${extras.join(', ')})`;
    const fmt = (v: unknown): string => (Array.isArray(v) ? `[${v.map(fmt).join(', ')}]` : typeof v === 'number' && !Number.isInteger(v) ? v.toPrecision(5).replace(/0+$/, '') : String(v));
    return `tensor(${fmt(this.tolist())}, ${extras.join(', ')})`;
  }
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  clone(opts: { memoryFormat?: MemoryFormat } = {}): Tensor {
    return call('clone', () => native.clone(this.handle, formatCode(opts.memoryFormat ?? 'preserve')));
  }
  detach(): Tensor {
    return call('detach', () => native.detach(this.handle));
  }
  contiguous(memoryFormat: MemoryFormat = 'contiguous'): Tensor {
    return call('contiguous', () => native.contiguous(this.handle, formatCode(memoryFormat)));
  }

  // ---- elementwise ---------------------------------------------------------------------------
  private un(op: string): Tensor {
    try {
      return new Tensor(native.unary(UNARY[op]!, this.handle));
    } catch (e) {
      throw opError(op, e);
    }
  }
  private bin(op: string, other: TensorOrScalar | boolean): Tensor {
    try {
      return new Tensor(native.binary(BINARY[op]!, this.handle, h(other)));
    } catch (e) {
      throw opError(op, e);
    }
  }
  add(other: TensorOrScalar, opts?: { alpha?: number }): Tensor {
    try {
      return new Tensor(native.add(this.handle, h(other) as Handle | number, opts?.alpha ?? null));
    } catch (e) {
      throw opError('add', e);
    }
  }
  sub(other: TensorOrScalar, opts?: { alpha?: number }): Tensor {
    try {
      return new Tensor(native.sub(this.handle, h(other) as Handle | number, opts?.alpha ?? null));
    } catch (e) {
      throw opError('sub', e);
    }
  }
  /** `scalar - this`. */
  rsub(scalar: number): Tensor { return call('rsub', () => native.rsub(this.handle, scalar)); }
  mul(other: TensorOrScalar): Tensor { return this.bin('mul', other); }
  div(other: TensorOrScalar): Tensor { return this.bin('div', other); }
  pow(exponent: TensorOrScalar): Tensor { return this.bin('pow', exponent); }
  maximum(other: TensorOrScalar): Tensor { return this.bin('maximum', other); }
  minimum(other: TensorOrScalar): Tensor { return this.bin('minimum', other); }
  remainder(other: TensorOrScalar): Tensor { return this.bin('remainder', other); }
  atan2(other: TensorOrScalar): Tensor { return this.bin('atan2', other); }
  eq(other: TensorOrScalar | boolean): Tensor { return this.bin('eq', other); }
  ne(other: TensorOrScalar | boolean): Tensor { return this.bin('ne', other); }
  lt(other: TensorOrScalar): Tensor { return this.bin('lt', other); }
  le(other: TensorOrScalar): Tensor { return this.bin('le', other); }
  gt(other: TensorOrScalar): Tensor { return this.bin('gt', other); }
  ge(other: TensorOrScalar): Tensor { return this.bin('ge', other); }
  logicalAnd(other: Tensor | boolean): Tensor { return this.bin('logicalAnd', other); }
  logicalOr(other: Tensor | boolean): Tensor { return this.bin('logicalOr', other); }
  logicalNot(): Tensor { return this.un('logicalNot'); }
  neg(): Tensor { return this.un('neg'); }
  abs(): Tensor { return this.un('abs'); }
  exp(): Tensor { return this.un('exp'); }
  log(): Tensor { return this.un('log'); }
  log1p(): Tensor { return this.un('log1p'); }
  sqrt(): Tensor { return this.un('sqrt'); }
  rsqrt(): Tensor { return this.un('rsqrt'); }
  sign(): Tensor { return this.un('sign'); }
  relu(): Tensor { return this.un('relu'); }
  sigmoid(): Tensor { return this.un('sigmoid'); }
  tanh(): Tensor { return this.un('tanh'); }
  sin(): Tensor { return this.un('sin'); }
  cos(): Tensor { return this.un('cos'); }
  floor(): Tensor { return this.un('floor'); }
  ceil(): Tensor { return this.un('ceil'); }
  round(): Tensor { return this.un('round'); }
  reciprocal(): Tensor { return this.un('reciprocal'); }
  square(): Tensor { return this.un('square'); }
  isfinite(): Tensor { return this.un('isfinite'); }
  isnan(): Tensor { return this.un('isnan'); }
  clamp(min?: number | null, max?: number | null): Tensor {
    return call('clamp', () => native.clamp(this.handle, min ?? null, max ?? null));
  }
  /** PyTorch's `x.where(condition, y)`: x where condition holds, y elsewhere. */
  where(condition: Tensor, other: TensorOrScalar): Tensor {
    return call('where', () => native.where(handleOf(condition), this.handle, h(other) as Handle | number));
  }
  maskedFill(mask: Tensor, value: number): Tensor {
    return call('maskedFill', () => native.maskedFill(this.handle, handleOf(mask), value));
  }

  // ---- reductions ----------------------------------------------------------------------------
  private red(op: string, dim: number | number[] | null | undefined, keepdim: boolean): Tensor {
    return call(op, () => native.reduce(REDUCE[op]!, this.handle, dimsArg(dim), keepdim));
  }
  sum(dim?: number | number[] | null, keepdim = false): Tensor { return this.red('sum', dim, keepdim); }
  mean(dim?: number | number[] | null, keepdim = false): Tensor { return this.red('mean', dim, keepdim); }
  amax(dim?: number | number[] | null, keepdim = false): Tensor { return this.red('amax', dim, keepdim); }
  amin(dim?: number | number[] | null, keepdim = false): Tensor { return this.red('amin', dim, keepdim); }
  logsumexp(dim: number | number[], keepdim = false): Tensor { return this.red('logsumexp', dim, keepdim); }
  prod(dim?: number | number[] | null, keepdim = false): Tensor { return this.red('prod', dim, keepdim); }
  all(dim?: number | number[] | null, keepdim = false): Tensor { return this.red('all', dim, keepdim); }
  any(dim?: number | number[] | null, keepdim = false): Tensor { return this.red('any', dim, keepdim); }
  /** Without a dim: the maximum element. With a dim: `{ values, indices }` like PyTorch. */
  max(): Tensor;
  max(dim: number, keepdim?: boolean): ValuesIndices;
  max(dim?: number, keepdim = false): Tensor | ValuesIndices {
    if (dim === undefined) return this.red('amax', null, false);
    const [v, i] = callRaw('max', () => native.maxMinDim(true, this.handle, dim, keepdim));
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  min(): Tensor;
  min(dim: number, keepdim?: boolean): ValuesIndices;
  min(dim?: number, keepdim = false): Tensor | ValuesIndices {
    if (dim === undefined) return this.red('amin', null, false);
    const [v, i] = callRaw('min', () => native.maxMinDim(false, this.handle, dim, keepdim));
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  argmax(dim?: number | null, keepdim = false): Tensor {
    return call('argmax', () => native.argMaxMin(true, this.handle, dim ?? null, keepdim));
  }
  argmin(dim?: number | null, keepdim = false): Tensor {
    return call('argmin', () => native.argMaxMin(false, this.handle, dim ?? null, keepdim));
  }
  /** Standard deviation; `correction` 1 is Bessel's (PyTorch's default, `unbiased=true`). */
  std(dim?: number | number[] | null, opts: { correction?: number; unbiased?: boolean; keepdim?: boolean } = {}): Tensor {
    const correction = opts.correction ?? (opts.unbiased === false ? 0 : 1);
    return call('std', () => native.varStd(true, this.handle, dimsArg(dim), correction, opts.keepdim ?? false));
  }
  var(dim?: number | number[] | null, opts: { correction?: number; unbiased?: boolean; keepdim?: boolean } = {}): Tensor {
    const correction = opts.correction ?? (opts.unbiased === false ? 0 : 1);
    return call('var', () => native.varStd(false, this.handle, dimsArg(dim), correction, opts.keepdim ?? false));
  }
  norm(p = 2, dim?: number | number[] | null, keepdim = false): Tensor {
    return call('norm', () => native.norm(this.handle, p, dimsArg(dim), keepdim));
  }
  softmax(dim: number): Tensor { return call('softmax', () => native.softmax(this.handle, dim)); }
  logSoftmax(dim: number): Tensor { return call('logSoftmax', () => native.logSoftmax(this.handle, dim)); }

  // ---- shape ---------------------------------------------------------------------------------
  view(...shape: (number | readonly number[])[]): Tensor { return call('view', () => native.view(this.handle, shapeArgs(shape))); }
  reshape(...shape: (number | readonly number[])[]): Tensor { return call('reshape', () => native.reshape(this.handle, shapeArgs(shape))); }
  permute(...dims: (number | readonly number[])[]): Tensor { return call('permute', () => native.permute(this.handle, shapeArgs(dims))); }
  transpose(dim0: number, dim1: number): Tensor { return call('transpose', () => native.transpose(this.handle, dim0, dim1)); }
  t(): Tensor { return this.transpose(0, 1); }
  flatten(startDim = 0, endDim = -1): Tensor { return call('flatten', () => native.flatten(this.handle, startDim, endDim)); }
  squeeze(dim?: number): Tensor { return call('squeeze', () => native.squeeze(this.handle, dim ?? null)); }
  unsqueeze(dim: number): Tensor { return call('unsqueeze', () => native.unsqueeze(this.handle, dim)); }
  expand(...shape: (number | readonly number[])[]): Tensor { return call('expand', () => native.expand(this.handle, shapeArgs(shape))); }
  expandAs(other: Tensor): Tensor { return this.expand(other.shape); }
  repeat(...repeats: (number | readonly number[])[]): Tensor { return call('repeat', () => native.repeat(this.handle, shapeArgs(repeats))); }
  narrow(dim: number, start: number, length: number): Tensor { return call('narrow', () => native.narrow(this.handle, dim, start, length)); }
  /** `x[..., start:end:step, ...]` along `dim`. */
  slice(dim: number, start?: number | null, end?: number | null, step = 1): Tensor {
    return call('slice', () => native.slice(this.handle, dim, start ?? null, end ?? null, step));
  }
  select(dim: number, index: number): Tensor { return call('select', () => native.select(this.handle, dim, index)); }
  indexSelect(dim: number, index: Tensor): Tensor { return call('indexSelect', () => native.indexSelect(this.handle, dim, handleOf(index))); }
  gather(dim: number, index: Tensor): Tensor { return call('gather', () => native.gather(this.handle, dim, handleOf(index))); }
  scatter(dim: number, index: Tensor, src: TensorOrScalar): Tensor {
    return call('scatter', () => native.scatter(this.handle, dim, handleOf(index), h(src) as Handle | number));
  }
  flip(...dims: (number | readonly number[])[]): Tensor { return call('flip', () => native.flip(this.handle, shapeArgs(dims))); }
  /** Splits into `chunks` nearly equal pieces along `dim` (views). */
  chunk(chunks: number, dim = 0): Tensor[] {
    const n = this.size(dim) as number;
    const step = Math.ceil(n / chunks);
    const out: Tensor[] = [];
    for (let s = 0; s < n; s += step) out.push(this.narrow(dim, s, Math.min(step, n - s)));
    return out;
  }
  /** Splits into pieces of `size` (or the listed sizes) along `dim` (views). */
  split(size: number | number[], dim = 0): Tensor[] {
    const n = this.size(dim) as number;
    const sizes = Array.isArray(size) ? size : Array.from({ length: Math.ceil(n / size) }, (_, i) => Math.min(size, n - i * size));
    if (sizes.reduce((a, b) => a + b, 0) !== n) throw new Error(`split: sizes ${JSON.stringify(sizes)} do not add up to dimension ${dim} of size ${n}`);
    const out: Tensor[] = [];
    let s = 0;
    for (const k of sizes) {
      out.push(this.narrow(dim, s, k));
      s += k;
    }
    return out;
  }
  topk(k: number, dim = -1, largest = true, sorted = true): ValuesIndices {
    const [v, i] = callRaw('topk', () => native.topk(this.handle, k, dim, largest, sorted));
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  sort(dim = -1, descending = false, stable = false): ValuesIndices {
    const [v, i] = callRaw('sort', () => native.sort(this.handle, dim, descending, stable));
    return { values: new Tensor(v), indices: new Tensor(i) };
  }
  matmul(other: Tensor): Tensor { return call('matmul', () => native.matmul(this.handle, handleOf(other))); }

  // ---- in place ------------------------------------------------------------------------------
  /** An in-place op with scalar arguments only. */
  private ip(op: string, a?: number | boolean | null, b?: number | null): this {
    try {
      native.inplace(INPLACE[op]!, this.handle, a, b);
    } catch (e) {
      throw opError(op, e);
    }
    return this;
  }
  /** An in-place op taking one or two tensors, then a scalar. */
  private ipTensors(op: string, t: Tensor, u: Tensor | undefined, scalar?: number): this {
    try {
      native.inplace(INPLACE[op]!, this.handle, handleOf(t), u === undefined ? scalar : handleOf(u), scalar);
    } catch (e) {
      throw opError(op, e);
    }
    return this;
  }
  /** An in-place op whose first argument is a tensor or a scalar. */
  private ipOther(op: string, other: TensorOrScalar, alpha: number | null): this {
    try {
      native.inplace(INPLACE[op]!, this.handle, h(other), alpha);
    } catch (e) {
      throw opError(op, e);
    }
    return this;
  }
  add_(other: TensorOrScalar, opts?: { alpha?: number }): this { return this.ipOther('add_', other, opts?.alpha ?? null); }
  sub_(other: TensorOrScalar, opts?: { alpha?: number }): this { return this.ipOther('sub_', other, opts?.alpha ?? null); }
  mul_(other: TensorOrScalar): this { return this.ipOther('mul_', other, null); }
  div_(other: TensorOrScalar): this { return this.ipOther('div_', other, null); }
  addcmul_(t1: Tensor, t2: Tensor, opts?: { value?: number }): this { return this.ipTensors('addcmul_', t1, t2, opts?.value ?? 1); }
  addcdiv_(t1: Tensor, t2: Tensor, opts?: { value?: number }): this { return this.ipTensors('addcdiv_', t1, t2, opts?.value ?? 1); }
  copy_(src: Tensor): this { return this.ipTensors('copy_', src, undefined); }
  zero_(): this { return this.ip('zero_'); }
  fill_(value: number | boolean): this { return this.ip('fill_', value); }
  clamp_(min?: number | null, max?: number | null): this { return this.ip('clamp_', min ?? null, max ?? null); }
  normal_(mean = 0, std = 1): this { return this.ip('normal_', mean, std); }
  uniform_(from = 0, to = 1): this { return this.ip('uniform_', from, to); }
  sqrt_(): this { return this.ip('sqrt_'); }
  maximum_(other: Tensor): this { return this.ipTensors('maximum_', other, undefined); }
  lerp_(end: Tensor, weight: number): this { return this.ipTensors('lerp_', end, undefined, weight); }
  bernoulli_(p = 0.5): this { return this.ip('bernoulli_', p); }
  exponential_(lambd = 1): this { return this.ip('exponential_', lambd); }
}

function isDtypeName(s: string): boolean {
  try {
    dtypeCode(s);
    return true;
  } catch {
    return false;
  }
}
