// The ONNX versions we write, apart from the protobuf classes so the public types do not pull in
// onnx-proto's declarations (which need protobufjs' Long type in a consumer's type check).

/** Opset 17: BatchNormalization-15 (training_mode attribute), ReduceMean with `axes` as an attribute, Slice-13. */
export const OPSET_VERSION = 17;
/** IR version 8 is the one opset 17 ships with (ONNX 1.12); onnxruntime reads it. */
export const IR_VERSION = 8;
