// One collapse-diagnostics pass (Hessian eigenvalue with the default power-iteration settings on one
// validation batch, plus the cell statistics) beside one epoch of search steps, at the small settings
// of `dnas search --preset quick` (DARTS space, C=8, 5 cells, batch 32, 31 steps per epoch): what
// turning diagnostics on costs per epoch. Prints one JSON line.
// DNAS_BENCH_DIAG=smoke shrinks everything to check that the bench runs.
import { buildSearch, createStepContext, releaseStepContext } from '../src/nas/build.js';
import { resolveSearchConfig } from '../src/nas/config.js';
import { collapseDiagnostics } from '../src/nas/diagnostics/collapse.js';
import { POWER_ITERATION_DEFAULTS } from '../src/nas/diagnostics/hessian-eigen.js';
import * as torch from '../src/torch/index.js';

const smoke = process.env.DNAS_BENCH_DIAG === 'smoke';
const s = smoke ? { initChannels: 4, layers: 2, batch: 8, image: 16, stepsPerEpoch: 4, timedSteps: 2 } : { initChannels: 8, layers: 5, batch: 32, image: 32, stepsPerEpoch: 31, timedSteps: 3 };

torch.manualSeed(0);
const cfg = resolveSearchConfig({ space: 'darts', method: 'darts', order: 1, batchSize: s.batch, initChannels: s.initChannels, layers: s.layers, warmupEpochs: 0 });
const parts = buildSearch(cfg, { inChannels: 3, numClasses: 10 });
parts.net.train();
const fmt = cfg.channelsLast ? 'channelsLast' : 'contiguous';
const batch = () => ({ x: torch.keep(torch.randn([s.batch, 3, s.image, s.image]).contiguous(fmt)), y: torch.keep(torch.randint(0, 10, [s.batch])) });
const trainBatch = batch();
const validBatch = batch();
const weightGradSeen = parts.weights.map(() => false);

const stepTimes: number[] = [];
for (let k = 0; k < s.timedSteps + 1; k++) {
  const t0 = performance.now();
  torch.tidy(() => {
    const ctx = createStepContext(parts, { trainBatch, nextValidBatch: () => validBatch, updateArch: true, weightGradSeen });
    parts.update.step(ctx);
    releaseStepContext(ctx);
  });
  if (k > 0) stepTimes.push(performance.now() - t0); // the first step warms allocators and caches
}
stepTimes.sort((a, b) => a - b);
const stepMs = stepTimes[Math.floor(stepTimes.length / 2)]!;

const t0 = performance.now();
const weights = parts.mixing.derivationWeights(parts.arch, parts.space);
const archWeights = Object.fromEntries(Object.entries(weights).map(([cell, w]) => [cell, w.ops]));
const genotypeJSON = parts.space.genotypeToJSON(parts.derivation.derive(parts.space, weights));
const ctx = createStepContext(parts, { trainBatch, nextValidBatch: () => validBatch });
const d = collapseDiagnostics({ archWeights, genotypeJSON, hessian: { ctx, batches: [validBatch] } });
const diagnosticsMs = performance.now() - t0;

console.log(JSON.stringify({
  bench: 'diagnostics', space: 'darts', init_channels: s.initChannels, layers: s.layers, batch: s.batch, threads: torch.getNumThreads(),
  power_iterations: POWER_ITERATION_DEFAULTS.iterations, steps_per_epoch: s.stepsPerEpoch,
  step_ms_median: Math.round(stepMs), epoch_ms_estimate: Math.round(stepMs * s.stepsPerEpoch), diagnostics_ms: Math.round(diagnosticsMs),
  eigenvalue: d.hessianEigenvalue, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
}));
