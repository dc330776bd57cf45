import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { type BuildNetworkForRun, exportRun } from '../../src/eval/export-run.js';
import { onnx } from '../../src/eval/onnx/proto.js';
import { prefixed, saveCheckpoint } from '../../src/nas/checkpoint.js';
import * as nn from '../../src/nn/index.js';
import * as torch from '../../src/torch/index.js';
import { randomizeBatchNorms, tempDir } from './helpers.js';
import { assertMatchesOnnxRuntime } from './onnx/onnx-runtime.js';

torch.manualSeed(3);

// A run's network as the eval layer will build it from config.json: here a small classifier sized by the config.
const buildTiny: BuildNetworkForRun = ({ config }) => {
  const { channels, classes } = config as { channels: number; classes: number };
  const network = new nn.Sequential(new nn.Conv2d(1, channels, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(channels), new nn.ReLU(), new nn.AdaptiveAvgPool2d(1), new nn.Flatten(), new nn.Linear(channels, classes));
  return { network, inputShape: [1, 1, 8, 8], metadata: { mean: '[0.286]', std: '[0.353]' } };
};

/** A run directory as `dnas train` writes it: config.json and a checkpoint holding 'net.*' tensors. */
function trainedRun(extra: Record<string, torch.Tensor> = {}): { dir: string; trained: nn.Module } {
  const dir = tempDir('run');
  const config = { kind: 'train', channels: 6, classes: 3 };
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const { network: trained } = buildTiny({ dir, config });
  randomizeBatchNorms(trained);
  saveCheckpoint(dir, { tensors: { ...prefixed('net', trained.stateDict()), ...extra }, state: { epoch: 1 } });
  return { dir, trained };
}

test('onnxExportOfATrainedRunComputesWhatTheCheckpointedNetworkComputes', async () => {
  const { dir, trained } = trainedRun();
  const r = exportRun(dir, 'onnx', buildTiny);
  assert.equal(r.file, join(dir, 'model.onnx'));
  assert.equal(r.tensors, Object.keys(trained.stateDict()).length);
  const meta = onnx.ModelProto.decode(readFileSync(r.file)).metadataProps.map((p) => [p.key, p.value]);
  assert.deepEqual(meta, [['mean', '[0.286]'], ['std', '[0.353]']]);
  // The builder makes a freshly initialised network: only loading the checkpoint makes these agree.
  await assertMatchesOnnxRuntime(trained, readFileSync(r.file), torch.randn([2, 1, 8, 8]));
});

test('safetensorsExportOfATrainedRunHoldsTheCheckpointWeightsWithoutPrefix', () => {
  const { dir, trained } = trainedRun();
  const out = join(dir, 'weights.safetensors');
  exportRun(dir, 'safetensors', buildTiny, out);
  const file = torch.loadFile(out);
  assert.deepEqual(file.metadata, { mean: '[0.286]', std: '[0.353]', format: 'pt' });
  const loaded = file.tensors;
  assert.deepEqual(Object.keys(loaded).sort(), Object.keys(trained.stateDict()).sort());
  assert.deepEqual([...(loaded['1.running_mean']!.data() as Float32Array)], [...(trained.stateDict()['1.running_mean']!.data() as Float32Array)]);
});

test('exportOfARunWithoutCheckpointSaysItWasNeverTrained', () => {
  const dir = tempDir('run');
  writeFileSync(join(dir, 'config.json'), '{}');
  assert.throws(() => exportRun(dir, 'onnx', buildTiny), /was never trained: there is no .*checkpoint\.safetensors; run 'dnas train'/);
});

test('exportOfASearchRunIsRefusedWithTheWayForward', () => {
  const { dir } = trainedRun({ 'arch.alpha_normal': torch.zeros([14, 8]) });
  assert.throws(() => exportRun(dir, 'onnx', buildTiny), /is a search run \(its checkpoint holds architecture parameters\); train its genotype with 'dnas train'/);
});

test('exportOfAFolderWithoutConfigIsNotARunDirectory', () => {
  assert.throws(() => exportRun(tempDir('empty'), 'safetensors', buildTiny), /is not a dnas run directory \(no config\.json\)/);
});

test('checkpointThatDoesNotFitTheConfiguredNetworkNamesTheMismatch', () => {
  const { dir } = trainedRun();
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ channels: 5, classes: 3 }));
  assert.throws(() => exportRun(dir, 'onnx', buildTiny), /does not fit the network its config\.json describes: loadStateDict: shape mismatch for '0\.weight'/);
});
