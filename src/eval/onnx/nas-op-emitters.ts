// ONNX nodes for the candidate ops of the DARTS and NAS-Bench-201 spaces (eval mode), so a network
// built from a genotype exports without its ops knowing about ONNX.
import { DilConv, FactorizedReduce, ReLUConvBN, SepConv, Zero } from '../../nas/spaces/darts-ops.js';
import { Nb201ReLUConvBN, ResNetBasicBlock } from '../../nas/spaces/nb201-ops.js';
import { type EmitterEntry, emitterEntry } from './emitter.js';
import type { OnnxGraph } from './graph.js';

function emitZero(g: OnnxGraph, m: Zero, x: string): string {
  const path = g.pathOf(m);
  // x·0 rather than a constant of zeros: the shape follows the input, batch size included.
  const strided = m.stride === 1 ? x : g.slice(x, { axes: [2, 3], starts: [0, 0], steps: [m.stride, m.stride] }, `${path}/strided`);
  return g.mulConstant(strided, 0, path);
}

function emitFactorizedReduce(g: OnnxGraph, m: FactorizedReduce, x: string): string {
  const path = g.pathOf(m);
  const r = g.emit(m.relu, x);
  // The second conv sees the input shifted by one pixel (x[:, :, 1:, 1:]).
  const shifted = g.slice(r, { axes: [2, 3], starts: [1, 1] }, `${path}/shifted`);
  const joined = g.concat([g.emit(m.conv_1, r), g.emit(m.conv_2, shifted)], 1, `${path}/concat`);
  return g.emit(m.bn, joined);
}

function emitResNetBasicBlock(g: OnnxGraph, m: ResNetBasicBlock, x: string): string {
  const block = g.emit(m.conv_b, g.emit(m.conv_a, x));
  const residual = m.downsample ? g.emit(m.downsample, x) : x;
  return g.add(residual, block, g.pathOf(m));
}

export const NAS_OP_EMITTERS: EmitterEntry[] = [
  emitterEntry(ReLUConvBN, (g, m, x) => g.emit(m.op, x)),
  emitterEntry(DilConv, (g, m, x) => g.emit(m.op, x)),
  emitterEntry(SepConv, (g, m, x) => g.emit(m.op, x)),
  emitterEntry(Nb201ReLUConvBN, (g, m, x) => g.emit(m.op, x)),
  emitterEntry(Zero, emitZero),
  emitterEntry(FactorizedReduce, emitFactorizedReduce),
  emitterEntry(ResNetBasicBlock, emitResNetBasicBlock),
];
