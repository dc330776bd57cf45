// safetensors I/O (https://github.com/huggingface/safetensors format): an 8-byte little-endian
// header length, a JSON header mapping names to dtype/shape/byte ranges, then the raw bytes.
// Written by us because no maintained Node package reads and writes it; files interoperate with
// Python's safetensors.
import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { fromBytes } from './creation.js';
import type { DType } from './dtype.js';
import type { Tensor } from './tensor.js';

const TO_FILE: Record<DType, string> = { float32: 'F32', float64: 'F64', int64: 'I64', int32: 'I32', uint8: 'U8', bool: 'BOOL', float16: 'F16', bfloat16: 'BF16' };
const FROM_FILE: Record<string, DType> = Object.fromEntries(Object.entries(TO_FILE).map(([k, v]) => [v, k as DType]));
const SIZE: Record<string, number> = { F32: 4, F64: 8, I64: 8, I32: 4, U8: 1, BOOL: 1, F16: 2, BF16: 2 };

/** Serialises tensors (and optional string metadata) to safetensors bytes. */
export function serialize(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Buffer {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) header.__metadata__ = metadata;
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of Object.keys(tensors).sort()) {
    if (name === '__metadata__') throw new Error("save: '__metadata__' is reserved and cannot name a tensor");
    const t = tensors[name]!;
    const raw = t.data();
    const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    header[name] = { dtype: TO_FILE[t.dtype], shape: t.shape, data_offsets: [offset, offset + bytes.byteLength] };
    chunks.push(bytes);
    offset += bytes.byteLength;
  }
  let json = JSON.stringify(header);
  // Pad the header with spaces so the data section starts 8-byte aligned, as the reference writer does.
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = Buffer.from(json, 'utf8');
  const out = Buffer.allocUnsafe(8 + head.length + offset);
  out.writeBigUInt64LE(BigInt(head.length), 0);
  head.copy(out, 8);
  let p = 8 + head.length;
  for (const c of chunks) {
    out.set(c, p);
    p += c.byteLength;
  }
  return out;
}

/** Writes a file atomically: a temporary sibling, fsync, then rename over the target. */
export function writeFileAtomic(path: string, data: Uint8Array | string): void {
  const tmp = `${path}.tmp-${process.pid}-${Date.now()}`;
  const fd = openSync(tmp, 'w');
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    try { unlinkSync(tmp); } catch { /* already gone */ }
    throw e;
  }
  closeSync(fd);
  renameSync(tmp, path);
}

/** Saves tensors to a safetensors file; a crash never leaves a half-written file at `path`. */
export function save(path: string, tensors: Record<string, Tensor>, metadata?: Record<string, string>): void {
  writeFileAtomic(path, serialize(tensors, metadata));
}

export interface SafetensorsFile {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
}

function corrupt(source: string, why: string): Error {
  return new Error(`${source} is not a valid safetensors file: ${why} (the file is truncated or corrupt; re-create it or restore a backup)`);
}

/** Parses safetensors bytes. `source` names the file in error messages. */
export function deserialize(buf: Uint8Array, source = 'buffer'): SafetensorsFile {
  if (buf.byteLength < 8) throw corrupt(source, `only ${buf.byteLength} bytes`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > buf.byteLength - 8) throw corrupt(source, `header length ${headerLen} exceeds the ${buf.byteLength - 8} bytes that follow`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + 8, headerLen).toString('utf8'));
  } catch {
    throw corrupt(source, 'header is not valid JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) throw corrupt(source, 'header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = buf.byteLength - dataStart;
  const metadata = (header.__metadata__ ?? {}) as Record<string, string>;
  const tensors: Record<string, Tensor> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const e = entry as { dtype?: string; shape?: number[]; data_offsets?: [number, number] };
    const dtype = e.dtype === undefined ? undefined : FROM_FILE[e.dtype];
    if (!dtype) throw corrupt(source, `tensor '${name}' has unsupported dtype '${e.dtype}'`);
    if (!Array.isArray(e.shape) || !Array.isArray(e.data_offsets) || e.data_offsets.length !== 2) throw corrupt(source, `tensor '${name}' lacks shape or data_offsets`);
    if (!e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw corrupt(source, `tensor '${name}' has shape ${JSON.stringify(e.shape)}; dimensions must be non-negative integers`);
    if (!e.data_offsets.every((o) => Number.isSafeInteger(o))) throw corrupt(source, `tensor '${name}' has data_offsets ${JSON.stringify(e.data_offsets)}; offsets must be integers`);
    const [begin, end] = e.data_offsets;
    const numel = e.shape.reduce((a, b) => a * b, 1);
    if (begin < 0 || end < begin || end > dataLen) throw corrupt(source, `tensor '${name}' data [${begin}, ${end}) lies outside the ${dataLen} data bytes`);
    if (end - begin !== numel * SIZE[e.dtype!]!) throw corrupt(source, `tensor '${name}' has ${end - begin} bytes but shape [${e.shape.join(', ')}] of ${e.dtype} needs ${numel * SIZE[e.dtype!]!}`);
    const bytes = buf.subarray(dataStart + begin, dataStart + end);
    // libtorch reads a bool byte other than 0 or 1 as undefined behaviour.
    if (dtype === 'bool' && bytes.some((b) => b > 1)) throw corrupt(source, `tensor '${name}' is BOOL but holds bytes other than 0 and 1`);
    tensors[name] = fromBytes(bytes, e.shape, dtype);
  }
  return { tensors, metadata };
}

/** Reads a safetensors file: tensors and metadata. */
export function loadFile(path: string): SafetensorsFile {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new Error(`cannot read '${path}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return deserialize(buf, `'${path}'`);
}

/** Reads the tensors of a safetensors file. */
export function load(path: string): Record<string, Tensor> {
  return loadFile(path).tensors;
}
