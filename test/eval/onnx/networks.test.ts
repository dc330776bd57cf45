import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { NetworkCIFAR, NetworkImageNet } from '../../../src/eval/darts-network.js';
import { exportSafetensors } from '../../../src/eval/export-safetensors.js';
import { TinyNetwork } from '../../../src/eval/nb201-network.js';
import { onnxModelBytes } from '../../../src/eval/onnx/index.js';
import { DARTS_V2 } from '../../../src/nas/spaces/darts-genotype.js';
import { parseNb201 } from '../../../src/nas/spaces/nb201-genotype.js';
import * as torch from '../../../src/torch/index.js';
import { randomizeBatchNorms, tempDir } from '../helpers.js';
import { assertMatchesOnnxRuntime } from './onnx-runtime.js';

torch.manualSeed(4);

test('networkCifarWithAuxiliaryHeadExportsItsEvalLogits', async () => {
  const net = new NetworkCIFAR({ genotype: DARTS_V2, numClasses: 10, initChannels: 8, layers: 5, auxiliary: true });
  randomizeBatchNorms(net);
  await assertMatchesOnnxRuntime(net, onnxModelBytes(net, [1, 3, 32, 32]).bytes, torch.randn([2, 3, 32, 32]));
});

test('networkImageNetExportsAt224Pixels', async () => {
  const net = new NetworkImageNet({ genotype: DARTS_V2, numClasses: 10, initChannels: 8, layers: 3, auxiliary: false });
  randomizeBatchNorms(net);
  await assertMatchesOnnxRuntime(net, onnxModelBytes(net, [1, 3, 224, 224]).bytes, torch.randn([1, 3, 224, 224]));
});

test('nb201TinyNetworkExportsWithSkipOnlyAndNoneEdges', async () => {
  const genotype = parseNb201('|nor_conv_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|avg_pool_3x3~0|none~1|nor_conv_3x3~2|');
  const net = new TinyNetwork({ genotype, numClasses: 10, initChannels: 8, cellsPerStage: 1 });
  randomizeBatchNorms(net);
  await assertMatchesOnnxRuntime(net, onnxModelBytes(net, [1, 3, 32, 32]).bytes, torch.randn([2, 3, 32, 32]));
});

const SCRIPT = join(fileURLToPath(new URL('../../../../test/eval/fixtures/check_reference_load.py', import.meta.url)));
const refDarts = process.env.REF_DARTS;
const skip = !refDarts ? 'set REF_DARTS to a quark0/darts cnn/ folder to cross-check with the reference' : !existsSync('/usr/bin/python3') ? '/usr/bin/python3 not found' : false;

test('quark0NetworkCifarLoadsOurExportedWeightsAndComputesOurLogits', { skip }, () => {
  const net = new NetworkCIFAR({ genotype: DARTS_V2, numClasses: 10, initChannels: 8, layers: 5, auxiliary: true });
  randomizeBatchNorms(net);
  net.eval();
  const x = torch.randn([2, 3, 32, 32]);
  const ours = torch.noGrad(() => net.forward(x)).data() as Float32Array;
  const dir = tempDir('ref-net');
  exportSafetensors(net, join(dir, 'w.safetensors'));
  torch.save(join(dir, 'x.safetensors'), { input: x });
  const r = spawnSync('/usr/bin/python3', [SCRIPT, '--genotype', 'DARTS_V2', '--C', '8', '--layers', '5', '--classes', '10', '--auxiliary', '--weights', join(dir, 'w.safetensors'), '--input', join(dir, 'x.safetensors')], { encoding: 'utf8', env: { ...process.env, REF_DARTS: refDarts } });
  assert.equal(r.status, 0, r.stderr);
  const theirs = JSON.parse(r.stdout.trim().split('\n').pop()!) as { shape: number[]; output: number[] };
  assert.deepEqual(theirs.shape, [2, 10]);
  const diff = Math.max(...theirs.output.map((v, i) => Math.abs(v - ours[i]!)));
  assert.ok(diff < 1e-4, `the reference NetworkCIFAR differs by ${diff}`);
});
