// torch.distributed over c10d's Gloo: collectives across real processes, and failures (a peer
// that dies, a master nobody serves) that end in an error instead of a hang.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/cli/launch.js';
import * as torch from '../../src/torch/index.js';

const WORKER = fileURLToPath(new URL('./distributed-worker.js', import.meta.url));

/** Runs `worldSize` workers (ranks `ranks`) of one group; resolves with their JSON lines. */
async function group(scenario: string, worldSize: number, o: { ranks?: number[]; timeoutMs?: number } = {}): Promise<Record<string, unknown>[]> {
  const port = await freePort();
  const ranks = o.ranks ?? Array.from({ length: worldSize }, (_, r) => r);
  return Promise.all(
    ranks.map(
      (rank) =>
        new Promise<Record<string, unknown>>((resolve, reject) => {
          const env = { ...process.env, DNAS_NUM_THREADS: '1', RANK: String(rank), WORLD_SIZE: String(worldSize), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), DIST_TIMEOUT_MS: String(o.timeoutMs ?? 60_000) };
          const child = spawn(process.execPath, [WORKER, scenario], { env, stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          let err = '';
          child.stdout.on('data', (b) => (out += b));
          child.stderr.on('data', (b) => (err += b));
          child.on('error', reject);
          child.on('exit', (code) => {
            const line = out.trim().split('\n').pop();
            resolve(line ? { ...JSON.parse(line), code, stderr: err } : { code, stderr: err });
          });
        }),
    ),
  );
}

test('debiansLibtorchBuildHasGloo', { skip: process.env.LIBTORCH ? 'built against another libtorch (LIBTORCH)' : false }, () => {
  // setup.sh installs libgloo-dev beside Debian's libtorch-dev, so that build must have the backend
  // (the tests below skip only where it is absent).
  assert.equal(torch.distributed.isGlooAvailable(), true);
});

describe('torch.distributed', { skip: torch.distributed.isGlooAvailable() ? false : 'this addon was built without Gloo headers (a pip-installed torch ships none)' }, () => {
  test('withoutAProcessGroupTheProcessIsRank0Of1AndCollectivesSaySo', () => {
    assert.equal(torch.distributed.isInitialized(), false);
    assert.equal(torch.distributed.getRank(), 0);
    assert.equal(torch.distributed.getWorldSize(), 1);
    assert.throws(() => torch.distributed.allReduce(torch.ones([2])), /allReduce: no process group; call initProcessGroup first/);
  });

  test('initProcessGroupChecksRankAndWorldSizeBeforeConnecting', () => {
    assert.throws(() => torch.distributed.initProcessGroup({ rank: 2, worldSize: 2 }), /rank must be an integer in \[0, 2\), got 2/);
    assert.throws(() => torch.distributed.initProcessGroup({ rank: 0, worldSize: 0 }), /worldSize must be an integer ≥ 1, got 0/);
    assert.throws(() => torch.distributed.initProcessGroup({ rank: 0, worldSize: 2, backend: 'mpi' as never }), /unknown backend 'mpi'/);
  });

  test('allReduceBroadcastAndBarrierAcrossThreeProcesses', async () => {
    const results = await group('collectives', 3);
    for (const r of results) {
      assert.equal(r.code, 0, String(r.stderr));
      assert.equal(r.worldSize, 3);
      assert.equal(r.backend, 'gloo');
      assert.deepEqual(r.sum, [6, 60]);
      assert.equal(r.max, 2);
      assert.deepEqual(r.fromZero, [42, 7]);
      assert.match(String(r.nonContiguous), /allReduce: the tensor must be contiguous/);
      // Other ranks print nothing of their own: no c10d chatter on stderr.
      assert.equal(r.stderr, '');
    }
    assert.deepEqual(results.map((r) => r.rank).sort(), [0, 1, 2]);
  });

  test('aPeerThatDiesFailsTheOthersNextCollectiveAtOnce', async () => {
    // A ten-minute timeout: only the closed connection can end the wait in time.
    const results = await group('peer-dies', 2, { timeoutMs: 600_000 });
    const survivor = results.find((r) => r.rank === 0)!;
    assert.equal(survivor.isBackendError, true);
    assert.match(String(survivor.error), /^allReduce: .*Connection closed by peer.*another process of the group died/);
    assert.ok(Number(survivor.seconds) < 10, `failed after ${survivor.seconds} s`);
  });

  test('aMasterNobodyServesFailsAfterTheTimeout', async () => {
    const began = Date.now();
    const [r] = await group('collectives', 2, { ranks: [1], timeoutMs: 1000 });
    assert.match(String(r!.initError), /^initProcessGroup: rank 1 of 2 could not join the group at 127\.0\.0\.1:\d+ within 1 s \(.*timed out/);
    assert.ok(Date.now() - began < 20_000);
  });
});
