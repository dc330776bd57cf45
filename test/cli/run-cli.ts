// Runs the compiled `dnas` command line in a child process (one libtorch thread), for the tests of
// what a user sees: exit codes, stdout and one-line errors.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export function dnas(...args: string[]): { code: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, DNAS_NUM_THREADS: '1' } });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

/** Exit code 1 and one line on stderr (besides commander's usage hint) that matches `pattern`. */
export function assertOneLineError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('(run with --help'));
  assert.equal(lines.length, 1, `one line of error, got: ${r.stderr}`);
  assert.match(lines[0]!, pattern);
}
