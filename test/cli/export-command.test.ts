import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { dnas } from './run-cli.js';

test('exportOfAnUntrainedRunIsAOneLineErrorFromTheCommandLine', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dnas-export-cli-'));
  writeFileSync(join(dir, 'config.json'), '{}');
  const r = dnas('export', dir, '--format', 'safetensors');
  assert.equal(r.code, 1);
  assert.equal(r.stderr, `dnas: '${dir}' was never trained: there is no ${join(dir, 'checkpoint', 'checkpoint.safetensors')}; run 'dnas train' and export the run it writes\n`);
});
