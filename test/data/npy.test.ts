import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { findCifar101, loadCifar101 } from '../../src/data/cifar101.js';
import { npyToNumbers, parseNpy } from '../../src/data/npy.js';

/** A .npy file written the way numpy.save writes version 1.0: header padded with spaces to a multiple of 64 bytes. */
function npy(descr: string, shape: number[], body: Uint8Array): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + body.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(body, 10 + header.length);
  return out;
}

const int64 = (values: number[]) => new Uint8Array(BigInt64Array.from(values.map(BigInt)).buffer);

describe('.npy reader', () => {
  test('readsUint8ImagesAndInt64LabelsAsNumpySavesThem', () => {
    const pixels = Uint8Array.from({ length: 2 * 2 * 2 * 3 }, (_, i) => i * 10);
    const images = parseNpy(npy('|u1', [2, 2, 2, 3], pixels));
    assert.equal(images.descr, '|u1');
    assert.deepEqual(images.shape, [2, 2, 2, 3]);
    assert.deepEqual(Array.from(images.bytes), Array.from(pixels));
    const labels = parseNpy(npy('<i8', [3], int64([7, 0, 9])));
    assert.deepEqual(labels.shape, [3]);
    assert.deepEqual(npyToNumbers(labels), [7, 0, 9]);
    assert.deepEqual(npyToNumbers(parseNpy(npy('<f4', [2], new Uint8Array(Float32Array.from([1.5, -2]).buffer)))), [1.5, -2]);
  });

  test('badFilesAreOneLineErrorsSayingWhy', () => {
    assert.throws(() => parseNpy(new Uint8Array(20), 'x.npy'), /x\.npy is not a \.npy file \(no \\x93NUMPY magic\)/);
    assert.throws(() => parseNpy(npy('>i8', [1], int64([1])), 'x.npy'), /x\.npy: dtype '>i8' is not supported/);
    assert.throws(() => parseNpy(npy('|u1', [4], new Uint8Array(2)), 'x.npy'), /x\.npy: holds 2 data bytes but shape \(4\) of '\|u1' needs 4 \(truncated\?\)/);
    const fortran = new TextDecoder('latin1').decode(npy('|u1', [1], new Uint8Array(1))).replace('False', 'True ');
    assert.throws(() => parseNpy(Uint8Array.from(fortran, (c) => c.charCodeAt(0)), 'x.npy'), /Fortran-ordered arrays are not supported/);
  });

  test('cifar101FolderLoadsAsATenClassDataset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cifar101-'));
    const pixels = Uint8Array.from({ length: 3 * 32 * 32 * 3 }, (_, i) => i % 251);
    writeFileSync(join(dir, 'cifar10.1_v6_data.npy'), npy('|u1', [3, 32, 32, 3], pixels));
    writeFileSync(join(dir, 'cifar10.1_v6_labels.npy'), npy('<i8', [3], int64([3, 8, 0])));
    assert.equal(findCifar101(dir)?.version, 'v6');
    const ds = loadCifar101(dir);
    assert.equal(ds.name, 'cifar10.1-v6');
    assert.deepEqual(ds.images.shape, [3, 32, 32, 3]);
    assert.deepEqual(Array.from(ds.labels.toArray() as BigInt64Array, Number), [3, 8, 0]);
    assert.equal(ds.classes[3], 'cat');
    assert.equal((ds.images.toArray() as Uint8Array)[300], 300 % 251);
    writeFileSync(join(dir, 'cifar10.1_v6_labels.npy'), npy('<i8', [3], int64([3, 10, 0])));
    assert.throws(() => loadCifar101(dir), /cifar10\.1_v6_labels\.npy' label 1 is 10; CIFAR-10\.1 labels are 0\.\.9/);
  });
});
