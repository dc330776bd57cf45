// A search step on a shared machine: the same step quiet and while a second CPU-bound process runs
// (this bench starts a node busy loop and kills it after), under each OpenMP wait policy. The goal
// set by issue 12: no more than 2.5× slower than quiet. One JSON line per policy.
//
// Why policies: libtorch's OpenMP workers spin after each parallel region (libgomp's default: ~300,000
// iterations, a few ms) before sleeping; with as many threads as cores and one core taken, the
// spinners steal the working thread's time slices. src/torch/native.ts sets OMP_WAIT_POLICY=PASSIVE
// when the cores are busy as it loads, unless the user set a policy; 'auto' leaves that choice to dnas,
// 'passive' and 'spin' force one for comparison.
//
// Each measurement is its own process (libgomp reads the policy once, at load), interleaved
// quiet/busy and policy by policy over DNAS_BENCH_ROUNDS rounds (default 2; DNAS_BENCH_STEPS steps
// each after a warm-up, default 1), medians reported. DNAS_BENCH_POLICIES=passive skips the slow one.
// DNAS_BENCH_CONTENTION='{"batch":16,"layers":5,"initChannels":8}' shrinks the step (default:
// the paper's settings, batch 64, first order, channels-last).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { availableParallelism, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';

const stepBench = fileURLToPath(new URL('./search-step.bench.js', import.meta.url));
const rounds = Number(process.env.DNAS_BENCH_ROUNDS ?? 2);
const steps = Number(process.env.DNAS_BENCH_STEPS ?? 1);
const overrides = JSON.parse(process.env.DNAS_BENCH_CONTENTION ?? '{}') as Record<string, unknown>;
const stepCase = { space: 'darts', method: 'darts', order: 1, batch: 64, channelsLast: true, steps, ...overrides };

const policies: Record<string, Record<string, string>> = {
  auto: {}, // what dnas does by itself: the busy loop, when there is one, runs before the step process starts
  passive: { DNAS_THREAD_WAIT: 'passive' }, // what dnas picks when the cores are busy at start
  spin: { GOMP_SPINCOUNT: '300000' }, // libgomp's own default when no policy is set
};
const chosen = (process.env.DNAS_BENCH_POLICIES ?? Object.keys(policies).join(',')).split(',');

function startBusyLoop(): ChildProcess {
  return spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
}

function stopBusyLoop(busy: ChildProcess): void {
  busy.kill('SIGKILL');
}

/** One search-step process under a policy; its median step time in ms. */
function stepMs(policy: string): number {
  const env: NodeJS.ProcessEnv = { ...process.env, ...policies[policy] };
  if (policy === 'auto') {
    for (const k of ['OMP_WAIT_POLICY', 'GOMP_SPINCOUNT', 'DNAS_THREAD_WAIT']) delete env[k];
  } else if (policy === 'passive') {
    delete env.OMP_WAIT_POLICY;
    delete env.GOMP_SPINCOUNT;
  } else {
    delete env.OMP_WAIT_POLICY;
  }
  const r = spawnSync(process.execPath, [stepBench, JSON.stringify(stepCase)], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`search step under policy ${policy} failed: ${r.stderr.split('\n')[0]}`);
  const line = r.stdout.trim().split('\n').pop()!;
  return (JSON.parse(line) as { ms_median: number }).ms_median;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const quiet: Record<string, number[]> = {};
const busy: Record<string, number[]> = {};
const loadBefore = loadavg()[0]!;
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? chosen : [...chosen].reverse();
  for (const policy of order) {
    const quietFirst = r % 2 === 0;
    for (const contended of quietFirst ? [false, true] : [true, false]) {
      if (contended) {
        const loop = startBusyLoop();
        try {
          (busy[policy] ??= []).push(stepMs(policy));
        } finally {
          stopBusyLoop(loop);
        }
      } else {
        (quiet[policy] ??= []).push(stepMs(policy));
      }
    }
  }
}
for (const policy of chosen) {
  const q = median(quiet[policy]!);
  const b = median(busy[policy]!);
  console.log(JSON.stringify({
    bench: 'search-step-contention', policy, ...stepCase, cores: availableParallelism(), rounds,
    quiet_ms: q, busy_ms: b, slowdown: +(b / q).toFixed(2), goal_slowdown: 2.5,
    quiet_runs: quiet[policy], busy_runs: busy[policy], load_before: +loadBefore.toFixed(2), load_after: +loadavg()[0]!.toFixed(2),
  }));
}
// The pairing the 'auto' policy should reproduce: libgomp's spin on a quiet machine, PASSIVE once other
// processes fill all but half a core as dnas starts (src/torch/native.ts). The 'auto' line above measures
// it directly; this one pairs the forced policies' measurements.
if (quiet.spin && busy.passive) {
  const q = median(quiet.spin);
  const b = median(busy.passive);
  console.log(JSON.stringify({
    bench: 'search-step-contention', policy: 'spin quiet, passive busy (paired)', ...stepCase, cores: availableParallelism(), rounds,
    quiet_ms: q, busy_ms: b, slowdown: +(b / q).toFixed(2), goal_slowdown: 2.5, load_before: +loadBefore.toFixed(2), load_after: +loadavg()[0]!.toFixed(2),
  }));
}
