// The IDX format of MNIST and Fashion-MNIST (http://yann.lecun.com/exdb/mnist/): a big-endian
// magic (0x0000 08 dims), the dimension sizes, then unsigned bytes. Gzipped files are read too.
import { existsSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

export function readIdxFile(path: string, hint: string): IdxArray {
  const candidates = [path, `${path}.gz`];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`missing data file '${path}' (or .gz): ${hint}`);
  let buf: Buffer;
  try {
    buf = readFileSync(found);
    if (found.endsWith('.gz')) buf = gunzipSync(buf);
  } catch (e) {
    throw new Error(`cannot read '${found}' (${(e as Error).message.split('\n')[0]}): the file is corrupt; ${hint}`);
  }
  return parseIdx(buf, found, hint);
}

export function parseIdx(buf: Uint8Array, source: string, hint: string): IdxArray {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.byteLength < 4 || view.getUint16(0) !== 0 || view.getUint8(2) !== 0x08) {
    throw new Error(`'${source}' is not an IDX file of unsigned bytes (bad magic number); ${hint}`);
  }
  const dims = view.getUint8(3);
  const header = 4 + 4 * dims;
  if (buf.byteLength < header) throw new Error(`'${source}' is truncated (header cut off); ${hint}`);
  const shape = Array.from({ length: dims }, (_, i) => view.getUint32(4 + 4 * i));
  const n = shape.reduce((a, b) => a * b, 1);
  if (buf.byteLength - header !== n) {
    throw new Error(`'${source}' has ${buf.byteLength - header} data bytes but its header announces ${n} (truncated or corrupt); ${hint}`);
  }
  return { shape, data: buf.subarray(header) };
}
