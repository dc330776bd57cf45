import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { exportOnnx, type OnnxExportable, type OnnxGraph, onnxModelBytes } from '../../../src/eval/onnx/index.js';
import { onnx, type OnnxTypes } from '../../../src/eval/onnx/proto.js';
import * as nn from '../../../src/nn/index.js';
import * as torch from '../../../src/torch/index.js';
import { randomizeBatchNorms, tempDir } from '../helpers.js';
import { assertMatchesOnnxRuntime } from './onnx-runtime.js';

torch.manualSeed(0);

/** The decoded graph, with protobufjs' optional fields read as the decoder fills them (arrays always present). */
function graphOf(bytes: Uint8Array) {
  const g = onnx.ModelProto.decode(bytes).graph as OnnxTypes.GraphProto;
  return { ...g, node: g.node as OnnxTypes.NodeProto[] };
}

function smallClassifier(): nn.Sequential {
  const net = new nn.Sequential(
    new nn.Conv2d(3, 8, 3, { padding: 1 }),
    new nn.BatchNorm2d(8),
    new nn.ReLU(),
    new nn.MaxPool2d(2),
    new nn.Conv2d(8, 8, 3, { stride: 2, padding: 2, dilation: 2, groups: 2 }),
    new nn.BatchNorm2d(8, { affine: false }),
    // PyTorch's default counts zero padding in the divisor; DARTS' pool does not: both must survive export.
    new nn.AvgPool2d(3, { stride: 1, padding: 1 }),
    new nn.AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }),
    new nn.Dropout(0.5),
    new nn.AdaptiveAvgPool2d(1),
    new nn.Flatten(),
    new nn.Linear(8, 5),
  );
  randomizeBatchNorms(net);
  return net;
}

test('convBnReluPoolLinearNetworkMatchesOnnxRuntimeForAnyBatchSize', async () => {
  const net = smallClassifier();
  const { bytes, outputShape } = onnxModelBytes(net, [1, 3, 16, 16]);
  assert.deepEqual(outputShape, [1, 5]);
  // Exported for batch 1, run on batch 3: the batch dimension is left free.
  const diff = await assertMatchesOnnxRuntime(net, bytes, torch.randn([3, 3, 16, 16]));
  assert.ok(diff < 1e-4);
});

test('channelsLastNetworkExportsItsLogicalWeights', async () => {
  // Searches and training run channels-last by default: the file must hold NCHW weights all the same.
  const net = smallClassifier().to({ memoryFormat: 'channelsLast' });
  assert.equal(net.at(0).getParameter('weight').isContiguous('channelsLast'), true);
  const { bytes } = onnxModelBytes(net, [1, 3, 16, 16]);
  await assertMatchesOnnxRuntime(net, bytes, torch.randn([2, 3, 16, 16]));
});

test('exportedModelDeclaresOpset17AndNamesWeightsByStateDictKeys', () => {
  const net = smallClassifier();
  const bytes = onnxModelBytes(net, [1, 3, 16, 16]).bytes;
  assert.equal(Number(onnx.ModelProto.decode(bytes).opsetImport[0]!.version), 17);
  const graph = graphOf(bytes);
  const names = graph.initializer.map((t) => t.name);
  for (const key of ['0.weight', '0.bias', '1.weight', '1.running_mean', '1.running_var', '4.weight', '5.running_mean', '11.weight', '11.bias']) assert.ok(names.includes(key), `missing initializer '${key}' in ${names.join(', ')}`);
  const ops = graph.node.map((n) => n.opType);
  assert.deepEqual(ops, ['Conv', 'BatchNormalization', 'Relu', 'MaxPool', 'Conv', 'BatchNormalization', 'AveragePool', 'AveragePool', 'GlobalAveragePool', 'Flatten', 'Gemm']);
  const pools = graph.node.filter((n) => n.opType === 'AveragePool').map((n) => Number(n.attribute.find((a) => a.name === 'count_include_pad')!.i));
  assert.deepEqual(pools, [1, 0]);
});

test('exportLeavesEachModulesTrainingModeAsItWas', () => {
  const net = smallClassifier();
  net.train();
  net.at(1).training = false;
  onnxModelBytes(net, [1, 3, 16, 16]);
  assert.deepEqual(net.modules().map((m) => m.training), net.modules().map((m) => m !== net.at(1)));
});

test('batchNormWithoutRunningStatsExportsBatchStatistics', async () => {
  const net = new nn.Sequential(new nn.Conv2d(3, 4, 3, { padding: 1 }), new nn.BatchNorm2d(4, { affine: true, trackRunningStats: false }));
  randomizeBatchNorms(net);
  const { bytes } = onnxModelBytes(net, [2, 3, 6, 6]);
  await assertMatchesOnnxRuntime(net, bytes, torch.randn([2, 3, 6, 6]));
});

/** A two-branch block that writes its own graph: the opt-in path cells and networks use. */
class TwoBranch extends nn.Module implements OnnxExportable {
  readonly conv = this.registerModule('conv', new nn.Conv2d(4, 4, 3, { padding: 1, bias: false }));
  readonly pool = this.registerModule('pool', new nn.AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false }));
  forward(x: torch.Tensor): torch.Tensor {
    return torch.tidy(() => torch.cat([this.conv.forward(x).add(this.pool.forward(x)), x.mul(0.5)], 1));
  }
  toOnnx(g: OnnxGraph, x: string): string {
    const sum = g.add(g.emit(this.conv, x), g.emit(this.pool, x));
    return g.concat([sum, g.mulConstant(x, 0.5)], 1);
  }
}

