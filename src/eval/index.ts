// The eval layer: networks trained from a genotype, training, evaluation, the NAS-Bench-201 table.
export { NetworkCIFAR, NetworkImageNet, DartsEvalCell, AuxiliaryHead, reductionCells, type GenotypeNetwork, type NetworkOutput, type DartsNetworkOptions } from './darts-network.js';
export { TinyNetwork, InferCell, type Nb201NetworkOptions } from './nb201-network.js';
export { createDartsEvalOp, DARTS_EVAL_OP_NAMES } from './darts-ops.js';
export { dropPath } from './drop-path.js';
export { countMacs, type MacOptions } from './macs.js';
export { buildNetwork, countParameters, networkKindFor, type NetworkSpec } from './network.js';
export { PUBLISHED_GENOTYPES, PC_DARTS_CIFAR, PC_DARTS_IMAGE, getPublishedGenotype, type PublishedGenotype } from './published-genotypes.js';
export { resolveGenotype, readGenotypeFile, readRunGenotype, genotypeJSON, type ResolvedGenotype } from './genotype-source.js';
export { NB201_DATASETS, Nb201Table, loadNb201Table, lookupNb201, nb201Lookup, defaultNb201Path, type Nb201Dataset, type Nb201Entry, type Nb201Result, type Nb201Curve } from './nb201-table.js';
export { trainConfigSchema, parseTrainConfig, PROTOCOLS, DARTS_CIFAR_PROTOCOL, DARTS_IMAGENET_PROTOCOL, NB201_PROTOCOL, TRAIN_PRESETS, type TrainConfig, type NetworkKind } from './train-config.js';
export { openTrainDataset, trainLoader } from './train-data.js';
export { runTraining, dropPathAt, TrainingDiverged, type TrainEvent, type TrainIO, type TrainResult } from './train.js';
export { evaluateRun, testMetrics, openTestDataset, readTrainConfig, type EvalReport, type TestMetrics, type EvaluateOptions } from './evaluate.js';
export { exportOnnx } from './onnx/export.js';
export * as onnx from './onnx/index.js';
export { exportSafetensors } from './export-safetensors.js';
export { exportRun, type RunNetwork, type BuildNetworkForRun } from './export-run.js';
export { buildNetworkForRun } from './network-for-run.js';
