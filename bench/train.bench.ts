// Training throughput of a network built from a genotype: DARTS_V2 on CIFAR-shaped random data
// (C=36, 20 cells, auxiliary head, drop path 0.2, batch 96), one step = forward + backward + SGD
// step with gradient clipping, as `dnas train` runs it. Prints images/s and peak RSS; then, when
// REF_DARTS points at quark0/darts' cnn/ folder and /usr/bin/python3 has torch, times the reference
// model.py on the same settings with our Python driver, channels-last like ours and contiguous as
// published, and prints the throughput ratio and the peak-RSS ratio for each.
// DNAS_BENCH_STEPS (default 5) and DNAS_BENCH_BATCH (default 96) shrink it for a smoke run. Each
// line carries the CPU steal over its measurement (bench/cpu-steal.ts).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NetworkCIFAR } from '../src/eval/darts-network.js';
import { PUBLISHED_GENOTYPES } from '../src/eval/published-genotypes.js';
import type { DartsGenotype } from '../src/nas/spaces/darts-genotype.js';
import * as optim from '../src/optim/index.js';
import * as torch from '../src/torch/index.js';
import { stealMeter } from './cpu-steal.js';

const steps = Number(process.env.DNAS_BENCH_STEPS ?? 5);
const batch = Number(process.env.DNAS_BENCH_BATCH ?? 96);
// DNAS_BENCH_CHANNELS_LAST=0 times our network in contiguous (NCHW) memory, as `dnas train --no-channels-last`.
const channelsLast = process.env.DNAS_BENCH_CHANNELS_LAST !== '0';
const PYTHON = '/usr/bin/python3';

function ours(): { imagesPerSecond: number; msMedian: number } {
  torch.manualSeed(0);
  const net = new NetworkCIFAR({ genotype: PUBLISHED_GENOTYPES.DARTS_V2!.genotype as DartsGenotype, numClasses: 10, initChannels: 36, layers: 20, auxiliary: true });
  if (channelsLast) net.to({ memoryFormat: 'channelsLast' });
  net.train();
  net.dropPathProb = 0.2;
  const params = net.parameters();
  const opt = new optim.SGD(params, { lr: 0.025, momentum: 0.9, weightDecay: 3e-4 });
  const x = torch.keep(torch.randn([batch, 3, 32, 32]).contiguous(channelsLast ? 'channelsLast' : 'contiguous'));
  const y = torch.keep(torch.randint(0, 10, [batch]));
  const times: number[] = [];
  for (let s = 0; s < steps + 1; s++) {
    const t0 = performance.now();
    torch.tidy(() => {
      opt.zeroGrad();
      const { logits, auxLogits } = net.forwardTrain(x);
      const loss = torch.crossEntropy(logits, y).add(torch.crossEntropy(auxLogits!, y).mul(0.4));
      loss.backward();
      optim.clipGradNorm(params, 5);
      opt.step();
    });
    if (s > 0) times.push(performance.now() - t0); // the first step warms allocators and caches
  }
  times.sort((a, b) => a - b);
  const msMedian = times[Math.floor(times.length / 2)]!;
  return { imagesPerSecond: (1000 * batch) / msMedian, msMedian };
}

interface ReferenceResult { images_per_s: number; peak_rss_mb: number }

function reference(threads: number, channelsLast: boolean): ReferenceResult | string {
  const refDarts = process.env.REF_DARTS;
  if (!refDarts) return 'REF_DARTS is not set (point it at quark0/darts cnn/)';
  if (!existsSync(`${refDarts}/model.py`)) return `REF_DARTS='${refDarts}' has no model.py`;
  if (!existsSync(PYTHON) || spawnSync(PYTHON, ['-c', 'import torch'], { encoding: 'utf8' }).status !== 0) return `${PYTHON} has no torch`;
  const driver = fileURLToPath(new URL('../../bench/reference/darts_train_step.py', import.meta.url));
  const r = spawnSync(PYTHON, [driver], { encoding: 'utf8', env: { ...process.env, BENCH_STEPS: String(steps), BENCH_BATCH: String(batch), BENCH_THREADS: String(threads), BENCH_CHANNELS_LAST: channelsLast ? '1' : '0' } });
  if (r.status !== 0) return `the reference driver failed: ${r.stderr.trim().split('\n').pop()}`;
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as ReferenceResult;
}

const oursSteal = stealMeter();
const result = ours();
const oursStealPct = oursSteal();
const threads = torch.getNumThreads();
const peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
console.log(JSON.stringify({
  bench: 'train-step', network: 'DARTS_V2-cifar', initChannels: 36, layers: 20, auxiliary: true, drop_path: 0.2, batch, channels_last: channelsLast, fast_depthwise: torch.backends.fastDepthwiseConv, threads, steps,
  ms_median: Math.round(result.msMedian), images_per_s: Number(result.imagesPerSecond.toFixed(2)), peak_rss_mb: peakRssMb, steal_pct: oursStealPct,
}));
for (const channelsLast of [true, false]) {
  const refSteal = stealMeter();
  const ref = reference(threads, channelsLast);
  const refStealPct = refSteal();
  if (typeof ref === 'string') {
    console.log(JSON.stringify({ bench: 'train-step-vs-reference', skipped: ref }));
    break;
  }
  console.log(JSON.stringify({
    bench: 'train-step-vs-reference', channels_last: channelsLast, reference_channels_last: channelsLast, ours_images_per_s: Number(result.imagesPerSecond.toFixed(2)), reference_images_per_s: ref.images_per_s,
    ratio: Number((result.imagesPerSecond / ref.images_per_s).toFixed(3)), peak_rss_mb: peakRssMb, reference_peak_rss_mb: ref.peak_rss_mb, memory_ratio: Number((peakRssMb / ref.peak_rss_mb).toFixed(3)), steal_pct: oursStealPct, reference_steal_pct: refStealPct,
  }));
}
