// The ONNX protobuf schema as generated protobufjs classes (onnx-proto ships onnx.proto compiled
// for protobufjs), so the encoder is the maintained library's, not ours.
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
export type { onnx as OnnxTypes } from 'onnx-proto';
export { IR_VERSION, OPSET_VERSION } from './versions.js';
