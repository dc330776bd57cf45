// Depthwise convolution forward + backward, the addon's depthwiseConv2d (input gradient as a
// flipped-kernel depthwise convolution) against libtorch's conv2d, interleaved in one process: each
// round times one of each, in alternating order, so both see the same machine load. Shapes are the
// DARTS supernet's (batch 64, channels-last, float32). One JSON line per shape and gradient set.
//
// DNAS_BENCH_ROUNDS (default 20) sets the rounds; `load` is the 1-minute load average at the end.
// On a shared machine the medians count time spent descheduled; the minima (`min_*`) are the
// figures other jobs disturb least. Trust only ratios there.
import { loadavg } from 'node:os';
import * as torch from '../src/torch/index.js';
import type { Tensor } from '../src/torch/index.js';

interface Shape { channels: number; size: number; kernel: number; dilation: number }
const shapes: Shape[] = [
  { channels: 16, size: 32, kernel: 3, dilation: 2 }, // dil_conv_3x3, first cells
  { channels: 16, size: 32, kernel: 3, dilation: 1 }, // sep_conv_3x3, first cells
  { channels: 16, size: 32, kernel: 5, dilation: 1 }, // sep_conv_5x5, first cells
  { channels: 32, size: 16, kernel: 5, dilation: 2 }, // dil_conv_5x5, middle cells
  { channels: 32, size: 16, kernel: 3, dilation: 1 }, // sep_conv_3x3, middle cells
  { channels: 64, size: 8, kernel: 3, dilation: 1 }, // sep_conv_3x3, last cells
  { channels: 64, size: 8, kernel: 5, dilation: 2 }, // dil_conv_5x5, last cells
];
const rounds = Number(process.env.DNAS_BENCH_ROUNDS ?? 20);
const batch = Number(process.env.DNAS_BENCH_BATCH ?? 64);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (v: number, digits = 3): number => +v.toFixed(digits);

function timeStep(fast: boolean, x: Tensor, w: Tensor, s: Shape, gradOutput: Tensor): number {
  torch.backends.fastDepthwiseConv = fast;
  const t0 = performance.now();
  torch.tidy(() => {
    const y = torch.conv2d(x, w, { padding: (s.dilation * (s.kernel - 1)) / 2, dilation: s.dilation, groups: s.channels });
    y.backward(gradOutput);
  });
  const ms = performance.now() - t0;
  x.grad = null;
  w.grad = null;
  return ms;
}

for (const s of shapes) {
  for (const wrt of (process.env.DNAS_BENCH_GRADS ?? 'input+weight,input,weight').split(',')) {
    torch.manualSeed(0);
    const x = torch.keep(torch.randn([batch, s.channels, s.size, s.size]).contiguous('channelsLast').requiresGrad_(wrt.includes('input')));
    const w = torch.keep(torch.randn([s.channels, 1, s.kernel, s.kernel]).contiguous('channelsLast').requiresGrad_(wrt.includes('weight')));
    const gradOutput = torch.keep(torch.randn(x.shape).contiguous('channelsLast'));
    const fast: number[] = [];
    const libtorch: number[] = [];
    timeStep(true, x, w, s, gradOutput); // warm-up of both paths
    timeStep(false, x, w, s, gradOutput);
    for (let r = 0; r < rounds; r++) {
      if (r % 2 === 0) {
        fast.push(timeStep(true, x, w, s, gradOutput));
        libtorch.push(timeStep(false, x, w, s, gradOutput));
      } else {
        libtorch.push(timeStep(false, x, w, s, gradOutput));
        fast.push(timeStep(true, x, w, s, gradOutput));
      }
    }
    const a = median(libtorch);
    const b = median(fast);
    console.log(JSON.stringify({
      bench: 'depthwise-conv', batch, channels: s.channels, size: s.size, kernel: s.kernel, dilation: s.dilation, grads: wrt, threads: torch.getNumThreads(),
      rounds, ms_libtorch: round(a), ms_fast: round(b), speedup: round(a / b, 2),
      min_ms_libtorch: round(Math.min(...libtorch)), min_ms_fast: round(Math.min(...fast)), min_speedup: round(Math.min(...libtorch) / Math.min(...fast), 2),
      load: round(loadavg()[0]!, 2),
    }));
    for (const t of [x, w, gradOutput]) t.dispose();
  }
}
torch.backends.fastDepthwiseConv = true;
