import assert from 'node:assert/strict';
import { test } from 'node:test';
import { onnxModelBytes } from '../../../src/eval/onnx/index.js';
import { createDartsOp, DARTS_OPS } from '../../../src/nas/spaces/darts-ops.js';
import { createNb201Op, ResNetBasicBlock } from '../../../src/nas/spaces/nb201-ops.js';
import * as torch from '../../../src/torch/index.js';
import { randomizeBatchNorms } from '../helpers.js';
import { assertMatchesOnnxRuntime } from './onnx-runtime.js';

torch.manualSeed(1);
const C = 4;

// Every DARTS candidate op as the trained network builds it (affine BN, own leading ReLU), at both strides.
// R-DARTS' 'noise' is a search-time op with random output: nothing to compare, and no trained cell keeps it.
for (const primitive of Object.keys(DARTS_OPS).filter((p) => p !== 'noise')) {
  for (const stride of [1, 2]) {
    test(`dartsOp_${primitive}_stride${stride}_matchesOnnxRuntimeInEvalMode`, async () => {
      const op = createDartsOp(primitive, C, stride, true, false);
      randomizeBatchNorms(op);
      const x = torch.randn([2, C, 8, 8]);
      const { bytes, outputShape } = onnxModelBytes(op, [1, C, 8, 8]);
      assert.deepEqual(outputShape, [1, C, 8 / stride, 8 / stride]);
      await assertMatchesOnnxRuntime(op, bytes, x);
      // A match on all-zero outputs proves little: only 'none' may be zero.
      const ours = torch.noGrad(() => op.forward(x));
      assert.equal(ours.abs().max().item() > 0.01, primitive !== 'none');
    });
  }
}

test('nb201ConvOpsAndResNetBlockMatchOnnxRuntime', async () => {
  for (const op of [createNb201Op('nor_conv_3x3', C, 1, { affine: true, trackRunningStats: true }), new ResNetBasicBlock(C, 2 * C, 2), new ResNetBasicBlock(C, C, 1)]) {
    randomizeBatchNorms(op);
    const { bytes } = onnxModelBytes(op, [1, C, 8, 8]);
    await assertMatchesOnnxRuntime(op, bytes, torch.randn([2, C, 8, 8]));
  }
});
