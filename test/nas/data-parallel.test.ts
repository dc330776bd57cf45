// Data-parallel search: N processes with B/N examples each take the steps one process takes with
// batch B, for every update rule (the processes run data-parallel-worker.ts).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/cli/launch.js';
import { shardBatch } from '../../src/nas/data-parallel.js';
import * as torch from '../../src/torch/index.js';
import type { Variant } from './data-parallel-worker.js';

const WORKER = fileURLToPath(new URL('./data-parallel-worker.js', import.meta.url));

type Result = Record<string, { arch: Record<string, number[]>; weightSum: number; weightAbsSum: number }>;

async function run(variants: Variant[], worldSize: number): Promise<Result[]> {
  const out = mkdtempSync(join(tmpdir(), 'dnas-dp-'));
  const port = await freePort();
  await Promise.all(
    Array.from(
      { length: worldSize },
      (_, rank) =>
        new Promise<void>((resolve, reject) => {
          const env = { ...process.env, DNAS_NUM_THREADS: '1', RANK: String(rank), WORLD_SIZE: String(worldSize), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) };
          const child = spawn(process.execPath, [WORKER, JSON.stringify(variants), out], { env, stdio: ['ignore', 'inherit', 'pipe'] });
          let err = '';
          child.stderr.on('data', (b) => (err += b));
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`rank ${rank} exited with ${code}: ${err}`))));
        }),
    ),
  );
  return Array.from({ length: worldSize }, (_, rank) => JSON.parse(readFileSync(join(out, `rank${rank}.json`), 'utf8')) as Result);
}

function maxArchDifference(a: Result[string], b: Result[string]): number {
  let d = 0;
  for (const [name, values] of Object.entries(a.arch)) values.forEach((v, i) => (d = Math.max(d, Math.abs(v - b.arch[name]![i]!))));
  return d;
}

// Float32 sums in another order (per shard, then across processes) differ in the last bits; α moves
// by ~0.03 in these three steps, so 2e-6 is five orders of magnitude below a wrong step.
const TOLERANCE = 2e-6;

describe('data-parallel search', { skip: torch.distributed.isGlooAvailable() ? false : 'this addon was built without Gloo headers (a pip-installed torch ships none)' }, () => {
  test('twoProcessesWithHalfBatchesStepAsOneProcessWithTheWholeBatch', async () => {
    const variants: Variant[] = [
      { name: 'darts-first-order', overrides: { archLr: 0.01 }, steps: 3 },
      // Replicas that start apart (another initialisation) start from rank 0's after the broadcast.
      { name: 'replicas-start-from-rank-0', overrides: { archLr: 0.01 }, steps: 1, perturbOtherRanks: true },
      // The virtual step and the finite-difference radius need the global batch's gradients.
      { name: 'darts-second-order', overrides: { order: 2, archLr: 0.01 }, steps: 3 },
      // A sampled single path: every process must draw the same architecture sample.
      { name: 'gdas', overrides: { method: 'gdas', space: 'nb201', layers: 1, archLr: 0.01 }, steps: 3 },
      { name: 'single-level', overrides: { method: 'single-darts', archLr: 0.01 }, steps: 3 },
      // Inner weight steps, a Neumann series of Hessian-vector products, a finite difference.
      { name: 'implicit', overrides: { method: 'idarts', archLr: 0.01, innerSteps: 2 }, steps: 2 },
      // The control: without the gradient mean the replicas part ways, so the comparison can fail.
      { name: 'no-averaging', overrides: { archLr: 0.01 }, steps: 3, average: false },
    ];
    const [[single], pair] = await Promise.all([run(variants, 1), run(variants, 2)]);
    const [rank0, rank1] = pair;
    for (const v of variants) {
      const one = single![v.name]!;
      const two = rank0![v.name]!;
      const diff = maxArchDifference(one, two);
      if (v.average === false) {
        assert.ok(diff > 1000 * TOLERANCE, `${v.name}: the replicas should part ways without the mean (difference ${diff})`);
        assert.ok(maxArchDifference(two, rank1![v.name]!) > 1000 * TOLERANCE, `${v.name}: each replica steps on its own shard`);
        continue;
      }
      assert.ok(diff < TOLERANCE, `${v.name}: α after ${v.steps} steps differs by ${diff} between 1 and 2 processes`);
      assert.equal(maxArchDifference(two, rank1![v.name]!), 0, `${v.name}: the two replicas hold the same α`);
      assert.ok(Math.abs(one.weightAbsSum - two.weightAbsSum) < 1e-6 * one.weightAbsSum, `${v.name}: weights ${one.weightAbsSum} vs ${two.weightAbsSum}`);
      assert.equal(two.weightAbsSum, rank1![v.name]!.weightAbsSum, `${v.name}: the two replicas hold the same weights`);
    }
  });

  test('aBatchSplitsIntoEqualConsecutiveShards', () => {
    torch.tidy(() => {
      const batch = { x: torch.arange(0, 12).reshape([6, 2]), y: torch.arange(0, 6) };
      assert.deepEqual(shardBatch(batch, 0, 3).y.tolist(), [0, 1]);
      assert.deepEqual(shardBatch(batch, 2, 3).y.tolist(), [4, 5]);
      assert.deepEqual(shardBatch(batch, 1, 3).x.tolist(), [[4, 5], [6, 7]]);
      assert.throws(() => shardBatch(batch, 0, 4), /a batch of 6 examples does not split evenly over 4 processes/);
    });
  });
});
