// One search step (architecture step + weight step) at paper settings on CIFAR-shaped random data:
// DARTS space, C=16, 8 cells, batch 64, 10 classes. Each configuration runs in its own process so
// its peak RSS is its own. Prints one JSON line per configuration.
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

const arg = process.argv[2];
if (arg) {
  runCase(JSON.parse(arg) as Case);
} else {
  const only = process.env.DNAS_BENCH_SEARCH; // e.g. "darts-1" to run one case
  const steps = Number(process.env.DNAS_BENCH_STEPS ?? 3);
  const cases: Case[] = [
    { space: 'darts', method: 'darts', order: 1, batch: 64, channelsLast: true, steps },
    { space: 'darts', method: 'darts', order: 1, batch: 64, channelsLast: true, steps, checkpointCells: 2 },
    { space: 'darts', method: 'darts', order: 2, batch: 64, channelsLast: true, steps },
    { space: 'darts', method: 'darts', order: 2, batch: 64, channelsLast: true, steps, checkpointCells: 2 },
    { space: 'nb201', method: 'darts', order: 1, batch: 64, channelsLast: true, steps },
  ];
  for (const c of cases) {
    if (only && `${c.space}-${c.order}${c.checkpointCells ? `-ckpt${c.checkpointCells}` : ''}` !== only) continue;
    const r = spawnSync(process.execPath, [fileURLToPath(import.meta.url), JSON.stringify(c)], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = 1;
  }
}
