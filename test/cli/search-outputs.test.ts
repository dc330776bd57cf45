// What `dnas search` adds around the search: the NAS-Bench-201 lookup of every epoch's cell (logged
// and printed at the end) and the HTML report.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nb201Lookup } from '../../src/eval/nb201-table.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

describe('dnas search outputs', () => {
  test('nb201SearchesLogTheTableLookupEveryEpochAndWriteAReport', () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'dnas-out-')), 'run');
    const r = spawnSync(
      process.execPath,
      [MAIN, 'search', '--space', 'nb201', '--dataset', 'synthetic', '--epochs', '2', '--batch-size', '16', '--init-channels', '4', '--layers', '1', '--train-limit', '128', '--threads', '1', '--hessian-every', '0', '--report', '--json', '--out', dir],
      { encoding: 'utf8', env: { ...process.env, DNAS_NUM_THREADS: '1' } },
    );
    assert.equal(r.status, 0, r.stderr);
    const epochs = readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'epoch');
    assert.equal(epochs.length, 2);
    for (const e of epochs) assert.deepEqual(e.nb201, nb201Lookup(e.genotype));
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.deepEqual(summary.nb201, nb201Lookup(summary.genotype));
    assert.ok(summary.nb201.cifar10.test > 0 && summary.nb201.cifar10.test < 100);
    const html = readFileSync(join(dir, 'report', 'index.html'), 'utf8');
    assert.ok(existsSync(join(dir, 'report', 'index.html')) && html.includes('<svg'));
  });
});
