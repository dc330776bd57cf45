// One search step (architecture step + weight step) at paper settings on CIFAR-shaped random data:
// DARTS space, C=16, 8 cells, 10 classes, each method at its paper's batch size. Each configuration
// runs in its own process so its peak RSS is its own. Prints one JSON line per configuration.
// sharpDARTS: its cell space (C=16, 8 cells) and its HyperCuboid grid (C=16, 8 layers, 4 widths).
// DNAS_BENCH_TINY=1 shrinks every case (C=4, 8×8 images, batch 4, the smallest shapes) to check
// that the cases run, not to measure them. DNAS_BENCH_SEARCH=name[,name…] picks cases by name
// (e.g. darts-darts-1, darts-gdas-1, darts-darts-2-ckpt2).
//
// Side by side: when /usr/bin/python3 (or DNAS_REF_PYTHON) has torch and REF_DARTS names the cnn/
// folder of a quark0/darts checkout, the original code's step runs at the same settings
// (bench/reference/darts_step.py), once channels-last like ours and once contiguous as published,
// and a `search-step-vs-reference` line gives speedup = reference ms / our ms and memory_ratio =
// our peak RSS / the reference's. Otherwise one line says why the comparison was skipped.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { buildSearch } from '../src/nas/build.js';
import { resolveSearchConfig } from '../src/nas/config.js';
import * as torch from '../src/torch/index.js';
import { stealMeter } from './cpu-steal.js';
import { median, timeSearchSteps } from './timed-steps.js';

interface Case {
  space: string;
  method: string;
  order: 1 | 2;
  batch: number;
  channelsLast: boolean;
  steps: number;
  checkpointCells?: number;
  /** Second order's mixed product: the paper's finite difference (default) or exact double backward. */
  hessian?: 'finite-difference' | 'exact';
}

function caseName(c: Case): string {
  return `${c.space}-${c.method}-${c.order}${c.checkpointCells ? `-ckpt${c.checkpointCells}` : ''}${c.hessian === 'exact' ? '-exact' : ''}`;
}

/** Paper shapes per space, and the smallest ones each space allows (DNAS_BENCH_TINY). */
const SHAPES: Record<string, { layers: number; steps?: number; tinyLayers: number; tinySteps?: number }> = {
  darts: { layers: 8, tinyLayers: 3 },
  nb201: { layers: 5, tinyLayers: 1 },
  hypercuboid: { layers: 8, steps: 4, tinyLayers: 2, tinySteps: 2 },
};

/** DNAS_BENCH_DEVICE=cuda runs our step and the reference's there (scripts/cuda-check.sh); peak RSS then says little, so only times are compared. */
const device = process.env.DNAS_BENCH_DEVICE ?? 'cpu';

function runCase(c: Case): void {
  torch.manualSeed(0);
  const tiny = process.env.DNAS_BENCH_TINY === '1';
  const shape = SHAPES[c.space]!;
  const batchSize = tiny ? 4 : c.batch;
  const side = tiny ? 8 : 32;
  const cfg = resolveSearchConfig({
    space: c.space as 'darts' | 'nb201' | 'hypercuboid', method: c.method, order: c.order, batchSize, channelsLast: c.channelsLast,
    checkpointCells: c.checkpointCells ?? 0, ...(c.hessian ? { hessian: c.hessian } : {}), initChannels: tiny ? 4 : 16, layers: tiny ? shape.tinyLayers : shape.layers, warmupEpochs: 0, device,
    ...(shape.steps ? { steps: tiny ? shape.tinySteps : shape.steps } : {}),
  });
  const parts = buildSearch(cfg, { inChannels: 3, numClasses: 10 });
  parts.net.train();
  const fmt = c.channelsLast ? 'channelsLast' : 'contiguous';
  const batch = () => ({ x: torch.keep(torch.randn([batchSize, 3, side, side], { device }).contiguous(fmt)), y: torch.keep(torch.randint(0, 10, [batchSize], { device })) });
  const trainBatch = batch();
  const validBatch = batch();
  const times = timeSearchSteps(parts, trainBatch, validBatch, c.steps);
  const msMedian = median(times);
  console.log(JSON.stringify({
    bench: 'search-step', space: c.space, method: c.method, order: c.order, batch: batchSize, channels_last: c.channelsLast, checkpoint_cells: c.checkpointCells ?? 0,
    ...(device !== 'cpu' ? { device } : {}),
    ...(c.order === 2 ? { hessian: cfg.hessian } : {}),
    ...(cfg.romeK > 1 ? { rome_k: cfg.romeK } : {}), ...(tiny ? { tiny: true } : {}),
    threads: torch.getNumThreads(), steps: times.length, ms_median: Math.round(msMedian), peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  }));
}

