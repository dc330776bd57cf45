// Runs every compiled test file with node's test runner (`node --test` takes no globs on Node 20),
// one file per process, as many files at once as there are cores, each with one libtorch thread.
//
// Why not one `node --test` (one file at a time on 2 cores) with 2 threads a file: nearly every test
// works on tiny tensors, where a second OpenMP thread only adds synchronisation (and is much worse
// when another process holds a core), and the search tests pin themselves to one thread, leaving
// the other core idle. Measured on the 2-core machine, whole suite with DNAS_PACK_TEST=1, back to
// back: 1 file × 2 threads 274 s, 1 × 1 293 s, 2 × 2 219 s, 2 files × 1 thread 162 s.
// Files start longest first (by their duration in the previous run, kept in dist/.test-times.json;
// unknown files first), so a long one does not end up running alone at the end; each file's output
// is printed in one piece when it ends.
//
//   node scripts/run-tests.mjs [filter]     files whose path contains filter
//   … --device cuda                         also run the device tests there (skipped otherwise)
//   DNAS_TEST_JOBS=1                        one file at a time
//   DNAS_NUM_THREADS=2                      libtorch threads per file (default 1)
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

// --device cuda: the device tests (test/torch/cuda.test.ts) run there instead of being skipped.
const args = process.argv.slice(2);
const deviceAt = args.indexOf('--device');
if (deviceAt >= 0) {
  process.env.DNAS_TEST_DEVICE = args[deviceAt + 1] ?? '';
  if (!/^(cpu|cuda(:\d+)?)$/.test(process.env.DNAS_TEST_DEVICE)) {
    console.error(`--device expects cpu, cuda or cuda:N, got '${process.env.DNAS_TEST_DEVICE}'`);
    process.exit(2);
  }
  args.splice(deviceAt, 2);
}
const filter = args[0];
const files = existsSync('dist/test') ? find('dist/test').filter((f) => !filter || f.includes(filter)).sort() : [];
if (files.length === 0) {
  console.error(existsSync('dist/test') ? `no compiled test file matches '${filter}'` : 'no compiled tests under dist/test: run bash scripts/setup.sh first');
  process.exit(1);
}

const TIMES = 'dist/.test-times.json';
let previous = {};
try {
  previous = JSON.parse(readFileSync(TIMES, 'utf8'));
} catch {
  // first run: alphabetical order
}
const expected = (f) => previous[f] ?? Number.POSITIVE_INFINITY;
const queue = [...files].sort((a, b) => expected(b) - expected(a));

const jobs = Math.max(1, Math.min(Number(process.env.DNAS_TEST_JOBS) || availableParallelism(), queue.length));
const env = { ...process.env, DNAS_NUM_THREADS: process.env.DNAS_NUM_THREADS ?? '1' };
const count = (text, what) => Number(new RegExp(`^ℹ ${what} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);

const totals = { tests: 0, pass: 0, fail: 0, skipped: 0, cancelled: 0, todo: 0 };
const failedFiles = [];
const times = { ...previous };
const started = performance.now();

function runFile(file) {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, ['--test', '--test-reporter=spec', file], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code, signal) => {
      const seconds = (performance.now() - t0) / 1000;
      times[file] = Math.round(seconds * 10) / 10;
      for (const k of Object.keys(totals)) totals[k] += count(output, k);
      const failed = code !== 0;
      if (failed) failedFiles.push(`${file} (${signal ? `signal ${signal}` : `exit ${code}`})`);
      process.stdout.write(`${failed ? '✖' : '▶'} ${file} (${seconds.toFixed(1)} s)\n${output.replace(/\n?$/, '\n')}\n`);
      resolve();
    });
  });
}

async function worker() {
  for (let file = queue.shift(); file !== undefined; file = queue.shift()) await runFile(file);
}

await Promise.all(Array.from({ length: jobs }, worker));
writeFileSync(TIMES, `${JSON.stringify(times, null, 1)}\n`);
const wall = (performance.now() - started) / 1000;
console.log(`${files.length} files, ${jobs} at a time, DNAS_NUM_THREADS=${env.DNAS_NUM_THREADS}: ${wall.toFixed(1)} s`);
console.log(Object.entries(totals).map(([k, v]) => `${k} ${v}`).join(', '));
if (failedFiles.length > 0) {
  console.log(`failed files:\n  ${failedFiles.join('\n  ')}`);
  process.exit(1);
}
