// Data types: names users write, codes the addon uses (same order as kDtypes in src/native/handle.cc).
export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'uint8' | 'bool' | 'float16' | 'bfloat16';

export const DTYPES: readonly DType[] = ['float32', 'float64', 'int64', 'int32', 'uint8', 'bool', 'float16', 'bfloat16'];
const ALIASES: Record<string, DType> = { float: 'float32', double: 'float64', long: 'int64', int: 'int32', half: 'float16' };

export type TypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array | Uint16Array;

export function dtypeCode(d: DType | string): number {
  const name = ALIASES[d] ?? d;
  const code = DTYPES.indexOf(name as DType);
  if (code < 0) throw new TypeError(`unknown dtype '${d}' (known: ${DTYPES.join(', ')})`);
  return code;
}

export function dtypeName(code: number): DType {
  const d = DTYPES[code];
  if (!d) throw new Error(`tensor has a dtype dnas does not support (code ${code})`);
  return d;
}

export function elementSize(d: DType): number {
  switch (d) {
    case 'float64': case 'int64': return 8;
    case 'float32': case 'int32': return 4;
    case 'float16': case 'bfloat16': return 2;
    default: return 1;
  }
}

export function isFloating(d: DType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
}

/** A typed-array view over raw bytes of the given dtype (float16/bfloat16 come back as raw Uint16 bits). */
export function typedView(d: DType, buf: ArrayBuffer, byteOffset = 0, length?: number): TypedArray {
  switch (d) {
    case 'float32': return new Float32Array(buf, byteOffset, length);
    case 'float64': return new Float64Array(buf, byteOffset, length);
    case 'int64': return new BigInt64Array(buf, byteOffset, length);
    case 'int32': return new Int32Array(buf, byteOffset, length);
    case 'float16': case 'bfloat16': return new Uint16Array(buf, byteOffset, length);
    default: return new Uint8Array(buf, byteOffset, length);
  }
}

/** The dtype a typed array naturally holds. */
export function dtypeOfTypedArray(a: ArrayBufferView): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof BigInt64Array) return 'int64';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Uint8Array || a instanceof Uint8ClampedArray) return 'uint8';
  throw new TypeError(`unsupported typed array ${a.constructor.name} (use Float32Array, Float64Array, BigInt64Array, Int32Array or Uint8Array)`);
}
