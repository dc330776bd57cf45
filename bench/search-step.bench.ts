// One search step (architecture step + weight step) at paper settings on CIFAR-shaped random data:
// DARTS space, C=16, 8 cells, 10 classes, each method at its paper's batch size. Each configuration
// runs in its own process so its peak RSS is its own. Prints one JSON line per configuration.
// sharpDARTS: its cell space (C=16, 8 cells) and its HyperCuboid grid (C=16, 8 layers, 4 widths).
// DNAS_BENCH_TINY=1 shrinks every case (C=4, 8×8 images, batch 4, the smallest shapes) to check
// that the cases run, not to measure them.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildSearch, createStepContext } from '../src/nas/build.js';
import { resolveSearchConfig } from '../src/nas/config.js';
import { releaseStepContext } from '../src/nas/build.js';
import * as torch from '../src/torch/index.js';

interface Case {
  space: string;
  method: string;
  order: 1 | 2;
  batch: number;
  channelsLast: boolean;
  steps: number;
  checkpointCells?: number;
}

function caseName(c: Case): string {
  return `${c.space}-${c.method}-${c.order}${c.checkpointCells ? `-ckpt${c.checkpointCells}` : ''}`;
}

/** Paper shapes per space, and the smallest ones each space allows (DNAS_BENCH_TINY). */
const SHAPES: Record<string, { layers: number; steps?: number; tinyLayers: number; tinySteps?: number }> = {
  darts: { layers: 8, tinyLayers: 3 },
  nb201: { layers: 5, tinyLayers: 1 },
  hypercuboid: { layers: 8, steps: 4, tinyLayers: 2, tinySteps: 2 },
};

function runCase(c: Case): void {
  torch.manualSeed(0);
  const tiny = process.env.DNAS_BENCH_TINY === '1';
  const shape = SHAPES[c.space]!;
  const batchSize = tiny ? 4 : c.batch;
  const side = tiny ? 8 : 32;
  const cfg = resolveSearchConfig({
    space: c.space as 'darts' | 'nb201' | 'hypercuboid', method: c.method, order: c.order, batchSize, channelsLast: c.channelsLast,
    checkpointCells: c.checkpointCells ?? 0, initChannels: tiny ? 4 : 16, layers: tiny ? shape.tinyLayers : shape.layers, warmupEpochs: 0,
    ...(shape.steps ? { steps: tiny ? shape.tinySteps : shape.steps } : {}),
  });
  const parts = buildSearch(cfg, { inChannels: 3, numClasses: 10 });
  parts.net.train();
  const fmt = c.channelsLast ? 'channelsLast' : 'contiguous';
  const batch = () => ({ x: torch.keep(torch.randn([batchSize, 3, side, side]).contiguous(fmt)), y: torch.keep(torch.randint(0, 10, [batchSize])) });
  const trainBatch = batch();
  const validBatch = batch();
  const weightGradSeen = parts.weights.map(() => false);
  const times: number[] = [];
  for (let s = 0; s < c.steps + 1; s++) {
    const t0 = performance.now();
    torch.tidy(() => {
      const ctx = createStepContext(parts, { trainBatch, nextValidBatch: () => validBatch, updateArch: true, weightGradSeen });
      parts.update.step(ctx);
      releaseStepContext(ctx);
    });
    if (s > 0) times.push(performance.now() - t0); // the first step warms allocators and caches
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)]!;
  console.log(JSON.stringify({
    bench: 'search-step', space: c.space, method: c.method, order: c.order, batch: batchSize, channels_last: c.channelsLast, checkpoint_cells: c.checkpointCells ?? 0,
    ...(cfg.romeK > 1 ? { rome_k: cfg.romeK } : {}), ...(tiny ? { tiny: true } : {}),
    threads: torch.getNumThreads(), steps: times.length, ms_median: Math.round(median), peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  }));
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
  for (const c of cases) {
    if (only && caseName(c) !== only) continue;
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), JSON.stringify(c)], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = 1;
  }
}
