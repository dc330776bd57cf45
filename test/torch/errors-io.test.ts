import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';
import { assertClose, values } from './helpers.js';

describe('errors', () => {
  test('shapeMismatchesAreCaughtErrorsNamingTheOp', () => {
    assert.throws(() => torch.zeros([2, 3]).matmul(torch.zeros([4, 5])), (e: Error) => e.message === 'matmul: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)');
    assert.throws(() => torch.conv2d(torch.zeros([1, 3, 8, 8]), torch.zeros([4, 2, 3, 3])), /^Error: conv2d: Given groups=1, weight of size \[4, 2, 3, 3\], expected input\[1, 3, 8, 8\] to have 2 channels, but got 3 channels instead$/);
    assert.throws(() => torch.conv2d(torch.zeros([3, 8, 8]), torch.zeros([4, 3, 3, 3])), /conv2d: expected a 4-D input, got shape \[3, 8, 8\]/);
    assert.throws(() => torch.zeros([2]).add(torch.zeros([3])), /^Error: add: The size of tensor a \(2\) must match the size of tensor b \(3\)/);
    assert.throws(() => torch.zeros([6]).view([4]), /view: shape '\[4\]' is invalid for input of size 6/);
    assert.throws(() => torch.zeros([2]).item(), /item\(\) needs a tensor with exactly one element/);
  });

  test('wrongArgumentTypesAreTypeErrors', () => {
    assert.throws(() => torch.zeros([2]).add('x' as never), TypeError);
    assert.throws(() => torch.zeros(['a' as never]), TypeError);
    assert.throws(() => torch.tensor([[1, 2], [3]]), /ragged/);
    assert.throws(() => torch.zeros([2], { dtype: 'complex64' as never }), /unknown dtype 'complex64'/);
    assert.throws(() => torch.cat([torch.ones([1]), 5 as never]), /^TypeError: cat: element 1 is not a Tensor \(got number\)$/);
    assert.deepEqual(values(torch.tensor([2, -1, 0], { dtype: 'bool' })), [1, 1, 0]);
  });
});

describe('safetensors', () => {
  test('roundTripKeepsDtypesShapesValuesAndMetadata', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnas-st-'));
    const path = join(dir, 'w.safetensors');
    const tensors = {
      f64: torch.tensor([[1.5, -2], [3, 4.25]], { dtype: 'float64' }),
      i64: torch.tensor(new BigInt64Array([-7n, 9007199254740993n])),
      u8: torch.tensor(new Uint8Array([0, 255, 7])),
      b: torch.tensor([true, false]),
      f32: torch.arange(6, undefined, 1, { dtype: 'float32' }).view([1, 1, 2, 3]).contiguous('channelsLast'),
      scalar: torch.tensor(3.5),
    };
    torch.save(path, tensors, { epoch: '3' });
    const loaded = torch.loadFile(path);
    assert.deepEqual(loaded.metadata, { epoch: '3' });
    for (const [k, t] of Object.entries(tensors)) {
      const l = loaded.tensors[k]!;
      assert.equal(l.dtype, t.dtype, k);
      assert.deepEqual(l.shape, t.shape, k);
      assert.deepEqual(values(l), values(t), k);
    }
    assert.equal((loaded.tensors.i64!.data() as BigInt64Array)[1], 9007199254740993n);
    // The byte layout: little-endian header length, JSON header, 8-byte aligned data.
    const bytes = readFileSync(path);
    const n = Number(bytes.readBigUInt64LE(0));
    assert.equal((8 + n) % 8, 0);
    const header = JSON.parse(bytes.subarray(8, 8 + n).toString('utf8'));
    assert.deepEqual(header.f64, { dtype: 'F64', shape: [2, 2], data_offsets: header.f64.data_offsets });
    assert.equal(header.i64.dtype, 'I64');
    assert.equal(header.u8.dtype, 'U8');
    assert.equal(header.b.dtype, 'BOOL');
    assert.deepEqual(header.__metadata__, { epoch: '3' });
    const [s, e] = header.f64.data_offsets as [number, number];
    assert.equal(e - s, 32);
    assert.equal(bytes.readDoubleLE(8 + n + s + 24), 4.25);
  });

  test('truncatedOrCorruptFilesAreClearErrors', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnas-st-'));
    const path = join(dir, 'w.safetensors');
    torch.save(path, { a: torch.ones([100]) });
    const bytes = readFileSync(path);
    writeFileSync(join(dir, 'cut.safetensors'), bytes.subarray(0, bytes.length - 10));
    assert.throws(() => torch.load(join(dir, 'cut.safetensors')), /cut\.safetensors' is not a valid safetensors file: tensor 'a' data \[0, 400\) lies outside the 390 data bytes/);
    writeFileSync(join(dir, 'tiny.safetensors'), bytes.subarray(0, 5));
    assert.throws(() => torch.load(join(dir, 'tiny.safetensors')), /not a valid safetensors file: only 5 bytes/);
    const garbled = Buffer.from(bytes);
    garbled.write('{{{{', 8);
    writeFileSync(join(dir, 'bad.safetensors'), garbled);
    assert.throws(() => torch.load(join(dir, 'bad.safetensors')), /header is not valid JSON/);
    assert.throws(() => torch.load(join(dir, 'missing.safetensors')), /cannot read '.*missing\.safetensors': ENOENT/);
  });

  test('saveIsAtomicAndLeavesNoTemporaryFiles', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnas-st-'));
    torch.save(join(dir, 'a.safetensors'), { x: torch.zeros([3]) });
    torch.save(join(dir, 'a.safetensors'), { x: torch.ones([3]) });
    assertClose(torch.load(join(dir, 'a.safetensors')).x!, [1, 1, 1]);
    assert.deepEqual(readdirSync(dir), ['a.safetensors']);
  });
});

describe('runtime', () => {
  test('seedingReproducesDrawsAndRngStateReplaysThem', () => {
    torch.manualSeed(5);
    const a = values(torch.randn([5]));
    torch.manualSeed(5);
    assert.deepEqual(values(torch.randn([5])), a);
    const state = torch.getRngState();
    const b = values(torch.rand([4]));
    torch.rand([10]);
    torch.setRngState(state);
    assert.deepEqual(values(torch.rand([4])), b);
  });

  test('threadsDefaultToTheConfiguredCount', () => {
    const expected = Number(process.env.DNAS_NUM_THREADS ?? availableParallelism());
    assert.equal(torch.getNumThreads(), expected);
    torch.setNumThreads(1);
    assert.equal(torch.getNumThreads(), 1);
    torch.setNumThreads(expected);
    assert.throws(() => torch.setNumThreads(0), /positive integer/);
  });
});
