// CIFAR-10 with a partial set of training batch files: loads what is there and says so.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadCifar10 } from '../../src/data/cifar.js';

/** A folder with data_batch_2.bin only, holding `n` records labelled 0, 1, … (a fake, tiny batch). */
function partialCifar(n: number): string {
  const dir = mkdtempSync(join(tmpdir(), 'dnas-cifar-'));
  const records = new Uint8Array(n * 3073);
  for (let i = 0; i < n; i++) records[i * 3073] = i % 10;
  writeFileSync(join(dir, 'data_batch_2.bin'), records);
  return dir;
}

test('missingTrainingBatchFilesAreNamedWithTheImageCountUsed', () => {
  const dir = partialCifar(3);
  const warnings: string[] = [];
  const d = loadCifar10('train', dir, (m) => warnings.push(m));
  assert.deepEqual(d.labels.tolist(), [0, 1, 2]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /^cifar10: warning: only 1 of 5 training batch files in '.*' \(missing data_batch_1\.bin, data_batch_3\.bin, data_batch_4\.bin, data_batch_5\.bin\): using 3 training images instead of 50000; get cifar-10-binary\.tar\.gz/);
  assert.ok(!warnings[0]!.includes('\n'));
});

test('partialTrainingSetWarningGoesToStderrByDefault', () => {
  const dir = partialCifar(2);
  const cifar = fileURLToPath(new URL('../../src/data/cifar.js', import.meta.url));
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `const { loadCifar10 } = await import(${JSON.stringify(cifar)}); process.stdout.write(String(loadCifar10('train', ${JSON.stringify(dir)}).labels.shape[0]));`], { encoding: 'utf8', env: { ...process.env, DNAS_NUM_THREADS: '1' } });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '2');
  assert.match(r.stderr, /^cifar10: warning: only 1 of 5 training batch files .*using 2 training images instead of 50000/);
});

test('testSplitNeedsOnlyItsOneFileAndWarnsNothing', () => {
  const dir = partialCifar(1);
  writeFileSync(join(dir, 'test_batch.bin'), new Uint8Array(3073));
  const warnings: string[] = [];
  assert.equal(loadCifar10('test', dir, (m) => warnings.push(m)).labels.shape[0], 1);
  assert.deepEqual(warnings, []);
});
