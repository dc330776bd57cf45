// One search step (architecture step + weight step) at paper settings on CIFAR-shaped random data:
// DARTS space, C=16, 8 cells, batch 64, 10 classes. Each configuration runs in its own process so
// its peak RSS is its own. Prints one JSON line per configuration.
//
// Side by side: when /usr/bin/python3 (or DNAS_REF_PYTHON) has torch and REF_DARTS names the cnn/
// folder of a quark0/darts checkout, the original code's step runs at the same settings
// (bench/reference/darts_step.py), once channels-last like ours and once contiguous as published,
// and a `search-step-vs-reference` line gives speedup = reference ms / our ms and memory_ratio =
// our peak RSS / the reference's. Otherwise one line says why the comparison was skipped.
// DNAS_BENCH_SIZE='{"batch":2,"layers":3,"initChannels":4}' shrinks every case (a quick check).
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { archList, createArchParams } from '../src/nas/arch.js';
import { getMethod } from '../src/nas/methods.js';
import { getSpace } from '../src/nas/spaces/index.js';
import type { StepContext } from '../src/nas/update/common.js';
import * as optim from '../src/optim/index.js';
import * as torch from '../src/torch/index.js';

interface Case {
  space: string;
  method: string;
  order: 1 | 2;
  batch: number;
  channelsLast: boolean;
  steps: number;
  checkpointCells?: number;
  /** Smaller supernets for quick or contended runs; the defaults are the paper's. */
  layers?: number;
  initChannels?: number;
}

