// The ONNX protobuf schema as generated protobufjs classes (onnx-proto ships onnx.proto compiled
// for protobufjs), so the encoder is the maintained library's, not ours.
import onnxProto from 'onnx-proto';

export const onnx = onnxProto.onnx;
export type { onnx as OnnxTypes } from 'onnx-proto';

/** Opset 17: BatchNormalization-15 (training_mode attribute), ReduceMean with `axes` as an attribute, Slice-13. */
export const OPSET_VERSION = 17;
/** IR version 8 is the one opset 17 ships with (ONNX 1.12); onnxruntime reads it. */
export const IR_VERSION = 8;
