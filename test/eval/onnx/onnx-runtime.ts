// Runs an exported model in onnxruntime-node and compares it with our eval-mode forward.
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import type * as nn from '../../../src/nn/index.js';
import * as torch from '../../../src/torch/index.js';

/** The model's output on `x` as computed by onnxruntime. */
export async function runOnnx(bytes: Uint8Array, x: torch.Tensor, inputName = 'input', outputName = 'logits'): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const feeds = { [inputName]: new ort.Tensor('float32', x.data() as Float32Array, x.shape) };
    const out = (await session.run(feeds))[outputName];
    assert.ok(out, `onnxruntime returned no '${outputName}'`);
    return { data: out.data as Float32Array, dims: out.dims };
  } finally {
    await session.release();
  }
}

/** Asserts that onnxruntime and our eval-mode forward agree on `x` to `tol` (max absolute difference); returns that difference. */
export async function assertMatchesOnnxRuntime(m: nn.Module, bytes: Uint8Array, x: torch.Tensor, tol = 1e-4): Promise<number> {
  m.eval();
  const ours = torch.noGrad(() => m.forward(x));
  const theirs = await runOnnx(bytes, x);
  assert.deepEqual([...theirs.dims], ours.shape);
  const expected = ours.data() as Float32Array;
  if (ours !== x) ours.dispose();
  let maxDiff = 0;
  for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(expected[i]! - theirs.data[i]!));
  assert.ok(maxDiff <= tol, `onnxruntime differs from our forward by ${maxDiff} (> ${tol})`);
  return maxDiff;
}
