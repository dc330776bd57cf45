// Reads NumPy's .npy format (version 1–3): a magic string, a Python-literal header giving dtype,
// memory order and shape, then the raw little-endian array. Enough for data sets published as .npy,
// such as CIFAR-10.1 (uint8 images, int64 labels).
import { readFileSync } from 'node:fs';

export interface NpyArray {
  /** NumPy dtype string as written in the header, e.g. '|u1', '<i8', '<f4'. */
  descr: string;
  shape: number[];
  /** The array's bytes in C order. */
  bytes: Uint8Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const ITEM_SIZES: Record<string, number> = { b1: 1, u1: 1, i1: 1, i2: 2, u2: 2, i4: 4, u4: 4, i8: 8, u8: 8, f4: 4, f8: 8 };

/** Parses .npy bytes; `source` names the file in errors. */
export function parseNpy(buf: Uint8Array, source = 'npy data'): NpyArray {
  if (buf.length < 10 || MAGIC.some((b, i) => buf[i] !== b)) throw new Error(`${source} is not a .npy file (no \\x93NUMPY magic)`);
  const major = buf[6]!;
  if (major < 1 || major > 3) throw new Error(`${source}: .npy version ${major}.${buf[7]} is not supported (1, 2 or 3)`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = major === 1 ? 10 : 12;
  if (headerStart + headerLength > buf.length) throw new Error(`${source}: the .npy header runs past the end of the file (truncated?)`);
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(buf.subarray(headerStart, headerStart + headerLength));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`${source}: malformed .npy header ${JSON.stringify(header.trim())}`);
  if (fortran === 'True') throw new Error(`${source}: Fortran-ordered arrays are not supported; save it with np.save(np.ascontiguousarray(a))`);
  const kind = descr.slice(1);
  const itemSize = ITEM_SIZES[kind];
  if (itemSize === undefined || descr[0] === '>') throw new Error(`${source}: dtype '${descr}' is not supported (little-endian bool, int, uint or float only)`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${source}: malformed shape (${shapeText}) in the .npy header`);
  const count = shape.reduce((a, b) => a * b, 1);
  const dataStart = headerStart + headerLength;
  if (buf.length - dataStart < count * itemSize) throw new Error(`${source}: holds ${buf.length - dataStart} data bytes but shape (${shape.join(', ')}) of '${descr}' needs ${count * itemSize} (truncated?)`);
  return { descr, shape, bytes: buf.subarray(dataStart, dataStart + count * itemSize) };
}

export function readNpy(path: string): NpyArray {
  return parseNpy(readFileSync(path), `'${path}'`);
}

/** The array's values as numbers (integers and floats; int64 beyond 2^53 loses precision). */
export function npyToNumbers(a: NpyArray): number[] {
  const kind = a.descr.slice(1);
  const view = new DataView(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength);
  const size = ITEM_SIZES[kind]!;
  const n = a.bytes.byteLength / size;
  const read: (o: number) => number = {
    b1: (o: number) => view.getUint8(o),
    u1: (o: number) => view.getUint8(o),
    i1: (o: number) => view.getInt8(o),
    i2: (o: number) => view.getInt16(o, true),
    u2: (o: number) => view.getUint16(o, true),
    i4: (o: number) => view.getInt32(o, true),
    u4: (o: number) => view.getUint32(o, true),
    i8: (o: number) => Number(view.getBigInt64(o, true)),
    u8: (o: number) => Number(view.getBigUint64(o, true)),
    f4: (o: number) => view.getFloat32(o, true),
    f8: (o: number) => view.getFloat64(o, true),
  }[kind]!;
  return Array.from({ length: n }, (_, i) => read(i * size));
}
