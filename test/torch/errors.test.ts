import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import * as torch from '../../src/torch/index.js';

/** Asserts `fn` throws an error of `type` whose message starts with `op: ` and matches `re`. */
function throwsNaming(fn: () => unknown, op: string, re: RegExp, type: ErrorConstructor = Error): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof type, `expected a ${type.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
    const msg = (e as Error).message;
    assert.ok(msg.startsWith(`${op}: `), `message does not name '${op}': ${msg}`);
    assert.match(msg, re);
    assert.ok(!msg.includes('\n'), `message carries a C++ backtrace: ${msg}`);
    return true;
  });
}

describe('errors', () => {
  test('shapeMismatchesInMatmulAndConv2dNameTheOpAndShapes', () => {
    throwsNaming(() => torch.zeros([2, 3]).matmul(torch.zeros([4, 5])), 'matmul', /mat1 and mat2 shapes cannot be multiplied \(2x3 and 4x5\)/);
    throwsNaming(() => torch.matmul(torch.zeros([2, 2, 3]), torch.zeros([2, 4, 5])), 'matmul', /Expected size for first two dimensions of batch2 tensor to be: \[2, 3\] but got: \[2, 4\]/);
    throwsNaming(() => torch.linear(torch.zeros([2, 3]), torch.zeros([4, 5])), 'linear', /shapes cannot be multiplied \(2x3 and 5x4\)/);
    throwsNaming(() => torch.conv2d(torch.zeros([1, 3, 8, 8]), torch.zeros([4, 2, 3, 3])), 'conv2d', /^conv2d: Given groups=1, weight of size \[4, 2, 3, 3\], expected input\[1, 3, 8, 8\] to have 2 channels, but got 3 channels instead$/);
    throwsNaming(() => torch.conv2d(torch.zeros([3, 8, 8]), torch.zeros([4, 3, 3, 3])), 'conv2d', /expected a 4-D input, got shape \[3, 8, 8\]/);
    throwsNaming(() => torch.conv2d(torch.zeros([1, 3, 2, 2]), torch.zeros([4, 3, 3, 3])), 'conv2d', /Kernel size can't be greater than actual input size/);
    throwsNaming(() => torch.conv2d(torch.zeros([1, 4, 8, 8]), torch.zeros([4, 2, 3, 3]), { groups: 3 }), 'conv2d', /groups/);
    throwsNaming(() => torch.zeros([2]).add(torch.zeros([3])), 'add', /The size of tensor a \(2\) must match the size of tensor b \(3\)/);
    throwsNaming(() => torch.cat([torch.zeros([2, 2]), torch.zeros([3, 3])], 0), 'cat', /Sizes of tensors must match/);
    throwsNaming(() => torch.zeros([6]).view([4]), 'view', /shape '\[4\]' is invalid for input of size 6/);
    throwsNaming(() => torch.zeros([2, 3]).sum(2), 'sum', /Dimension out of range/);
    throwsNaming(() => torch.crossEntropy(torch.zeros([2, 3]), torch.tensor([0, 5], { dtype: 'int64' })), 'crossEntropy', /Target 5 is out of bounds/);
    throwsNaming(() => torch.zeros([2]).item(), 'item', /needs a tensor with exactly one element, got 2/);
  });

  test('aDisposedTensorIsAClearErrorNotACrash', () => {
    const t = torch.ones([2]);
    t.dispose();
    t.dispose(); // idempotent
    assert.equal(t.isDisposed, true);
    assert.equal(String(t), 'tensor(<disposed>)');
    throwsNaming(() => t.add(1), 'add', /tensor was disposed \(it was freed by dispose\(\) or by leaving a tidy\(\) scope; keep\(\) it or return it from tidy/);
    assert.throws(() => t.shape, /tensor was disposed/);
    throwsNaming(() => torch.ones([2]).mul(t), 'mul', /tensor was disposed/);
    assert.throws(() => torch.conv2d(torch.ones([1, 1, 3, 3]), t), /tensor was disposed/);
    let leaked: torch.Tensor | undefined;
    torch.tidy(() => {
      leaked = torch.ones([1]);
    });
    throwsNaming(() => leaked!.item(), 'item', /tensor was disposed/);
  });

  test('wrongArgumentTypesAreTypeErrorsNamingTheOp', () => {
    throwsNaming(() => torch.zeros([2]).add('x' as never), 'add', /^add: expected a Tensor or a number, got a string$/, TypeError);
    throwsNaming(() => torch.zeros([2]).mul({} as never), 'mul', /^mul: expected a Tensor or a number, got an object$/, TypeError);
    // A bigint is how the addon spells a tensor handle: one passed as a scalar must not name some other tensor.
    throwsNaming(() => torch.zeros([2]).sub(0n as never), 'sub', /^sub: expected a Tensor or a number, got a bigint$/, TypeError);
    throwsNaming(() => torch.zeros([2]).add_(1n as never), 'add_', /^add_: expected a Tensor or a number, got a bigint$/, TypeError);
    throwsNaming(() => torch.zeros([2]).matmul(3 as never), 'matmul', /^matmul: expected a Tensor, got a number$/, TypeError);
    throwsNaming(() => torch.zeros([2]).copy_(3n as never), 'copy_', /^copy_: expected a Tensor, got a bigint$/, TypeError);
    throwsNaming(() => torch.conv2d(torch.zeros([1, 1, 3, 3]), 'w' as never), 'conv2d', /expected weight to be a Tensor, got a string/, TypeError);
    throwsNaming(() => torch.linear(torch.zeros([1, 2]), null as never), 'linear', /expected weight to be a Tensor, got null/, TypeError);
    throwsNaming(() => torch.cat([torch.zeros([1]), 5 as never]), 'cat', /^cat: expected a Tensor, got a number$/, TypeError);
    throwsNaming(() => torch.stack([torch.zeros([1]), new Int32Array(1) as never]), 'stack', /^stack: expected a Tensor, got an Int32Array$/, TypeError);
    throwsNaming(() => torch.zeros([2]).gather(0, null as never), 'gather', /^gather: expected a Tensor, got null$/, TypeError);
    throwsNaming(() => torch.zeros(['a' as never]), 'zeros', /array of integers/, TypeError);
    throwsNaming(() => torch.zeros([2]).view('a' as never), 'view', /array of integers/, TypeError);
    throwsNaming(() => torch.tensor(['a', 'b'] as never), 'tensor', /expected numbers, booleans or bigints, got string/, TypeError);
    throwsNaming(() => torch.tensor([[1, 2], [3]]), 'tensor', /ragged/, TypeError);
    assert.throws(() => torch.zeros([2], { dtype: 'complex64' as never }), (e: Error) => e instanceof TypeError && /unknown dtype 'complex64' \(known: float32/.test(e.message));
    assert.throws(() => torch.manualSeed(-1), RangeError);
  });

  test('aCorruptOrTruncatedSafetensorsFileIsAClearError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnas-err-'));
    const path = join(dir, 'w.safetensors');
    torch.save(path, { a: torch.ones([100]) });
    const bytes = readFileSync(path);
    const write = (name: string, b: Uint8Array) => {
      writeFileSync(join(dir, name), b);
      return join(dir, name);
    };
    assert.throws(() => torch.load(write('cut.safetensors', bytes.subarray(0, bytes.length - 10))), /cut\.safetensors' is not a valid safetensors file: tensor 'a' data \[0, 400\) lies outside the 390 data bytes \(the file is truncated or corrupt/);
    assert.throws(() => torch.load(write('tiny.safetensors', bytes.subarray(0, 5))), /tiny\.safetensors' is not a valid safetensors file: only 5 bytes/);
    assert.throws(() => torch.load(write('head.safetensors', bytes.subarray(0, 20))), /header length \d+ exceeds the 12 bytes that follow/);
    const garbled = Buffer.from(bytes);
    garbled.write('{{{{', 8);
    assert.throws(() => torch.load(write('bad.safetensors', garbled)), /header is not valid JSON/);
    const lying = Buffer.from(bytes);
    lying.write(lying.subarray(8, 8 + Number(lying.readBigUInt64LE(0))).toString().replace('"F32"', '"F64"'), 8);
    assert.throws(() => torch.load(write('dtype.safetensors', lying)), /tensor 'a' has 400 bytes but shape \[100\] of F64 needs 800/);
    const odd = Buffer.from(bytes);
    odd.write(odd.subarray(8, 8 + Number(odd.readBigUInt64LE(0))).toString().replace('"F32"', '"C64"'), 8);
    assert.throws(() => torch.load(write('c64.safetensors', odd)), /tensor 'a' has unsupported dtype 'C64'/);
    assert.throws(() => torch.load(join(dir, 'missing.safetensors')), /cannot read '.*missing\.safetensors': ENOENT/);
    assert.throws(() => torch.deserialize(new Uint8Array(16).fill(255)), /buffer is not a valid safetensors file/);
    const withHeader = (header: object, data: number[]) => {
      const json = Buffer.from(JSON.stringify(header));
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(BigInt(json.length));
      return Buffer.concat([len, json, Buffer.from(data)]);
    };
    assert.throws(() => torch.deserialize(withHeader({ b: { dtype: 'BOOL', shape: [2], data_offsets: [0, 2] } }, [1, 2]), 'b.st'), /b\.st is not a valid safetensors file: tensor 'b' is BOOL but holds bytes other than 0 and 1/);
    assert.throws(() => torch.deserialize(withHeader({ n: { dtype: 'U8', shape: [-1, -2], data_offsets: [0, 2] } }, [1, 2])), /tensor 'n' has shape \[-1,-2\]; dimensions must be non-negative integers/);
    assert.throws(() => torch.deserialize(withHeader({ o: { dtype: 'U8', shape: [2], data_offsets: [0.5, 2.5] } }, [1, 2, 3])), /tensor 'o' has data_offsets \[0\.5,2\.5\]; offsets must be integers/);
  });
});
