// Data-parallel search steps: steps per second with 1 and 2 processes of 1 thread each, at one
// global batch (strong scaling: each of N processes computes B/N examples, then the gradients are
// averaged over Gloo), and the scaling efficiency = speedup / N. Paper shapes by default: DARTS
// space, C=16, 8 cells, batch 64, first order, CIFAR-shaped random data. Prints one `ddp-step`
// JSON line per process count (allreduce_ms_median: the time in the gradient means of one step)
// and one `ddp-scaling` line. DNAS_BENCH_TINY=1 shrinks it (C=4, 3 cells, 8×8 images, batch 8) to
// check that it runs; DNAS_BENCH_STEPS (default 3, after one warm-up step), DNAS_BENCH_METHOD
// (default darts) and DNAS_BENCH_ORDER (default 1) pick the work; DNAS_BENCH_NPROC (default "1,2")
// the process counts.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from '../src/cli/launch.js';
import { buildSearch, createStepContext, releaseStepContext } from '../src/nas/build.js';
import { resolveSearchConfig } from '../src/nas/config.js';
import { processGroupDataParallel } from '../src/nas/data-parallel.js';
import * as torch from '../src/torch/index.js';

interface Case {
  method: string;
  order: 1 | 2;
  batch: number;
  steps: number;
  tiny: boolean;
}

interface RankResult {
  ms_median: number;
  allreduce_ms_median: number;
  peak_rss_mb: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

/** One rank: the same global batches on every rank (same seed), each computing on its shard. */
function runRank(c: Case): void {
  const worldSize = Number(process.env.WORLD_SIZE ?? 1);
  if (worldSize > 1) torch.distributed.initProcessGroup({ backend: 'gloo' });
  const dp = worldSize > 1 ? processGroupDataParallel() : undefined;
  torch.manualSeed(0);
  const side = c.tiny ? 8 : 32;
  const cfg = resolveSearchConfig({ space: 'darts', method: c.method, order: c.order, batchSize: c.batch, initChannels: c.tiny ? 4 : 16, layers: c.tiny ? 3 : 8, warmupEpochs: 0, worldSize });
  const parts = buildSearch(cfg, { inChannels: 3, numClasses: 10 });
  parts.net.train();
  dp?.syncFromRankZero([...Object.values(parts.net.stateDict()), ...parts.archParams]);
  const batch = () => {
    const b = { x: torch.randn([c.batch, 3, side, side]).contiguous('channelsLast'), y: torch.randint(0, 10, [c.batch]) };
    const mine = dp ? dp.shard(b) : b;
    return { x: torch.keep(mine.x), y: torch.keep(mine.y) };
  };
  const trainBatch = batch();
  const validBatch = batch();
  let communication = 0;
  const allReduceMean = dp
    ? (grads: Parameters<typeof dp.mean>[0], like: Parameters<typeof dp.mean>[1]) => {
        const began = performance.now();
        const mean = dp.mean(grads, like);
        communication += performance.now() - began;
        return mean;
      }
    : undefined;
  const weightGradSeen = parts.weights.map(() => false);
  const times: number[] = [];
  const comms: number[] = [];
  for (let s = 0; s < c.steps + 1; s++) {
    communication = 0;
    const t0 = performance.now();
    torch.tidy(() => {
      const ctx = createStepContext(parts, { trainBatch, nextValidBatch: () => validBatch, updateArch: true, weightGradSeen, allReduceMean });
      parts.update.step(ctx);
      releaseStepContext(ctx);
    });
    // Every rank waits for the slowest in the gradient means, so rank 0's time is the step's.
    if (s > 0) {
      times.push(performance.now() - t0);
      comms.push(communication);
    }
  }
  if ((dp?.rank ?? 0) === 0) {
    const r: RankResult = { ms_median: median(times), allreduce_ms_median: median(comms), peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024) };
    process.stdout.write(`${JSON.stringify(r)}\n`);
  }
  if (dp) torch.distributed.destroyProcessGroup();
}

/** Runs `nproc` ranks of one thread each; resolves with rank 0's result. */
async function runGroup(c: Case, nproc: number): Promise<RankResult> {
  const port = await freePort();
  const outputs = await Promise.all(
    Array.from(
      { length: nproc },
      (_, rank) =>
        new Promise<string>((resolve, reject) => {
          const env = { ...process.env, DNAS_NUM_THREADS: '1', RANK: String(rank), WORLD_SIZE: String(nproc), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port) };
          const child = spawn(process.execPath, [fileURLToPath(import.meta.url), JSON.stringify(c)], { env, stdio: ['ignore', 'pipe', 'inherit'] });
          let out = '';
          child.stdout.on('data', (b) => (out += b));
          child.on('error', reject);
          child.on('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`ddp bench: rank ${rank} of ${nproc} exited with ${code}`))));
        }),
    ),
  );
  return JSON.parse(outputs[0]!.trim().split('\n').pop()!) as RankResult;
}

const arg = process.argv[2];
if (arg) {
  runRank(JSON.parse(arg) as Case);
} else {
  const tiny = process.env.DNAS_BENCH_TINY === '1';
  const c: Case = {
    method: process.env.DNAS_BENCH_METHOD ?? 'darts',
    order: process.env.DNAS_BENCH_ORDER === '2' ? 2 : 1,
    batch: tiny ? 8 : 64,
    steps: Number(process.env.DNAS_BENCH_STEPS ?? 3),
    tiny,
  };
  const counts = (process.env.DNAS_BENCH_NPROC ?? '1,2').split(',').map(Number);
  const perCount = new Map<number, RankResult>();
  for (const nproc of counts) {
    const r = await runGroup(c, nproc);
    perCount.set(nproc, r);
    console.log(JSON.stringify({
      bench: 'ddp-step', space: 'darts', method: c.method, order: c.order, global_batch: c.batch, nproc, threads_per_process: 1, ...(tiny ? { tiny: true } : {}),
      steps: c.steps, ms_median: Math.round(r.ms_median), steps_per_s: +(1000 / r.ms_median).toFixed(4), allreduce_ms_median: +r.allreduce_ms_median.toFixed(2), peak_rss_mb_rank0: r.peak_rss_mb,
    }));
  }
  const one = perCount.get(1);
  for (const [nproc, r] of perCount) {
    if (!one || nproc === 1) continue;
    const speedup = one.ms_median / r.ms_median;
    console.log(JSON.stringify({ bench: 'ddp-scaling', method: c.method, order: c.order, global_batch: c.batch, nproc, ...(tiny ? { tiny: true } : {}), speedup: +speedup.toFixed(3), efficiency: +(speedup / nproc).toFixed(3) }));
  }
}
