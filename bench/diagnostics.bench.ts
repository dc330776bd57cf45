// One collapse-diagnostics pass (the Hessian eigenvalue with the search's default power-iteration
// settings on its default probe batches, plus the cell statistics) beside one epoch of search steps:
// what turning diagnostics on costs per epoch. Two sizes, one JSON line each:
//   default: `dnas search`'s defaults (DARTS space, C=16, 8 cells, batch 64, first order, CIFAR-10's
//            25,000 training images → 391 steps per epoch, eigenvalue every --hessian-every 2 epochs);
//   quick:   `--preset quick` sizes (C=8, 5 cells, batch 32, 1,000 images → 32 steps per epoch).
// The epoch is estimated as steps per epoch × the median timed step (timing 391 steps would take
// more than an hour). `share_of_epoch` = diagnostics time / hessian-every / epoch time: the cost the
// issue's 10 % budget is about. DNAS_BENCH_DIAG=default|quick|smoke picks one (smoke: tiny shapes,
// to check that the bench runs).
import { buildSearch, createStepContext } from '../src/nas/build.js';
import { resolveSearchConfig } from '../src/nas/config.js';
import { collapseDiagnostics } from '../src/nas/diagnostics/collapse.js';
import * as torch from '../src/torch/index.js';
import { median, timeSearchSteps } from './timed-steps.js';

interface Size {
  name: string;
  initChannels: number;
  layers: number;
  batch: number;
  image: number;
  trainImages: number;
  timedSteps: number;
}

const SIZES: Size[] = [
  { name: 'default', initChannels: 16, layers: 8, batch: 64, image: 32, trainImages: 25_000, timedSteps: 3 },
  { name: 'quick', initChannels: 8, layers: 5, batch: 32, image: 32, trainImages: 1_000, timedSteps: 3 },
  { name: 'smoke', initChannels: 4, layers: 2, batch: 8, image: 16, trainImages: 32, timedSteps: 1 },
];

function measure(s: Size): void {
  torch.manualSeed(0);
  const cfg = resolveSearchConfig({ space: 'darts', method: 'darts', order: 1, batchSize: s.batch, initChannels: s.initChannels, layers: s.layers, warmupEpochs: 0 });
  const parts = buildSearch(cfg, { inChannels: 3, numClasses: 10 });
  parts.net.train();
  const fmt = cfg.channelsLast ? 'channelsLast' : 'contiguous';
  const batch = () => ({ x: torch.keep(torch.randn([s.batch, 3, s.image, s.image]).contiguous(fmt)), y: torch.keep(torch.randint(0, 10, [s.batch])) });
  const trainBatch = batch();
  const validBatch = batch();
  const probeBatches = Array.from({ length: cfg.hessianBatches }, batch);

  const stepMs = median(timeSearchSteps(parts, trainBatch, validBatch, s.timedSteps));
  const stepsPerEpoch = Math.ceil(s.trainImages / s.batch);
  const epochMs = stepMs * stepsPerEpoch;

  const t0 = performance.now();
  const weights = parts.mixing.derivationWeights(parts.arch, parts.space);
  const archWeights = Object.fromEntries(Object.entries(weights).map(([cell, w]) => [cell, w.ops]));
  const genotypeJSON = parts.space.genotypeToJSON(parts.derivation.derive(parts.space, weights));
  const ctx = createStepContext(parts, { trainBatch, nextValidBatch: () => validBatch });
  const d = collapseDiagnostics({
    archWeights, genotypeJSON, hessian: { ctx, batches: probeBatches, iterations: cfg.hessianIterations, tolerance: cfg.hessianTolerance },
  });
  const diagnosticsMs = performance.now() - t0;
  const every = cfg.hessianEvery > 0 ? cfg.hessianEvery : 1;
  console.log(JSON.stringify({
    bench: 'diagnostics', size: s.name, space: 'darts', init_channels: s.initChannels, layers: s.layers, batch: s.batch, threads: torch.getNumThreads(),
    hessian_iterations: cfg.hessianIterations, hessian_tolerance: cfg.hessianTolerance, hessian_batches: cfg.hessianBatches, hessian_every: every,
    steps_per_epoch: stepsPerEpoch, step_ms_median: Math.round(stepMs), epoch_ms_estimate: Math.round(epochMs), diagnostics_ms: Math.round(diagnosticsMs),
    share_of_epoch: +(diagnosticsMs / every / epochMs).toFixed(4), share_if_every_epoch: +(diagnosticsMs / epochMs).toFixed(4),
    eigenvalue: d.hessianEigenvalue, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  }));
}

const pick = process.env.DNAS_BENCH_DIAG;
const sizes = pick ? SIZES.filter((s) => s.name === pick) : SIZES.filter((s) => s.name !== 'smoke');
if (sizes.length === 0) throw new Error(`DNAS_BENCH_DIAG='${pick}' is not a size: use ${SIZES.map((s) => s.name).join(', ')}`);
for (const s of sizes) measure(s);