function runCase(c: Case): void {
  torch.manualSeed(0);
  const space = getSpace(c.space);
  const method = getMethod(c.method);
  const hp = { ...method.hyperparameters[c.space]!, order: c.order };
  const { mixing, update } = method.build(hp);
  const net = space.createSupernet({ inChannels: 3, numClasses: 10, initChannels: c.initChannels ?? 16, layers: c.layers ?? (c.space === 'darts' ? 8 : 5) }, mixing);
  if (c.channelsLast) net.to({ memoryFormat: 'channelsLast' });
  net.train();
  const arch = createArchParams(space, mixing);
  const archParams = archList(arch);
  const weights = net.parameters();
  const fmt = c.channelsLast ? 'channelsLast' : 'contiguous';
  const batch = () => ({ x: torch.keep(torch.randn([c.batch, 3, 32, 32]).contiguous(fmt)), y: torch.keep(torch.randint(0, 10, [c.batch])) });
  const trainBatch = batch();
  const validBatch = batch();
  const weightOptimizer = new optim.SGD(weights, { lr: hp.lr, momentum: hp.momentum, weightDecay: hp.weightDecay });
  const archOptimizer = new optim.Adam(archParams, { lr: hp.archLr, betas: hp.archBetas, weightDecay: hp.archWeightDecay });
  const ctx: StepContext = {
    net, space, mixing, arch, archParams, weights, trainBatch, nextValidBatch: () => validBatch,
    weightOptimizer, archOptimizer, lr: hp.lr, momentum: hp.momentum, weightDecay: hp.weightDecay, gradClip: hp.gradClip, updateArch: true,
    checkpointCells: c.checkpointCells ?? 0,
  };
  const times: number[] = [];
  for (let s = 0; s < c.steps + 1; s++) {
    const t0 = performance.now();
    torch.tidy(() => update.step(ctx));
    if (s > 0) times.push(performance.now() - t0); // the first step warms allocators and caches
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(JSON.stringify({
    bench: 'search-step', space: c.space, method: c.method, order: c.order, batch: c.batch, channels_last: c.channelsLast, checkpoint_cells: c.checkpointCells ?? 0,
    ...(c.layers !== undefined || c.initChannels !== undefined ? { layers: c.layers, init_channels: c.initChannels } : {}),
    threads: torch.getNumThreads(), steps: times.length, ms_median: Math.round(median), peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  }));
}

interface StepResult { ms_median: number; peak_rss_mb: number }

/** The last JSON line a bench process printed (after echoing its output), or null if it failed. */
function runAndParse(cmd: string, args: string[]): StepResult | null {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(r.stdout ?? '');
  if (r.status !== 0) return null;
  const line = (r.stdout ?? '').trim().split('\n').pop();
  return line ? (JSON.parse(line) as StepResult) : null;
}

/** The reference driver's command, or the reason it cannot run here. */
function referenceDriver(): { python: string; script: string } | { skipped: string } {
  const dir = process.env.REF_DARTS;
  if (!dir) return { skipped: 'REF_DARTS is not set (point it at the cnn/ folder of a quark0/darts checkout)' };
  if (!existsSync(`${dir}/model_search.py`)) return { skipped: `REF_DARTS=${dir} has no model_search.py` };
  const python = process.env.DNAS_REF_PYTHON ?? '/usr/bin/python3';
  const probe = spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' });
  if (probe.status !== 0) return { skipped: `${python} cannot import torch` };
  // Compiled layout: dist/bench/ → ../../bench/reference; source layout (tsx): ./reference.
  const script = [new URL('../../bench/reference/darts_step.py', import.meta.url), new URL('./reference/darts_step.py', import.meta.url)]
    .map((u) => fileURLToPath(u))
    .find((p) => existsSync(p));
  if (!script) return { skipped: 'bench/reference/darts_step.py not found' };
  return { python, script };
}

function compareWithReference(c: Case, ours: StepResult, driver: { python: string; script: string }): void {
  for (const referenceChannelsLast of [c.channelsLast, false].filter((v, i, a) => a.indexOf(v) === i)) {
    const args = [driver.script, '--order', String(c.order), '--batch', String(c.batch), '--layers', String(c.layers ?? 8),
      '--init-channels', String(c.initChannels ?? 16), '--steps', String(c.steps), '--threads', String(torch.getNumThreads())];
    if (referenceChannelsLast) args.push('--channels-last');
    const ref = runAndParse(driver.python, args);
    if (!ref) {
      console.log(JSON.stringify({ bench: 'search-step-vs-reference', order: c.order, skipped: 'the reference step failed (its error is above)' }));
      process.exitCode = 1;
      continue;
    }
    console.log(JSON.stringify({
      bench: 'search-step-vs-reference', order: c.order, channels_last: c.channelsLast, reference_channels_last: referenceChannelsLast, batch: c.batch,
      ms_median: ours.ms_median, reference_ms_median: ref.ms_median, speedup: +(ref.ms_median / ours.ms_median).toFixed(2),
      peak_rss_mb: ours.peak_rss_mb, reference_peak_rss_mb: ref.peak_rss_mb, memory_ratio: +(ours.peak_rss_mb / ref.peak_rss_mb).toFixed(2),
    }));
  }
}

const arg = process.argv[2];
if (arg) {
  runCase(JSON.parse(arg) as Case);
} else {
  const only = process.env.DNAS_BENCH_SEARCH; // e.g. "darts-1" to run one case
  const steps = Number(process.env.DNAS_BENCH_STEPS ?? 3);
  const size = JSON.parse(process.env.DNAS_BENCH_SIZE ?? '{}') as Partial<Pick<Case, 'batch' | 'layers' | 'initChannels'>>;
  const cases: Case[] = ([
    { space: 'darts', method: 'darts', order: 1, batch: 64, channelsLast: true, steps },
    { space: 'darts', method: 'darts', order: 1, batch: 64, channelsLast: true, steps, checkpointCells: 2 },
    { space: 'darts', method: 'darts', order: 2, batch: 64, channelsLast: true, steps },
    { space: 'darts', method: 'darts', order: 2, batch: 64, channelsLast: true, steps, checkpointCells: 2 },
    { space: 'nb201', method: 'darts', order: 1, batch: 64, channelsLast: true, steps },
  ] as Case[]).map((c) => ({ ...c, ...size }));
  const driver = referenceDriver();
  if ('skipped' in driver) console.log(JSON.stringify({ bench: 'search-step-vs-reference', skipped: driver.skipped }));
  for (const c of cases) {
    if (only && `${c.space}-${c.order}${c.checkpointCells ? `-ckpt${c.checkpointCells}` : ''}` !== only) continue;
    const ours = runAndParse(process.execPath, [fileURLToPath(import.meta.url), JSON.stringify(c)]);
    if (!ours) {
      process.exitCode = 1;
      continue;
    }
    // The reference is compared with our plain step (no gradient checkpointing) on its own space.
    if (c.space === 'darts' && !c.checkpointCells && !('skipped' in driver)) compareWithReference(c, ours, driver);
  }
}