test('moduleImplementingToOnnxIsEmittedByItsOwnMethodInsideASequential', async () => {
  const net = new nn.Sequential(new nn.Conv2d(3, 4, 1), new TwoBranch(), new nn.BatchNorm2d(8));
  randomizeBatchNorms(net);
  const { bytes } = onnxModelBytes(net, [1, 3, 8, 8]);
  assert.ok(graphOf(bytes).initializer.some((t) => t.name === '1.conv.weight'));
  await assertMatchesOnnxRuntime(net, bytes, torch.randn([2, 3, 8, 8]));
});

/** A DARTS-like cell: two inputs, each preprocessed, one node summing two ops, the states concatenated. */
class TwoInputCell extends nn.Module implements OnnxExportable {
  readonly pre0 = this.registerModule('preprocess0', new nn.Sequential(new nn.ReLU(), new nn.Conv2d(4, 4, 1, { bias: false }), new nn.BatchNorm2d(4)));
  readonly pre1 = this.registerModule('preprocess1', new nn.Sequential(new nn.ReLU(), new nn.Conv2d(4, 4, 1, { bias: false }), new nn.BatchNorm2d(4)));
  readonly ops = this.registerModule('_ops', new nn.ModuleList([new nn.MaxPool2d(3, { stride: 1, padding: 1 }), new nn.Identity()]));
  forward(s0: torch.Tensor, s1: torch.Tensor): torch.Tensor {
    return torch.tidy(() => {
      const [a, b] = [this.pre0.forward(s0), this.pre1.forward(s1)];
      return torch.cat([a, b, this.ops.at(0).forward(a).add(this.ops.at(1).forward(b))], 1);
    });
  }
  toOnnx(g: OnnxGraph, s0: string, s1: string): string {
    const [a, b] = [g.emit(this.pre0, s0), g.emit(this.pre1, s1)];
    return g.concat([a, b, g.add(g.emit(this.ops.at(0), a), g.emit(this.ops.at(1), b))], 1);
  }
}

class TinyNetwork extends nn.Module implements OnnxExportable {
  readonly stem = this.registerModule('stem', new nn.Sequential(new nn.Conv2d(3, 4, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(4)));
  readonly cell = this.registerModule('cell', new TwoInputCell());
  readonly pool = this.registerModule('global_pooling', new nn.AdaptiveAvgPool2d(1));
  readonly classifier = this.registerModule('classifier', new nn.Linear(12, 3));
  forward(x: torch.Tensor): torch.Tensor {
    return torch.tidy(() => {
      const s = this.stem.forward(x);
      const out = this.pool.forward(this.cell.forward(s, s));
      return this.classifier.forward(out.view([out.shape[0]!, -1]));
    });
  }
  toOnnx(g: OnnxGraph, x: string): string {
    const s = g.emit(this.stem, x);
    return g.emit(this.classifier, g.flatten(g.emit(this.pool, this.cell.toOnnx(g, s, s))));
  }
}

test('networkWithATwoInputCellExportsThroughItsToOnnxMethods', async () => {
  const net = new TinyNetwork();
  randomizeBatchNorms(net);
  const { bytes } = onnxModelBytes(net, [1, 3, 8, 8]);
  const names = graphOf(bytes).initializer.map((t) => t.name);
  assert.ok(names.includes('cell.preprocess1.2.running_var') && names.includes('classifier.weight'), names.join(', '));
  await assertMatchesOnnxRuntime(net, bytes, torch.randn([2, 3, 8, 8]));
});

test('identityNetworkExportsAnIdentityNode', async () => {
  const net = new nn.Identity();
  const { bytes } = onnxModelBytes(net, [1, 2, 3, 3]);
  assert.deepEqual(graphOf(bytes).node.map((n) => n.opType), ['Identity']);
  await assertMatchesOnnxRuntime(net, bytes, torch.randn([1, 2, 3, 3]));
});

class Unknown extends nn.Module {
  forward(x: torch.Tensor): torch.Tensor {
    return x.sigmoid();
  }
}

test('moduleWithoutEmitterIsAnErrorNamingItsClassAndPath', () => {
  const net = new nn.Sequential(new nn.ReLU(), new nn.Sequential(new Unknown()));
  assert.throws(() => onnxModelBytes(net, [1, 1, 2, 2]), /^Error: ONNX export: no emitter for Unknown at '1\.0'; implement toOnnx/);
});

test('exportOnnxWritesTheFileAtomicallyAndBadPathsAreOneLineErrors', () => {
  const dir = tempDir('onnx');
  const file = join(dir, 'net.onnx');
  const r = exportOnnx(smallClassifier(), [1, 3, 16, 16], file);
  assert.deepEqual(r.outputShape, [1, 5]);
  assert.equal(graphOf(readFileSync(file)).output[0]!.name, 'logits');
  assert.deepEqual(readdirSync(dir), ['net.onnx']);
  const missing = join(dir, 'no-such-folder', 'net.onnx');
  assert.throws(() => exportOnnx(smallClassifier(), [1, 3, 16, 16], missing), (e: Error) => !e.message.includes('\n') && /cannot write the ONNX model to .*no-such-folder.* does not exist/.test(e.message));
  assert.throws(() => exportOnnx(smallClassifier(), [1, 3, 16, 16], dir), /is a folder/);
  assert.equal(existsSync(missing), false);
});

test('badInputShapeIsAnErrorShowingTheExpectedForm', () => {
  assert.throws(() => onnxModelBytes(new nn.ReLU(), [1, 0, 2]), /inputShape must be positive integers such as \[1, 3, 32, 32\], got \[1, 0, 2\]/);
});
