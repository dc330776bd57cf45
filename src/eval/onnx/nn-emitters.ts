// ONNX nodes for the eval-mode forward of each src/nn layer, with PyTorch's semantics carried over
// attribute by attribute (padding order, count_include_pad, Gemm's transposed weight).
import * as nn from '../../nn/index.js';
import { type EmitterEntry, emitterEntry } from './emitter.js';
import type { OnnxGraph } from './graph.js';

type Pair = number | [number, number];
const pair = (v: Pair): [number, number] => (Array.isArray(v) ? v : [v, v]);
// ONNX pads list every axis' start, then every axis' end; PyTorch pads both ends alike.
const pads = (p: Pair): number[] => {
  const [h, w] = pair(p);
  return [h, w, h, w];
};

function emitConv2d(g: OnnxGraph, m: nn.Conv2d, x: string): string {
  const path = g.pathOf(m);
  const inputs = [x, g.param(m, 'weight', m.weight)];
  if (m.bias) inputs.push(g.param(m, 'bias', m.bias));
  const [, , kh, kw] = m.weight.shape;
  return g.node('Conv', inputs, {
    kernel_shape: { ints: [kh!, kw!] },
    strides: { ints: m.stride },
    pads: { ints: pads(m.padding) },
    dilations: { ints: m.dilation },
    group: { int: m.groups },
  }, path);
}

function emitBatchNorm2d(g: OnnxGraph, m: nn.BatchNorm2d, x: string): string {
  const path = g.pathOf(m);
  const c = m.numFeatures;
  // affine=false: the reference's BN has no weight/bias, which is BN with scale 1 and shift 0.
  const scale = m.weight ? g.param(m, 'weight', m.weight) : g.constant(`${path}.unit_scale`, new Float32Array(c).fill(1), [c]);
  const shift = m.bias ? g.param(m, 'bias', m.bias) : g.constant(`${path}.zero_shift`, new Float32Array(c), [c]);
  if (m.runningMean && m.runningVar) {
    // ONNX's momentum weighs the old statistic, PyTorch's the new one; it only matters in training mode.
    return g.node('BatchNormalization', [x, scale, shift, g.param(m, 'running_mean', m.runningMean), g.param(m, 'running_var', m.runningVar)], {
      epsilon: { float: m.eps },
      momentum: { float: 1 - m.momentum },
    }, path);
  }
  // trackRunningStats=false (NAS-Bench-201's supernet): PyTorch normalises with the batch's own
  // biased statistics even in eval mode, so write that out.
  const mean = g.node('ReduceMean', [x], { axes: { ints: [0, 2, 3] }, keepdims: { int: 1 } }, `${path}/batch_mean`);
  const centred = g.node('Sub', [x, mean], {}, `${path}/centred`);
  const variance = g.node('ReduceMean', [g.node('Mul', [centred, centred], {}, `${path}/squared`)], { axes: { ints: [0, 2, 3] }, keepdims: { int: 1 } }, `${path}/batch_var`);
  const std = g.node('Sqrt', [g.node('Add', [variance, g.constant(`${path}.eps`, [m.eps], [])], {}, `${path}/var_eps`)], {}, `${path}/std`);
  const normalised = g.node('Div', [centred, std], {}, `${path}/normalised`);
  const perChannel = (name: string) => g.node('Reshape', [name, g.constantInt64(`${path}/channel_shape`, [1, c, 1, 1])], {}, `${name}/per_channel`);
  return g.node('Add', [g.node('Mul', [normalised, perChannel(scale)], {}, `${path}/scaled`), perChannel(shift)], {}, path);
}

function poolStride(kernel: Pair, stride: Pair | null | undefined): [number, number] {
  return pair(stride ?? kernel);
}