interface StepResult { ms_median: number; peak_rss_mb: number; peak_cuda_mb?: number; steal_pct?: number | null }

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
    const tiny = process.env.DNAS_BENCH_TINY === '1';
    const args = [driver.script, '--order', String(c.order), '--batch', String(tiny ? 4 : c.batch), '--layers', String(tiny ? 3 : 8),
      '--init-channels', String(tiny ? 4 : 16), '--steps', String(c.steps), '--threads', String(torch.getNumThreads())];
    if (referenceChannelsLast) args.push('--channels-last');
    if (device !== 'cpu') args.push('--device', device);
    const refSteal = stealMeter();
    const ref = runAndParse(driver.python, args);
    const refStealPct = refSteal();
    if (!ref) {
      console.log(JSON.stringify({ bench: 'search-step-vs-reference', order: c.order, skipped: 'the reference step failed (its error is above)' }));
      process.exitCode = 1;
      continue;
    }
    console.log(JSON.stringify({
      bench: 'search-step-vs-reference', order: c.order, channels_last: c.channelsLast, reference_channels_last: referenceChannelsLast, batch: c.batch,
      ms_median: ours.ms_median, reference_ms_median: ref.ms_median, speedup: +(ref.ms_median / ours.ms_median).toFixed(2),
      ...(device === 'cpu'
        ? { peak_rss_mb: ours.peak_rss_mb, reference_peak_rss_mb: ref.peak_rss_mb, memory_ratio: +(ours.peak_rss_mb / ref.peak_rss_mb).toFixed(2) }
        : { device, reference_peak_cuda_mb: ref.peak_cuda_mb }),
      steal_pct: ours.steal_pct, reference_steal_pct: refStealPct,
    }));
  }
}

const arg = process.argv[2];
if (arg) {
  runCase(JSON.parse(arg) as Case);
} else {
  const only = process.env.DNAS_BENCH_SEARCH; // e.g. "darts-gdas-1" to run one case
  const steps = Number(process.env.DNAS_BENCH_STEPS ?? 3);
  const cases: Case[] = [
    { space: 'darts', method: 'darts', order: 1, batch: 64, channelsLast: true, steps },
    { space: 'darts', method: 'darts', order: 1, batch: 64, channelsLast: true, steps, checkpointCells: 2 },
    { space: 'darts', method: 'darts', order: 2, batch: 64, channelsLast: true, steps },
    { space: 'darts', method: 'darts', order: 2, batch: 64, channelsLast: true, steps, checkpointCells: 2 },
    // The exact double-backward mixed product instead of the finite difference (#12: is it cheaper?).
    { space: 'darts', method: 'darts', order: 2, batch: 64, channelsLast: true, steps, hessian: 'exact' },
    { space: 'darts', method: 'gdas', order: 1, batch: 64, channelsLast: true, steps },
    { space: 'darts', method: 'pc-darts', order: 1, batch: 256, channelsLast: true, steps },
    // iDARTS: T = 5 weight steps, the validation gradients, K = 2 Hessian products and the finite difference per step.
    { space: 'darts', method: 'idarts', order: 1, batch: 64, channelsLast: true, steps },
    { space: 'darts', method: 'single-darts', order: 1, batch: 64, channelsLast: true, steps },
    // ROME: K = 7 single-path sub-models per step (batch 64, as the paper's memory table).
    { space: 'darts', method: 'rome', order: 1, batch: 64, channelsLast: true, steps },
    { space: 'nb201', method: 'darts', order: 1, batch: 64, channelsLast: true, steps },
    { space: 'darts', method: 'sharpdarts', order: 1, batch: 64, channelsLast: true, steps },
    { space: 'hypercuboid', method: 'sharpdarts', order: 1, batch: 64, channelsLast: true, steps },
  ];
  const driver = referenceDriver();
  if ('skipped' in driver) console.log(JSON.stringify({ bench: 'search-step-vs-reference', skipped: driver.skipped }));
  for (const c of cases) {
    if (only && !only.split(',').includes(caseName(c))) continue;
    const oursSteal = stealMeter();
    const ours = runAndParse(process.execPath, [fileURLToPath(import.meta.url), JSON.stringify(c)]);
    if (!ours) {
      process.exitCode = 1;
      continue;
    }
    ours.steal_pct = oursSteal();
    console.log(JSON.stringify({ bench: 'search-step-steal', case: caseName(c), steal_pct: ours.steal_pct, load_avg_1m: +loadavg()[0]!.toFixed(2) }));
    // The reference is compared with our plain DARTS step (no gradient checkpointing) on its own space.
    if (c.space === 'darts' && c.method === 'darts' && !c.checkpointCells && !c.hessian && !('skipped' in driver)) compareWithReference(c, ours, driver);
  }
}
