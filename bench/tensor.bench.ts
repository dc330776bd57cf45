// Tensor-engine figures, one JSON line each: the cost of one tiny op call (the binding's overhead),
// matmul GFLOP/s (is OpenBLAS in use?), and a 3×3 conv forward+backward contiguous vs channels-last.
//
// Times are given twice: `*_median` is wall-clock, `cpu_*` is this process's CPU time per call. On a
// machine shared with other jobs the wall clock also counts time spent descheduled, so compare
// tiny-op figures by their CPU time (and read `load` before trusting a wall-clock one).
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import * as torch from '../src/torch/index.js';
import { native } from '../src/torch/native.js';

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const round = (v: number, digits = 3) => +v.toFixed(digits);
const load = () => round(loadavg()[0]!, 2);

/**
 * Runs `body` (which makes `n` calls) `reps` times: per-call wall and CPU microseconds (medians),
 * and the least CPU time, the figure other jobs on the machine disturb least.
 */
function perCall(n: number, reps: number, body: () => void): { us: number; cpuUs: number; cpuMinUs: number } {
  const wall: number[] = [];
  const cpu: number[] = [];
  body(); // warm-up: JIT, allocator, handle table
  for (let rep = 0; rep < reps; rep++) {
    const c0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    body();
    wall.push(Number(process.hrtime.bigint() - t0) / 1000 / n);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / n);
  }
  return { us: round(median(wall)), cpuUs: round(median(cpu)), cpuMinUs: round(Math.min(...cpu)) };
}

function tinyOp(): void {
  const x = torch.keep(torch.ones([1]));
  const n = 100_000;
  // First, before the loops below leave garbage-collector work behind, the floor under the Tensor
  // class: the addon's two calls alone (op + dispose), no JS object.
  const relu = native.unaryNames().indexOf('relu');
  const h = x.handle;
  const raw = perCall(n, 9, () => { for (let i = 0; i < n; i++) native.dispose(native.unary(relu, h)); });
  console.log(JSON.stringify({ bench: 'tiny-op', op: 'relu', numel: 1, layer: 'addon', includes: 'call+wrap+dispose', us_median: raw.us, cpu_us_median: raw.cpuUs, cpu_us_min: raw.cpuMinUs, load: load() }));
  // Inside a memory scope (how training code runs) and at top level, where a tensor that outlives
  // its creation briefly is handed to the garbage collector as a safety net.
  for (const scope of ['tidy', 'none'] as const) {
    const r = perCall(n, 9, () => {
      if (scope === 'tidy') torch.tidy(() => { for (let i = 0; i < n; i++) x.relu().dispose(); });
      else for (let i = 0; i < n; i++) x.relu().dispose();
    });
    console.log(JSON.stringify({ bench: 'tiny-op', op: 'relu', numel: 1, scope, includes: 'call+wrap+dispose', us_median: r.us, cpu_us_median: r.cpuUs, cpu_us_min: r.cpuMinUs, load: load() }));
  }
  // The same call in Python with Debian's torch (same libtorch), when available, for reference.
  const script = [
    'import torch, time',
    'torch.set_num_threads(2)',
    'x = torch.ones(1)',
    'n = 100000',
    'wall, cpu = [], []',
    'for rep in range(10):',
    '    t0, c0 = time.perf_counter(), time.process_time()',
    '    for i in range(n): torch.relu(x)',
    '    wall.append((time.perf_counter() - t0) / n * 1e6); cpu.append((time.process_time() - c0) / n * 1e6)',
    'wall.sort(); cpu.sort()',
    'print(wall[5], cpu[5], cpu[0])',
  ].join('\n');
  const py = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
  if (py.status === 0) {
    const [wall, cpu, cpuMin] = py.stdout.trim().split(' ').map(Number);
    console.log(JSON.stringify({ bench: 'tiny-op', op: 'relu', numel: 1, runtime: 'python-torch-1.13', includes: 'call+wrap+free', us_median: round(wall!), cpu_us_median: round(cpu!), cpu_us_min: round(cpuMin!), load: load() }));
  }
  else console.log(JSON.stringify({ bench: 'tiny-op', op: 'relu', runtime: 'python-torch-1.13', skipped: 'python3-torch is not importable from /usr/bin/python3' }));
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
  console.log(JSON.stringify({ bench: 'matmul', n, dtype: 'float32', threads: torch.getNumThreads(), ms_median: round(ms, 2), gflops: round((2 * n ** 3) / (ms / 1000) / 1e9, 1), load: load() }));
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
  console.log(JSON.stringify({ bench: 'conv3x3-fwd-bwd', shape: [n, c, hw, hw], groups, memory_format: format, ms_median: round(ms, 2), gflops: round(flops / (ms / 1000) / 1e9, 2), load: load() }));
}

/** The same conv steps in Python with Debian's torch, measured now (the machine's load changes). */
function convPython(): void {
  const script = [
    'import torch, time, json',
    'torch.set_num_threads(2)',
    'for groups in (1, 16):',
    '    for name, fmt in (("contiguous", torch.contiguous_format), ("channelsLast", torch.channels_last)):',
    '        x = torch.randn(64, 16, 32, 32).contiguous(memory_format=fmt).requires_grad_()',
    '        w = torch.randn(16, 16 // groups, 3, 3).contiguous(memory_format=fmt).requires_grad_()',
    '        def step():',
    '            torch.conv2d(x, w, padding=1, groups=groups).sum().backward(); x.grad = None; w.grad = None',
    '        step()',
    '        ts = []',
    '        for i in range(7):',
    '            t0 = time.perf_counter(); step(); ts.append((time.perf_counter() - t0) * 1e3)',
    '        print(json.dumps({"groups": groups, "memory_format": name, "ms": sorted(ts)[3]}))',
  ].join('\n');
  const py = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
  if (py.status !== 0) return;
  for (const line of py.stdout.trim().split('\n')) {
    const r = JSON.parse(line) as { groups: number; memory_format: string; ms: number };
    const flops = 3 * 2 * 64 * 16 * 32 * 32 * (16 / r.groups) * 9;
    console.log(JSON.stringify({ bench: 'conv3x3-fwd-bwd', shape: [64, 16, 32, 32], groups: r.groups, memory_format: r.memory_format, runtime: 'python-torch-1.13', ms_median: round(r.ms, 2), gflops: round(flops / (r.ms / 1000) / 1e9, 2), load: load() }));
  }
}

tinyOp();
matmul();
for (const groups of [1, 16]) for (const f of ['contiguous', 'channelsLast'] as const) conv(groups, f);
convPython();
