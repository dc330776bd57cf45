// One collapse-diagnostics pass (Hessian eigenvalue with the default power-iteration settings on one
// validation batch, plus the cell statistics) beside one epoch of search steps, at the small settings
// of `dnas search --preset quick` (DARTS space, C=8, 5 cells, batch 32, 31 steps per epoch): what
// turning diagnostics on costs per epoch. Prints one JSON line.
// DNAS_BENCH_DIAG=smoke shrinks everything to check that the bench runs.
import { archList, createArchParams } from '../src/nas/arch.js';
import { collapseDiagnostics } from '../src/nas/diagnostics/collapse.js';
import { POWER_ITERATION_DEFAULTS } from '../src/nas/diagnostics/hessian-eigen.js';
import { getMethod } from '../src/nas/methods.js';
import { getSpace } from '../src/nas/spaces/index.js';
import type { StepContext } from '../src/nas/update/common.js';
import * as optim from '../src/optim/index.js';
import * as torch from '../src/torch/index.js';

const smoke = process.env.DNAS_BENCH_DIAG === 'smoke';
const s = smoke ? { initChannels: 4, layers: 2, batch: 8, image: 16, stepsPerEpoch: 4, timedSteps: 2 } : { initChannels: 8, layers: 5, batch: 32, image: 32, stepsPerEpoch: 31, timedSteps: 3 };

torch.manualSeed(0);
const space = getSpace('darts');
const method = getMethod('darts');
const hp = { ...method.hyperparameters.darts!, order: 1 as const };
const { mixing, update } = method.build(hp);
const net = space.createSupernet({ inChannels: 3, numClasses: 10, initChannels: s.initChannels, layers: s.layers }, mixing);
net.to({ memoryFormat: 'channelsLast' });
net.train();
const arch = createArchParams(space, mixing);
const archParams = archList(arch);
const weights = net.parameters();
const batch = () => ({ x: torch.keep(torch.randn([s.batch, 3, s.image, s.image]).contiguous('channelsLast')), y: torch.keep(torch.randint(0, 10, [s.batch])) });
const trainBatch = batch();
const validBatch = batch();
const ctx: StepContext = {
  net, space, mixing, arch, archParams, weights, trainBatch, nextValidBatch: () => validBatch,
  weightOptimizer: new optim.SGD(weights, { lr: hp.lr, momentum: hp.momentum, weightDecay: hp.weightDecay }),
  archOptimizer: new optim.Adam(archParams, { lr: hp.archLr, betas: hp.archBetas, weightDecay: hp.archWeightDecay }),
  lr: hp.lr, momentum: hp.momentum, weightDecay: hp.weightDecay, gradClip: hp.gradClip, updateArch: true,
};

const stepTimes: number[] = [];
for (let k = 0; k < s.timedSteps + 1; k++) {
  const t0 = performance.now();
  torch.tidy(() => update.step(ctx));
  if (k > 0) stepTimes.push(performance.now() - t0); // the first step warms allocators and caches
}
stepTimes.sort((a, b) => a - b);
const stepMs = stepTimes[Math.floor(stepTimes.length / 2)]!;

const t0 = performance.now();
const archWeights = mixing.derivationWeights(arch, space);
const genotypeJSON = space.genotypeToJSON(space.derive(archWeights));
const d = collapseDiagnostics({ archWeights, genotypeJSON, hessian: { ctx, batches: [validBatch] } });
const diagnosticsMs = performance.now() - t0;

console.log(JSON.stringify({
  bench: 'diagnostics', space: 'darts', init_channels: s.initChannels, layers: s.layers, batch: s.batch, threads: torch.getNumThreads(),
  power_iterations: POWER_ITERATION_DEFAULTS.iterations, steps_per_epoch: s.stepsPerEpoch,
  step_ms_median: Math.round(stepMs), epoch_ms_estimate: Math.round(stepMs * s.stepsPerEpoch), diagnostics_ms: Math.round(diagnosticsMs),
  eigenvalue: d.hessianEigenvalue, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
}));
