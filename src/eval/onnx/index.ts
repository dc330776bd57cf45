// ONNX export of eval-mode networks.
export { exportOnnx, onnxModelBytes, type OnnxExportOptions, type OnnxExportResult } from './export.js';
export { OnnxGraph, isOnnxExportable, type Attribute, type Dim, type OnnxExportable } from './graph.js';
export { registerOnnxEmitter } from './registry.js';
export type { OnnxEmitter } from './emitter.js';
export { OPSET_VERSION } from './versions.js';
