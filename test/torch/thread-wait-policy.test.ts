// libgomp reads its wait policy once, when the addon loads; loading dnas hands it PASSIVE when the
// cores are already busy (or DNAS_THREAD_WAIT=passive), unless the user chose a policy or spin count
// (see src/torch/native.ts). OMP_DISPLAY_ENV=verbose makes
// libgomp print what it read, so the tests check what the OpenMP runtime itself saw: its spin count
// (0 under PASSIVE; libgomp prints PASSIVE for an unset policy too, so the count tells them apart).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { describe, test } from 'node:test';
import { busyCoresNow, threadWaitPolicy } from '../../src/torch/native.js';

const torchIndex = new URL('../../src/torch/index.js', import.meta.url).href;

function seenByOpenMP(env: Record<string, string>): { policy: string; spinCount: string } {
  const base = { ...process.env };
  delete base.OMP_WAIT_POLICY;
  delete base.GOMP_SPINCOUNT;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `await import(${JSON.stringify(torchIndex)});`], {
    env: { ...base, OMP_DISPLAY_ENV: 'verbose', ...env },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  const out = r.stderr + r.stdout;
  return { policy: /OMP_WAIT_POLICY = '(\w+)'/.exec(out)?.[1] ?? 'not printed', spinCount: /GOMP_SPINCOUNT = '(\d+)'/.exec(out)?.[1] ?? 'not printed' };
}

describe('OpenMP wait policy', () => {
  test('idleWorkersSleepWhenThePolicyIsPassive', () => {
    assert.deepEqual(seenByOpenMP({ DNAS_THREAD_WAIT: 'passive' }), { policy: 'PASSIVE', spinCount: '0' });
    assert.notEqual(seenByOpenMP({ DNAS_THREAD_WAIT: 'spin' }).spinCount, '0');
  });
  test('busyCoresChooseThePassivePolicy', () => {
    assert.equal(threadWaitPolicy({ load: 1.6, cores: 2 }), 'passive');
    assert.equal(threadWaitPolicy({ load: 0.3, cores: 2 }), 'spin');
    assert.equal(threadWaitPolicy({ load: 6, cores: 16 }), 'spin');
    assert.equal(threadWaitPolicy({ forced: 'passive', load: 0, cores: 2 }), 'passive');
  });
  test('aPolicyOrSpinCountTheUserSetIsKept', () => {
    assert.equal(seenByOpenMP({ OMP_WAIT_POLICY: 'active' }).policy, 'ACTIVE');
    assert.equal(seenByOpenMP({ GOMP_SPINCOUNT: '300000' }).spinCount, '300000');
  });
  test('aBusyProcessCountsAsABusyCoreNow', async () => {
    const cores = availableParallelism();
    const loop = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
    try {
      await new Promise((r) => setTimeout(r, 300)); // let it start spinning
      const busy = busyCoresNow(cores, 300);
      assert.ok(busy !== null, '/proc/stat is readable on Linux');
      // The loop holds most of a core; other work can only add to that, never beyond all cores.
      assert.ok(busy >= 0.5 && busy <= cores + 1e-9, `busy cores ${busy} of ${cores}`);
    } finally {
      loop.kill('SIGKILL');
    }
  });
});
