import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { assertClose, values } from './helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'dnas-st-'));

describe('safetensors', () => {
  test('roundTripKeepsDtypesShapesValuesAndMetadata', () => {
    const path = join(tmp(), 'w.safetensors');
    const tensors = {
      f64: torch.tensor([[1.5, -2], [3, 4.25]], { dtype: 'float64' }),
      i64: torch.tensor(new BigInt64Array([-7n, 9007199254740993n])),
      u8: torch.tensor(new Uint8Array([0, 255, 7])),
      b: torch.tensor([true, false, true]),
      i32: torch.tensor([-1, 2], { dtype: 'int32' }),
      f32: torch.arange(6, undefined, 1, { dtype: 'float32' }).view([1, 1, 2, 3]).contiguous('channelsLast'),
      scalar: torch.tensor(3.5),
      empty: torch.zeros([0, 3]),
    };
    torch.save(path, tensors, { epoch: '3', note: 'ünïcode' });
    const loaded = torch.loadFile(path);
    assert.deepEqual(loaded.metadata, { epoch: '3', note: 'ünïcode' });
    assert.deepEqual(Object.keys(loaded.tensors).sort(), Object.keys(tensors).sort());
    for (const [k, t] of Object.entries(tensors)) {
      const l = loaded.tensors[k]!;
      assert.equal(l.dtype, t.dtype, k);
      assert.deepEqual(l.shape, t.shape, k);
      assert.deepEqual(values(l), values(t), k);
    }
    // int64 beyond 2^53 survives bit-exactly.
    assert.equal((loaded.tensors.i64!.data() as BigInt64Array)[1], 9007199254740993n);
    assert.deepEqual(torch.load(path).u8!.tolist(), [0, 255, 7]);
    // In memory too.
    const again = torch.deserialize(torch.serialize({ x: tensors.f64 }));
    assertClose(again.tensors.x!, [1.5, -2, 3, 4.25], 0, [2, 2]);
    assert.deepEqual(again.metadata, {});
  });

  test('fileLayoutMatchesTheSpecByteForByte', () => {
    const path = join(tmp(), 'layout.safetensors');
    torch.save(
      path,
      {
        w: torch.tensor([1.5, -2, 3, 4.25], { dtype: 'float64', shape: [2, 2] }),
        idx: torch.tensor(new BigInt64Array([-7n, 5n])),
        mask: torch.tensor([true, false, true]),
        px: torch.tensor(new Uint8Array([0, 255])),
      },
      { format: 'pt' },
    );
    const bytes = readFileSync(path);
    // 8-byte little-endian header length, then that many bytes of JSON, then the data.
    const n = Number(bytes.readBigUInt64LE(0));
    assert.equal(bytes.readUInt32LE(4), 0); // high word of a small u64
    assert.equal((8 + n) % 8, 0, 'data section starts 8-byte aligned');
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    assert.deepEqual(header.__metadata__, { format: 'pt' });
    // Tensors are laid out in name order, back to back.
    assert.deepEqual(header.idx, { dtype: 'I64', shape: [2], data_offsets: [0, 16] });
    assert.deepEqual(header.mask, { dtype: 'BOOL', shape: [3], data_offsets: [16, 19] });
    assert.deepEqual(header.px, { dtype: 'U8', shape: [2], data_offsets: [19, 21] });
    assert.deepEqual(header.w, { dtype: 'F64', shape: [2, 2], data_offsets: [21, 53] });
    assert.equal(bytes.length, 8 + n + 53);
    const data = bytes.subarray(8 + n);
    assert.equal(data.readBigInt64LE(0), -7n);
    assert.equal(data.readBigInt64LE(8), 5n);
    assert.deepEqual([...data.subarray(16, 19)], [1, 0, 1]);
    assert.deepEqual([...data.subarray(19, 21)], [0, 255]);
    assert.deepEqual([0, 1, 2, 3].map((i) => data.readDoubleLE(21 + 8 * i)), [1.5, -2, 3, 4.25]);
  });

  test('readsAFileWrittenByHandWithoutMetadata', () => {
    const json = JSON.stringify({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } });
    const head = Buffer.alloc(8);
    head.writeBigUInt64LE(BigInt(json.length));
    const data = Buffer.alloc(8);
    data.writeFloatLE(0.5, 0);
    data.writeFloatLE(-1, 4);
    const f = torch.deserialize(Buffer.concat([head, Buffer.from(json), data]));
    assertClose(f.tensors.a!, [0.5, -1], 0, [2]);
    assert.deepEqual(f.metadata, {});
  });

  test('readsAFileLaidOutLikeTheReferenceWriter', () => {
    // Python's safetensors orders tensors by alignment, then name, and pads its header with spaces;
    // built here byte by byte from the format's description (Debian has no safetensors package).
    const header = {
      __metadata__: { format: 'pt' },
      weight: { dtype: 'F64', shape: [2, 1], data_offsets: [0, 16] },
      steps: { dtype: 'I64', shape: [], data_offsets: [16, 24] },
      mask: { dtype: 'BOOL', shape: [3], data_offsets: [24, 27] },
      pixels: { dtype: 'U8', shape: [1, 2], data_offsets: [27, 29] },
      empty: { dtype: 'F32', shape: [0, 4], data_offsets: [29, 29] },
    };
    let json = JSON.stringify(header);
    json += ' '.repeat(8 - ((json.length + 8) % 8));
    const data = Buffer.alloc(29);
    data.writeDoubleLE(-0.5, 0);
    data.writeDoubleLE(3e-300, 8);
    data.writeBigInt64LE(-(2n ** 62n), 16);
    data.set([1, 0, 1, 7, 255], 24);
    const len = Buffer.alloc(8);
    len.writeBigUInt64LE(BigInt(json.length));
    const { tensors, metadata } = torch.deserialize(Buffer.concat([len, Buffer.from(json), data]), 'reference.safetensors');
    assert.deepEqual(metadata, { format: 'pt' });
    assert.deepEqual(Object.keys(tensors).sort(), ['empty', 'mask', 'pixels', 'steps', 'weight']);
    assert.deepEqual(tensors.weight!.tolist(), [[-0.5], [3e-300]]);
    assert.equal(tensors.steps!.dtype, 'int64');
    assert.deepEqual(tensors.steps!.shape, []);
    assert.equal((tensors.steps!.data() as BigInt64Array)[0], -(2n ** 62n));
    assert.equal(tensors.mask!.dtype, 'bool');
    assert.deepEqual(tensors.mask!.tolist(), [1, 0, 1]);
    assert.deepEqual(tensors.pixels!.tolist(), [[7, 255]]);
    assert.deepEqual(tensors.empty!.shape, [0, 4]);
  });

  test('saveIsAtomicAndLeavesNoTemporaryFiles', () => {
    const dir = tmp();
    torch.save(join(dir, 'a.safetensors'), { x: torch.zeros([3]) });
    torch.save(join(dir, 'a.safetensors'), { x: torch.ones([3]) });
    assertClose(torch.load(join(dir, 'a.safetensors')).x!, [1, 1, 1]);
    assert.deepEqual(readdirSync(dir), ['a.safetensors']);
    assert.throws(() => torch.save(join(dir, 'b.safetensors'), { __metadata__: torch.zeros([1]) }), /'__metadata__' is reserved/);
  });
});
