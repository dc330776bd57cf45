// Tensor-engine figures, one JSON line each: the cost of one tiny op call (the binding's overhead),
// matmul GFLOP/s (is OpenBLAS in use?), and a 3×3 conv forward+backward contiguous vs channels-last.
import { spawnSync } from 'node:child_process';
import * as torch from '../src/torch/index.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function tinyOp(): void {
  const x = torch.keep(torch.ones([1]));
  const n = 100_000;
  // Inside a memory scope (how training code runs) and at top level, where every tensor is also
  // registered with the garbage collector as a safety net.
  for (const scope of ['tidy', 'none'] as const) {
    const perCall: number[] = [];
    for (let rep = 0; rep < 9; rep++) {
      const t0 = process.hrtime.bigint();
      if (scope === 'tidy') torch.tidy(() => { for (let i = 0; i < n; i++) x.relu().dispose(); });
      else for (let i = 0; i < n; i++) x.relu().dispose();
      perCall.push(Number(process.hrtime.bigint() - t0) / 1000 / n);
    }
    console.log(JSON.stringify({ bench: 'tiny-op', op: 'relu', numel: 1, scope, includes: 'call+wrap+dispose', us_median: +median(perCall.slice(3)).toFixed(3) }));
  }
  // The same call in Python with Debian's torch (same libtorch), when available, for reference.
  const py = spawnSync('/usr/bin/python3', ['-c', 'import torch,timeit;torch.set_num_threads(2);x=torch.ones(1);n=200000;print(min(timeit.repeat(lambda: torch.relu(x), number=n, repeat=5))/n*1e6)'], { encoding: 'utf8' });
  if (py.status === 0) console.log(JSON.stringify({ bench: 'tiny-op', op: 'relu', runtime: 'python-torch-1.13', us_median: +Number(py.stdout.trim()).toFixed(3) }));
}

function matmul(): void {
  const n = 2048;
  const a = torch.keep(torch.randn([n, n]));
  const b = torch.keep(torch.randn([n, n]));
  torch.tidy(() => a.matmul(b));
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    torch.tidy(() => a.matmul(b));
    times.push(performance.now() - t0);
  }
  const ms = median(times);
  console.log(JSON.stringify({ bench: 'matmul', n, dtype: 'float32', threads: torch.getNumThreads(), ms_median: +ms.toFixed(2), gflops: +((2 * n ** 3) / (ms / 1000) / 1e9).toFixed(1) }));
}

function conv(groups: number, format: 'contiguous' | 'channelsLast'): void {
  const [n, c, hw] = [64, 16, 32];
  const x = torch.keep(torch.randn([n, c, hw, hw]).contiguous(format).requiresGrad_(true));
  const w = torch.keep(torch.randn([c, c / groups, 3, 3]).contiguous(format).requiresGrad_(true));
  const step = () =>
    torch.tidy(() => {
      torch.conv2d(x, w, { padding: 1, groups }).sum().backward();
      x.grad = null;
      w.grad = null;
    });
  step();
  const times: number[] = [];
  for (let i = 0; i < 7; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  const ms = median(times);
  // Forward + input grad + weight grad: 3 × 2·N·Cout·H·W·(Cin/groups)·9 FLOPs.
  const flops = 3 * 2 * n * c * hw * hw * (c / groups) * 9;
  console.log(JSON.stringify({ bench: 'conv3x3-fwd-bwd', shape: [n, c, hw, hw], groups, memory_format: format, ms_median: +ms.toFixed(2), gflops: +(flops / (ms / 1000) / 1e9).toFixed(2) }));
}

tinyOp();
matmul();
for (const groups of [1, 16]) for (const f of ['contiguous', 'channelsLast'] as const) conv(groups, f);
