// Ops of the discrete (evaluation) DARTS network: the search space's op table with affine BN and each
// op's own leading ReLU, plus the one op of the reference table the search never uses but the
// published NASNet / AmoebaNet genotypes do.
import * as nn from '../nn/index.js';
import { createDartsOp, DARTS_OPS } from '../nas/spaces/darts-ops.js';

/** ReLU → Conv 1×7 → Conv 7×1 → BN (quark0/darts operations.py 'conv_7x1_1x7'); the stride splits over the two convs. */
function conv7x1x1x7(c: number, stride: number): nn.Module {
  return new nn.Sequential(
    new nn.ReLU(),
    new nn.Conv2d(c, c, [1, 7], { stride: [1, stride], padding: [0, 3], bias: false }),
    new nn.Conv2d(c, c, [7, 1], { stride: [stride, 1], padding: [3, 0], bias: false }),
    new nn.BatchNorm2d(c, { affine: true }),
  );
}

export const DARTS_EVAL_OP_NAMES: readonly string[] = Object.freeze([...Object.keys(DARTS_OPS), 'conv_7x1_1x7']);

/** An op of a network trained from a genotype: affine BN, not pre-activated. */
export function createDartsEvalOp(primitive: string, channels: number, stride: number): nn.Module {
  if (primitive === 'conv_7x1_1x7') return conv7x1x1x7(channels, stride);
  if (!DARTS_OPS[primitive]) throw new Error(`unknown DARTS op '${primitive}' in the genotype (known: ${DARTS_EVAL_OP_NAMES.join(', ')})`);
  return createDartsOp(primitive, channels, stride, true, false);
}

/**
 * The op's layers as a Sequential when they begin with a ReLU (ReLUConvBN, SepConv, DilConv, the
 * 7×1/1×7 conv), else null. A cell gives every such op reading the same state one shared ReLU of
 * it and runs the rest (Sequential.forwardFrom(x, 1)): the same values, one activation computed and
 * kept for backward instead of one per op. The layers stay in place, so parameter names and the
 * ONNX graph are the reference's.
 */
export function layersAfterLeadingReLU(op: nn.Module): nn.Sequential | null {
  const inner = (op as { op?: unknown }).op;
  const layers = op instanceof nn.Sequential ? op : inner instanceof nn.Sequential ? inner : null;
  return layers && layers.length > 1 && layers.at(0) instanceof nn.ReLU ? layers : null;
}
