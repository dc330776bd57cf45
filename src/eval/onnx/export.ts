// exportOnnx: a module's eval-mode forward as an ONNX model file.
import type { Module } from '../../nn/index.js';
import * as torch from '../../torch/index.js';
import { writeFileAtomically } from '../write-file.js';
import { type Dim, OnnxGraph } from './graph.js';

export interface OnnxExportOptions {
  /** Graph input and output names (defaults 'input' and 'logits'). */
  inputName?: string;
  outputName?: string;
  /** Leave the batch dimension free (named 'batch'), so one file serves every batch size. Default true. */
  dynamicBatch?: boolean;
  /** Key/value strings stored in the model's metadata_props (the input normalisation, the genotype). */
  metadata?: Record<string, string>;
}

export interface OnnxExportResult {
  file: string;
  inputName: string;
  outputName: string;
  outputShape: number[];
  nodes: number;
}

/** The ONNX model bytes of `module`'s eval-mode forward on inputs of `inputShape` ([N, C, H, W]). */
export function onnxModelBytes(module: Module, inputShape: number[], o: OnnxExportOptions = {}): { bytes: Uint8Array; outputShape: number[]; nodes: number } {
  if (inputShape.length === 0 || inputShape.some((d) => !Number.isSafeInteger(d) || d < 1)) {
    throw new Error(`exportOnnx: inputShape must be positive integers such as [1, 3, 32, 32], got [${inputShape.join(', ')}]`);
  }
  const inputName = o.inputName ?? 'input';
  const outputName = o.outputName ?? 'logits';
  const dynamic = o.dynamicBatch ?? true;
  return withEvalMode(module, () => {
    // One forward pass gives the output shape the file declares, and proves the module runs on this input.
    const outputShape = torch.tidy(() => torch.noGrad(() => firstTensor(module, module.forward(torch.zeros(inputShape))).shape));
    const batch = (shape: number[]): Dim[] => (dynamic ? ['batch', ...shape.slice(1)] : shape);
    const g = new OnnxGraph(module);
    const input = g.addInput(inputName, batch(inputShape));
    g.addOutput(g.emit(module, input), outputName, batch(outputShape));
    return { bytes: g.encode(module.constructor.name, o.metadata), outputShape, nodes: g.nodeCount };
  });
}

/** Writes `module`'s eval-mode forward to `file` as an ONNX model (opset 17), atomically. */
export function exportOnnx(module: Module, inputShape: number[], file: string, o: OnnxExportOptions = {}): OnnxExportResult {
  const { bytes, outputShape, nodes } = onnxModelBytes(module, inputShape, o);
  writeFileAtomically(file, bytes, 'ONNX model');
  return { file, inputName: o.inputName ?? 'input', outputName: o.outputName ?? 'logits', outputShape, nodes };
}

/**
 * The logits among a forward's results: the tensor itself, or the first element of a tuple, as in
 * the reference's NetworkCIFAR, which returns (logits, logits_aux) with logits_aux None in eval mode.
 */
function firstTensor(module: Module, out: unknown): torch.Tensor {
  const first = Array.isArray(out) ? out[0] : out;
  if (first instanceof torch.Tensor) return first;
  throw new Error(`exportOnnx: ${module.constructor.name}.forward returned ${Array.isArray(out) ? 'an array without a tensor first' : typeof out}; export needs a forward that returns the logits (or [logits, …])`);
}

/** Runs `fn` with every submodule in eval mode, then restores each module's own mode. */
function withEvalMode<T>(module: Module, fn: () => T): T {
  const modes = module.modules().map((m) => [m, m.training] as const);
  module.eval();
  try {
    return fn();
  } finally {
    for (const [m, training] of modes) m.training = training;
  }
}
