import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('exportOfAnUntrainedRunIsAOneLineErrorFromTheCommandLine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnas-export-cli-'));
  writeFileSync(join(dir, 'config.json'), '{}');
  const r = spawnSync(process.execPath, [MAIN, 'export', dir, '--format', 'safetensors'], { encoding: 'utf8', env: { ...process.env, DNAS_NUM_THREADS: '1' } });
  assert.equal(r.status, 1);
  assert.equal(r.stderr, `dnas: '${dir}' was never trained: there is no ${join(dir, 'checkpoint', 'checkpoint.safetensors')}; run 'dnas train' and export the run it writes\n`);
});
