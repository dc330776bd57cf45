import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { exportSafetensors } from '../../src/eval/export-safetensors.js';
import { createDartsOp, SepConv } from '../../src/nas/spaces/darts-ops.js';
import * as torch from '../../src/torch/index.js';
import { randomizeBatchNorms, tempDir } from './helpers.js';

torch.manualSeed(2);

test('exportedStateDictKeepsPyTorchNamesAndStoresFloatsAsFloat32', () => {
  const op = new SepConv(4, 6, 3, 1, 1, true);
  randomizeBatchNorms(op);
  op.to('float64');
  const file = join(tempDir('st'), 'sep.safetensors');
  const names = exportSafetensors(op, file);
  const loaded = torch.loadFile(file);
  assert.deepEqual(Object.keys(loaded.tensors).sort(), Object.keys(op.stateDict()).sort());
  assert.deepEqual(names, Object.keys(op.stateDict()));
  assert.ok(names.includes('op.3.running_var') && names.includes('op.7.weight'));
  assert.equal(loaded.metadata.format, 'pt');
  for (const [name, t] of Object.entries(op.stateDict())) {
    const got = loaded.tensors[name]!;
    assert.equal(got.dtype, name.endsWith('num_batches_tracked') ? 'int64' : 'float32', name);
    assert.deepEqual(got.shape, t.shape);
    assert.ok(got.double().sub(t).abs().max().item() < 1e-6, `${name} changed on export`);
  }
});

test('safetensorsExportToAMissingFolderIsAOneLineError', () => {
  const file = join(tempDir('st'), 'missing', 'w.safetensors');
  assert.throws(() => exportSafetensors(new SepConv(2, 2, 3, 1, 1, true), file), (e: Error) => !e.message.includes('\n') && /cannot write the safetensors file to .* does not exist \(create it or choose another path\)/.test(e.message));
});

// The reference cross-check: quark0/darts' own ops load our exported weights (strict load_state_dict)
// and compute what our eval-mode forward computes. Needs the reference's cnn/ folder in REF_DARTS
// and Debian's python3-torch; without them the test says so and skips.
const PYTHON = '/usr/bin/python3';
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '../../../test/eval/fixtures/check_reference_load.py');
const refDarts = process.env.REF_DARTS;
const skip = !refDarts ? 'set REF_DARTS to a quark0/darts cnn/ folder to cross-check with the reference' : !existsSync(PYTHON) ? `${PYTHON} not found` : false;

test('quark0OpsLoadOurExportedWeightsAndComputeOurEvalOutputs', { skip }, () => {
  const dir = tempDir('ref');
  for (const [primitive, stride] of [['sep_conv_3x3', 2], ['dil_conv_5x5', 1], ['skip_connect', 2]] as const) {
    const op = createDartsOp(primitive, 4, stride, true, false);
    randomizeBatchNorms(op);
    op.eval();
    const x = torch.randn([2, 4, 8, 8]);
    const ours = torch.noGrad(() => op.forward(x));
    exportSafetensors(op, join(dir, 'w.safetensors'));
    torch.save(join(dir, 'x.safetensors'), { input: x });
    const r = spawnSync(PYTHON, [SCRIPT, '--op', primitive, '--C', '4', '--stride', String(stride), '--weights', join(dir, 'w.safetensors'), '--input', join(dir, 'x.safetensors')], { encoding: 'utf8', env: { ...process.env, REF_DARTS: refDarts } });
    assert.equal(r.status, 0, r.stderr);
    const theirs = JSON.parse(r.stdout.trim().split('\n').pop()!) as { shape: number[]; output: number[] };
    assert.deepEqual(theirs.shape, ours.shape);
    const expected = ours.data() as Float32Array;
    const diff = Math.max(...theirs.output.map((v, i) => Math.abs(v - expected[i]!)));
    assert.ok(diff < 1e-4, `${primitive}: the reference differs by ${diff}`);
    assert.ok(Math.max(...theirs.output.map(Math.abs)) > 0.01, `${primitive}: outputs are all near zero; the check proves nothing`);
  }
});
