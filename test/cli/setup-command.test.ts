import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../../src/cli/setup-command.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');
const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

test('packageRootIsTheFolderHoldingScriptsSetupAndPackageJson', () => {
  assert.equal(packageRoot(), ROOT);
  assert.throws(() => packageRoot(mkdtempSync(join(tmpdir(), 'dnas-nowhere-'))), /cannot find scripts\/setup\.sh above .*; reinstall the package/);
});

// In a set-up checkout everything is in place: setup checks, builds nothing, and says so.
test('setupWhereEverythingIsInPlaceEndsReady', () => {
  const r = spawnSync(process.execPath, [MAIN, 'setup'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, 'dnas setup: ready\n');
});

test('setupScriptRejectsAnUnknownModeNamingTheKnownOnes', () => {
  const r = spawnSync('bash', [join(ROOT, 'scripts', 'setup.sh'), '--everything'], { encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.equal(r.stderr, "dnas setup: unknown option '--everything' (known: --native-only, --install-hook)\n");
});
