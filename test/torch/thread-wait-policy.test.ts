// libgomp reads its wait policy once, when the addon loads; loading dnas must hand it PASSIVE unless
// the user chose a policy or spin count (see src/torch/native.ts). OMP_DISPLAY_ENV=verbose makes
// libgomp print what it read, so the tests check what the OpenMP runtime itself saw: its spin count
// (0 under PASSIVE; libgomp prints PASSIVE for an unset policy too, so the count tells them apart).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';

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
  test('idleWorkersSleepByDefault', () => {
    assert.deepEqual(seenByOpenMP({}), { policy: 'PASSIVE', spinCount: '0' });
  });
  test('aPolicyOrSpinCountTheUserSetIsKept', () => {
    assert.equal(seenByOpenMP({ OMP_WAIT_POLICY: 'active' }).policy, 'ACTIVE');
    assert.equal(seenByOpenMP({ GOMP_SPINCOUNT: '300000' }).spinCount, '300000');
  });
});
