// Process-wide switches between kernels (like torch.backends.*). The addon's own switches compute
// the same values either way: they exist so a benchmark can compare both kernels in one process and
// a user can step around one. cudnn.allowTF32 trades float32 precision for speed on the GPU.
import { native } from './native.js';
import { callRaw } from './tensor.js';

export const backends = {
  /**
   * conv2d with groups = in = out channels runs through the addon's depthwiseConv2d, whose input
   * gradient is a depthwise convolution with the flipped kernel (for stride > 1, of the output
   * gradient spread onto the input grid): measured 10–12× faster than libtorch 1.13's CPU depthwise
   * backward at stride 1, up to 100× for dilated kernels at stride 2; same values up to float
   * summation order. `DNAS_FAST_DEPTHWISE=0` turns it off.
   */
  fastDepthwiseConv: process.env.DNAS_FAST_DEPTHWISE !== '0',
  /**
   * nn.Sequential runs a depthwise Conv2d followed by a bias-free 1×1 Conv2d as one
   * torch.separableConv2d, which recomputes the depthwise output in backward instead of keeping it:
   * the same values and gradients, one activation less per block. `DNAS_RECOMPUTE_SEPARABLE=0`
   * keeps it (two separate convolutions).
   */
  recomputeSeparableConv: process.env.DNAS_RECOMPUTE_SEPARABLE !== '0',
  /**
   * nn.Sequential runs a BatchNorm2d followed by a ReLU as one torch.batchNorm(…, {relu: true}):
   * the same values and gradients, one pass over memory fewer each way in training mode.
   * `DNAS_FUSE_BN_RELU=0` runs them apart.
   */
  fuseBatchNormReLU: process.env.DNAS_FUSE_BN_RELU !== '0',
  /**
   * torch.cat along the channels of channels-last 4-D CPU tensors (every DARTS cell's output) copies
   * whole pixel rows instead of going through libtorch's strided copy: the same values, 2.6 ms
   * instead of 4.5 ms for four 96×36×32×32 inputs. `DNAS_CHANNELS_LAST_CAT=0` takes libtorch's.
   */
  channelsLastCat: process.env.DNAS_CHANNELS_LAST_CAT !== '0',
  /**
   * A trained cell's node with drop path whose ops end in a batch norm (or one does and the other is
   * an identity) folds the drop path and the sum into those batch norms (BatchNorm2d.forwardNode):
   * bit for bit the node's values and gradients, without the ops' outputs written out and read back
   * or the gradient divided in a pass of its own. `DNAS_FOLD_DROP_PATH=0` runs nn.dropPathSum.
   */
  foldDropPathIntoBatchNorm: process.env.DNAS_FOLD_DROP_PATH !== '0',
  /**
   * 1×1 ReLUConvBNs reading the same tensor (the preprocessing of consecutive DARTS cells) run as one
   * convolution, and their batch norms as one over its channels (runReLUConvBNsTogether): the same
   * values up to float summation order in the input gradient and the statistics.
   * `DNAS_JOIN_SIBLING_CONVS=0` runs them apart.
   */
  joinSiblingConvs: process.env.DNAS_JOIN_SIBLING_CONVS !== '0',
  /**
   * torch.reluCat (a trained DARTS cell's output, read through a ReLU by everything but the
   * classifier) runs as one op on channels-last CPU tensors: one pass forward and one backward
   * instead of the concatenation's and the ReLU's, the same values and gradients.
   * `DNAS_FUSE_RELU_CAT=0` runs torch.cat then relu.
   */
  fuseReLUCat: process.env.DNAS_FUSE_RELU_CAT !== '0',
  /**
   * torch.perSampleQuotientSum (a trained cell's node with drop path: nn.dropPathSum) runs as one
   * kernel: one pass forward and one backward instead of two divisions and an addition, the same
   * values and gradients. `DNAS_FUSE_DROP_PATH_SUM=0` composes it from tensor ops.
   */
  fuseDropPathSum: process.env.DNAS_FUSE_DROP_PATH_SUM !== '0',
  /**
   * torch.backends.cudnn.allow_tf32: whether cuDNN may run float32 convolutions in TF32 on GPUs that
   * have it (Ampere and newer). On by default, as in PyTorch: faster, with about 1e-3 relative error
   * per convolution. Turn it off to compare a GPU run with the CPU in float32.
   */
  cudnn: {
    get allowTF32(): boolean {
      return callRaw('backends.cudnn.allowTF32', () => native.cudnnAllowTF32());
    },
    set allowTF32(on: boolean) {
      callRaw('backends.cudnn.allowTF32', () => native.cudnnAllowTF32(on));
    },
  },
};