function emitMaxPool2d(g: OnnxGraph, m: nn.MaxPool2d, x: string): string {
  return g.node('MaxPool', [x], {
    kernel_shape: { ints: pair(m.kernelSize) },
    strides: { ints: poolStride(m.kernelSize, m.opts.stride) },
    pads: { ints: pads(m.opts.padding ?? 0) },
    dilations: { ints: pair(m.opts.dilation ?? 1) },
    ceil_mode: { int: m.opts.ceilMode ? 1 : 0 },
  }, g.pathOf(m));
}

function emitAvgPool2d(g: OnnxGraph, m: nn.AvgPool2d, x: string): string {
  const path = g.pathOf(m);
  if (m.opts.divisorOverride !== undefined) throw new Error(`ONNX export: AvgPool2d at '${path}' has divisorOverride=${m.opts.divisorOverride}, which ONNX's AveragePool cannot express; remove it to export`);
  return g.node('AveragePool', [x], {
    kernel_shape: { ints: pair(m.kernelSize) },
    strides: { ints: poolStride(m.kernelSize, m.opts.stride) },
    pads: { ints: pads(m.opts.padding ?? 0) },
    ceil_mode: { int: m.opts.ceilMode ? 1 : 0 },
    // PyTorch counts zero padding in the divisor by default, ONNX does not: always say which.
    count_include_pad: { int: (m.opts.countIncludePad ?? true) ? 1 : 0 },
  }, path);
}

function emitAdaptiveAvgPool2d(g: OnnxGraph, m: nn.AdaptiveAvgPool2d, x: string): string {
  const [h, w] = pair(m.outputSize);
  if (h !== 1 || w !== 1) throw new Error(`ONNX export: AdaptiveAvgPool2d at '${g.pathOf(m)}' has output size [${h}, ${w}]; only [1, 1] (global average pooling) exports`);
  return g.node('GlobalAveragePool', [x], {}, g.pathOf(m));
}

function emitLinear(g: OnnxGraph, m: nn.Linear, x: string): string {
  const inputs = [x, g.param(m, 'weight', m.weight)];
  if (m.bias) inputs.push(g.param(m, 'bias', m.bias));
  // Gemm needs a 2-D input: a classifier after Flatten or global pooling + Flatten.
  return g.node('Gemm', inputs, { transB: { int: 1 } }, g.pathOf(m));
}

function emitFlatten(g: OnnxGraph, m: nn.Flatten, x: string): string {
  // ONNX Flatten always yields 2-D, which is torch's flatten(1, -1) and nothing else.
  if (m.startDim !== 1 || m.endDim !== -1) throw new Error(`ONNX export: Flatten at '${g.pathOf(m)}' flattens dims ${m.startDim}..${m.endDim}; only Flatten(1, -1) exports`);
  return g.node('Flatten', [x], { axis: { int: 1 } }, g.pathOf(m));
}

function emitSequential(g: OnnxGraph, m: nn.Sequential, x: string): string {
  let y = x;
  for (const child of m) y = g.emit(child, y);
  return y;
}

export const NN_EMITTERS: EmitterEntry[] = [
  emitterEntry(nn.Conv2d, emitConv2d),
  emitterEntry(nn.BatchNorm2d, emitBatchNorm2d),
  emitterEntry(nn.ReLU, (g, m, x) => g.relu(x, g.pathOf(m))),
  emitterEntry(nn.MaxPool2d, emitMaxPool2d),
  emitterEntry(nn.AvgPool2d, emitAvgPool2d),
  emitterEntry(nn.AdaptiveAvgPool2d, emitAdaptiveAvgPool2d),
  emitterEntry(nn.Linear, emitLinear),
  emitterEntry(nn.Flatten, emitFlatten),
  // Eval mode: Identity and Dropout pass their input through.
  emitterEntry(nn.Identity, (_g, _m, x) => x),
  emitterEntry(nn.Dropout, (_g, _m, x) => x),
  emitterEntry(nn.Sequential, emitSequential),
  emitterEntry(nn.ModuleList, (g, m) => {
    throw new Error(`ONNX export: ModuleList at '${g.pathOf(m)}' has no forward; emit its modules from the owner's toOnnx`);
  }),
];
