// `dnas search --nproc N` and ranks placed by hand: the real command end to end on a tiny search.
// With BatchNorm in train mode each process normalises its own shard, so the comparison with one
// process is approximate here (test/nas/data-parallel.test.ts checks the exact equivalence).
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../src/cli/launch.js';
import { buildSearch } from '../../src/nas/build.js';
import { loadCheckpoint, unprefixed } from '../../src/nas/checkpoint.js';
import { parseSearchConfig, resolveSearchConfig } from '../../src/nas/config.js';
import * as torch from '../../src/torch/index.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
const ENV = { ...process.env, DNAS_NUM_THREADS: '1' };
const SEARCH = ['search', '--dataset', 'synthetic', '--train-limit', '256', '--batch-size', '32', '--init-channels', '4', '--layers', '3', '--hessian-every', '0', '--json'];

function dnas(args: string[], env: NodeJS.ProcessEnv = ENV): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { env, encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function assertOneLineError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('(run with --help'));
  assert.equal(lines.length, 1, `one line of error, got: ${r.stderr}`);
  assert.match(lines[0]!, pattern);
}

type Event = { type: string; reason?: string; step?: number; epoch?: number; trainLoss?: number; trainCount?: number; validCount?: number };

function events(dir: string): Event[] {
  const path = join(dir, 'log.jsonl');
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').flatMap((l) => {
    try {
      return l.trim() ? [JSON.parse(l) as Event] : [];
    } catch {
      return [];
    }
  });
}

/** Flattened α of a run's checkpoint, or of a config's initial architecture. */
function archOf(dir: string): number[] {
  const tensors = unprefixed('arch', loadCheckpoint(dir).tensors);
  return Object.keys(tensors).sort().flatMap((k) => Array.from(tensors[k]!.data() as Float32Array));
}

function initialArch(dir: string): number[] {
  const cfg = parseSearchConfig(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')));
  torch.manualSeed(cfg.seed);
  const { arch } = buildSearch(cfg, { inChannels: 3, numClasses: 4 });
  return Object.keys(arch).sort().flatMap((k) => Array.from(arch[k]!.data() as Float32Array));
}

function tensorsEqual(a: string, b: string): void {
  const x = loadCheckpoint<{ epoch: number; step: number }>(a);
  const y = loadCheckpoint<{ epoch: number; step: number }>(b);
  assert.deepEqual([x.state.epoch, x.state.step], [y.state.epoch, y.state.step]);
  assert.deepEqual(Object.keys(y.tensors).sort(), Object.keys(x.tensors).sort());
  for (const name of Object.keys(x.tensors)) {
    const p = x.tensors[name]!.data();
    const q = y.tensors[name]!.data();
    assert.ok(Buffer.from(p.buffer, p.byteOffset, p.byteLength).equals(Buffer.from(q.buffer, q.byteOffset, q.byteLength)), `${name} differs`);
  }
}

/** Starts the command; resolves with its exit code and stderr once it ends. */
function start(args: string[], env: NodeJS.ProcessEnv = ENV): { child: ChildProcess; done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> } {
  const child = spawn(process.execPath, [MAIN, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (b) => (stderr += b));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal, stderr })));
  return { child, done };
}

async function until(ready: () => boolean, timeoutMs = 120_000): Promise<void> {
  const began = Date.now();
  while (!ready()) {
    if (Date.now() - began > timeoutMs) throw new Error('timed out waiting for the search to get going');
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The ranks a launcher started: its children, by the RANK in their environment. */
function ranksOf(launcher: number): Map<number, number> {
  const ranks = new Map<number, number>();
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== launcher) continue;
      const rank = /(?:^|\0)RANK=(\d+)\0/.exec(readFileSync(`/proc/${pid}/environ`, 'utf8'));
      if (rank) ranks.set(Number(rank[1]), Number(pid));
    } catch {
      // gone meanwhile
    }
  }
  return ranks;
}

const isAlive = (pid: number) => existsSync(`/proc/${pid}`) && !/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));

describe('dnas search, data-parallel', { skip: torch.distributed.isGlooAvailable() ? false : 'this addon was built without Gloo headers (a pip-installed torch ships none)' }, () => {
  test('nprocTwoSearchesLikeOneProcessAndOnlyRank0Writes', () => {
    const base = mkdtempSync(join(tmpdir(), 'dnas-ddp-'));
    const one = join(base, 'one');
    const two = join(base, 'two');
    const single = dnas([...SEARCH, '--epochs', '1', '--out', one]);
    assert.equal(single.code, 0, single.stderr);
    const pair = dnas([...SEARCH, '--epochs', '1', '--out', two, '--nproc', '2']);
    assert.equal(pair.code, 0, pair.stderr);
    // Rank 0 prints the one result line; rank 1 prints nothing, and nothing but the run directory was written.
    assert.equal(pair.stderr, '');
    assert.equal(pair.stdout.trim().split('\n').length, 1);
    assert.equal(JSON.parse(pair.stdout).runDir, two);
    assert.deepEqual(readdirSync(base).sort(), ['one', 'two']);
    const config = JSON.parse(readFileSync(join(two, 'config.json'), 'utf8'));
    assert.equal(config.nproc, 2);
    assert.equal(config.worldSize, 2);
    assert.ok(existsSync(join(two, 'genotype.json')));
    // The log counts the global batch: each step's statistics are summed over both ranks.
    const steps = events(two).filter((e) => e.type === 'step');
    assert.equal(steps.length, events(one).filter((e) => e.type === 'step').length);
    assert.ok(steps.every((e) => e.trainCount === 32 && e.validCount === 32));
    const epoch = (dir: string) => events(dir).find((e) => e.type === 'epoch')!;
    assert.ok(Math.abs(epoch(one).trainLoss! - epoch(two).trainLoss!) < 0.1 * epoch(one).trainLoss!, `train loss ${epoch(one).trainLoss} vs ${epoch(two).trainLoss}`);
    // α moved the same way: per-process BatchNorm statistics change the step a little, not its direction.
    const start = initialArch(one);
    const d1 = archOf(one).map((a, i) => a - start[i]!);
    const d2 = archOf(two).map((a, i) => a - start[i]!);
    const cosine = d1.reduce((s, x, i) => s + x * d2[i]!, 0) / Math.hypot(...d1) / Math.hypot(...d2);
    assert.ok(cosine > 0.8, `cosine of the α updates ${cosine}`);
    assert.ok(Math.abs(Math.hypot(...d1) - Math.hypot(...d2)) < 0.2 * Math.hypot(...d1));
  });

  test('sigtermToTheLauncherStopsEveryRankAtOneStepAndTheResumeIsBitIdentical', async () => {
    const base = mkdtempSync(join(tmpdir(), 'dnas-ddp-'));
    const whole = join(base, 'whole');
    const args = [...SEARCH, '--epochs', '2', '--train-limit', '192', '--nproc', '2'];
    const uninterrupted = dnas([...args, '--out', whole]);
    assert.equal(uninterrupted.code, 0, uninterrupted.stderr);
    const stopped = join(base, 'stopped');
    const run = start([...args, '--out', stopped]);
    await until(() => events(stopped).filter((e) => e.type === 'step').length >= 2);
    run.child.kill('SIGTERM');
    const r = await run.done;
    assert.equal(r.code, 143, r.stderr);
    assert.ok(events(stopped).some((e) => e.type === 'checkpoint' && e.reason === 'interrupt'));
    // Without --nproc the resume runs as many ranks as config.json records.
    const resumed = dnas(['search', '--resume', '--out', stopped, '--json']);
    assert.equal(resumed.code, 0, resumed.stderr);
    tensorsEqual(whole, stopped);
    const stepsOf = (dir: string) => events(dir).filter((e) => e.type === 'step').map((e) => [e.epoch, e.step, e.trainLoss]);
    assert.deepEqual(stepsOf(stopped), stepsOf(whole));
  });

  test('aRankThatDiesStopsTheOthersAndTheLauncherNamesIt', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'dnas-ddp-')), 'run');
    const run = start([...SEARCH, '--epochs', '20', '--nproc', '2', '--out', dir]);
    await until(() => events(dir).some((e) => e.type === 'step'));
    const ranks = ranksOf(run.child.pid!);
    assert.deepEqual([...ranks.keys()].sort(), [0, 1]);
    process.kill(ranks.get(1)!, 'SIGKILL');
    const r = await run.done;
    assert.equal(r.code, 137);
    assert.match(r.stderr.trim().split('\n').pop()!, /^dnas: rank 1 of 2 was killed by SIGKILL; stopped the other ranks$/);
    assert.equal(isAlive(ranks.get(0)!), false, 'rank 0 is gone too');
  });

  test('ranksPlacedByHandFailWithinTheTimeoutWhenOneHangs', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'dnas-ddp-')), 'run');
    const port = String(await freePort());
    const rank = (r: number) => start([...SEARCH, '--epochs', '20', '--world-size', '2', '--rank', String(r), '--master-port', port, '--dist-timeout', '3', '--out', dir]);
    const [zero, one] = [rank(0), rank(1)];
    try {
      await until(() => events(dir).some((e) => e.type === 'step'));
      one.child.kill('SIGSTOP');
      const began = Date.now();
      const r = await zero.done;
      assert.ok(Date.now() - began < 30_000, `rank 0 waited ${(Date.now() - began) / 1000} s`);
      // Exit code 75 tells a launcher this rank lost a peer (and is not the cause).
      assert.equal(r.code, 75, r.stderr);
      assert.match(r.stderr, /^dnas: allReduce: .*Timed out waiting 3000ms.*\(another process of the group died, hung past the timeout, or the network failed\)\n$/);
    } finally {
      one.child.kill('SIGKILL');
      zero.child.kill('SIGKILL');
    }
  });

  test('badPlacementsAreOneLineErrorsNamingTheFlag', async () => {
    assertOneLineError(dnas([...SEARCH, '--nproc', '0']), /--nproc.*expected an integer ≥ 1, got '0'/);
    assertOneLineError(dnas([...SEARCH, '--nproc', '3']), /--batch-size 32 does not split over 3 processes \(--nproc\/--world-size 3\)/);
    assertOneLineError(dnas([...SEARCH, '--world-size', '2', '--rank', '2']), /--rank: rank 2 must be below --world-size 2/);
    assertOneLineError(dnas([...SEARCH], { ...ENV, WORLD_SIZE: '2', RANK: '5' }), /--rank: rank 5 must be below --world-size 2/);
    const port = String(await freePort());
    assertOneLineError(dnas([...SEARCH, '--world-size', '2', '--rank', '1', '--master-port', port, '--dist-timeout', '1']), new RegExp(`^dnas: --master-addr/--master-port: rank 1 of 2 could not join the group at 127\\.0\\.0\\.1:${port} within 1 s .*raise --dist-timeout$`));
  });

  test('aResumeWithAnotherWorldSizeIsRefused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnas-ddp-'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'config.json'), JSON.stringify(resolveSearchConfig({ dataset: 'synthetic', batchSize: 32, nproc: 2, worldSize: 2 })));
    const refused = /cannot resume: the run was searched by 2 processes and this resume has (3|1); resume with --nproc 2/;
    assertOneLineError(dnas(['search', '--resume', '--out', dir, '--nproc', '3']), refused);
    assertOneLineError(dnas(['search', '--resume', '--out', dir, '--world-size', '1']), refused);
  });
});
