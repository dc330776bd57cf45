// Loads the compiled addon. The addon is an implementation detail: only src/torch touches it.
import { createRequire } from 'node:module';
import { availableParallelism, loadavg } from 'node:os';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** An opaque native tensor handle (a BigInt naming a slot of the addon's handle table). */
export type Handle = { readonly __nativeTensor: unique symbol };
type H = Handle;
type N = number;
type Maybe<T> = T | null | undefined;

/** The caching CPU allocator's counters (blocks of 1 MiB or more); see torch.memoryStats(). */
export interface MemoryStats {
  installed: boolean;
  allocatedBytes: number;
  cachedBytes: number;
  hits: number;
  misses: number;
  peakAllocatedBytes: number;
  peakReservedBytes: number;
}

export interface NativeAddon {
  /** collected: the garbage collector reclaimed it (what V8 is told of external memory falls). */
  dispose(h: H, collected?: boolean): void;
  isLive(h: H): boolean;
  shape(h: H): number[];
  strides(h: H): number[];
  dtype(h: H): number;
  device(h: H): string;
  numel(h: H): number;
  isContiguous(h: H, format: N): boolean;
  item(h: H): number;
  data(h: H): ArrayBuffer;
  fromBuffer(view: ArrayBufferView, shape: number[], dtype: N, device?: string | null): H;
  memory(): { tensors: number; bytes: number };

  unary(code: N, x: H): H;
  binary(code: N, a: H, b: H | number | boolean): H;
  add(a: H, b: H | number, alpha?: number | null): H;
  sub(a: H, b: H | number, alpha?: number | null): H;
  rsub(a: H, b: number): H;
  clamp(x: H, min: Maybe<number>, max: Maybe<number>): H;
  where(c: H, a: H | number, b: H | number): H;
  reduce(code: N, x: H, dims: Maybe<number[]>, keepdim: boolean): H;
  reductionNames(): string[];
  varStd(isStd: boolean, x: H, dims: Maybe<number[]>, correction: number, keepdim: boolean): H;
  norm(x: H, p: number, dims: Maybe<number[]>, keepdim: boolean): H;
  maxMinDim(isMax: boolean, x: H, dim: number, keepdim: boolean): [H, H];
  argMaxMin(isMax: boolean, x: H, dim: Maybe<number>, keepdim: boolean): H;
  softmax(x: H, dim: N): H;
  logSoftmax(x: H, dim: N): H;
  full(shape: number[], value: number | boolean | null, dtype: Maybe<number>, device: Maybe<string>): H;
  arange(start: N, end: N, step: N, dtype: Maybe<number>, device: Maybe<string>): H;
  linspace(start: N, end: N, steps: N, dtype: Maybe<number>, device: Maybe<string>): H;
  eye(n: N, m: N, dtype: Maybe<number>, device: Maybe<string>): H;
  random(kind: N, shape: number[], low: N, high: N, dtype: Maybe<number>, device: Maybe<string>): H;
  randperm(n: N, dtype: Maybe<number>, device: Maybe<string>): H;
  bernoulli(p: H, prob?: number): H;
  multinomial(p: H, n: N, replacement: boolean): H;
  to(x: H, dtype: Maybe<number>, device: Maybe<string>, copy: boolean): H;
  contiguous(x: H, format: N): H;
  clone(x: H, format: Maybe<number>): H;
  detach(x: H): H;
  view(x: H, shape: number[]): H;
  reshape(x: H, shape: number[]): H;
  permute(x: H, dims: number[]): H;
  transpose(x: H, d0: N, d1: N): H;
  flatten(x: H, start: N, end: N): H;
  squeeze(x: H, dim: Maybe<number>): H;
  unsqueeze(x: H, dim: N): H;
  expand(x: H, shape: number[]): H;
  repeat(x: H, repeats: number[]): H;
  cat(xs: H[], dim: N, rowCopy: boolean): H;
  splitChannels(x: H, widths: N[]): H[];
  batchNormPieces(x: H, weights: (H | null)[], biases: (H | null)[], runningMeans: (H | null)[], runningVars: (H | null)[], momentum: N, eps: N, widths: N[]): H[] | null;
  factorizedReduceInputs(x: H): H[] | null;
  reluCat(xs: H[], dim: N, rowCopy: boolean): H;
  dropPathSum(a: H, da: H | null, b: H, db: H | null): H | null;
  stack(xs: H[], dim: N): H;
  weightedSum(xs: H[], w: H): H;
  narrow(x: H, dim: N, start: N, length: N): H;
  slice(x: H, dim: N, start: Maybe<number>, end: Maybe<number>, step: N): H;
  select(x: H, dim: N, index: N): H;
  indexSelect(x: H, dim: N, index: H): H;
  gather(x: H, dim: N, index: H): H;
  scatter(x: H, dim: N, index: H, src: H | number): H;
  maskedFill(x: H, mask: H, value: number): H;
  flip(x: H, dims: number[]): H;
  topk(x: H, k: N, dim: N, largest: boolean, sorted: boolean): [H, H];
  sort(x: H, dim: N, descending: boolean, stable: boolean): [H, H];
  oneHot(x: H, numClasses: N): H;
  pad(x: H, pads: number[], mode: string, value: Maybe<number>): H;
  inplace(code: N, x: H, ...args: unknown[]): void;
  inplaceNames(): string[];
  unaryNames(): string[];
  binaryNames(): string[];
  getRngState(): H;
  setRngState(state: H): void;
  setNumThreads(n: N): void;
  getNumThreads(): number;
  cpuCachingAllocatorInstall(): boolean;
  cpuEmptyCache(): number;
  cpuCacheStats(): MemoryStats;
  cpuResetPeakStats(): void;
  profilerStart(path: string): void;
  profilerStop(): void;

  matmul(a: H, b: H): H;
  linear(x: H, w: H, b: Maybe<H>): H;
  conv2d(x: H, w: H, b: Maybe<H>, stride: number[], padding: number[], dilation: number[], groups: N): H;
  depthwiseConv2d(x: H, w: H, b: Maybe<H>, stride: number[], padding: number[], dilation: number[]): H;
  separableConv2d(x: H, depthwise: H, pointwise: H, stride: number[], padding: number[], dilation: number[]): H;
  maxPool2d(x: H, kernel: number[], stride: number[], padding: number[], dilation: number[], ceil: boolean): H;
  avgPool2d(x: H, kernel: number[], stride: number[], padding: number[], ceil: boolean, countIncludePad: boolean, divisor: Maybe<number>): H;
  adaptiveAvgPool2d(x: H, out: number[]): H;
  batchNorm(x: H, w: Maybe<H>, b: Maybe<H>, rm: Maybe<H>, rv: Maybe<H>, training: boolean, momentum: N, eps: N, relu: boolean, divisor: Maybe<H>, addend: Maybe<H>): H;
  dropout(x: H, p: N, train: boolean): H;
  crossEntropy(x: H, target: H, weight: Maybe<H>, reduction: N, ignoreIndex: N, labelSmoothing: N): H;
  nllLoss(x: H, target: H, weight: Maybe<H>, reduction: N, ignoreIndex: N): H;

  requiresGrad(x: H): boolean;
  isLeaf(x: H): boolean;
  gradFnName(x: H): string | null;
  getGrad(x: H): H | null;
  setGrad(x: H, g: H | null): void;
  retainGrad(x: H): void;
  backward(x: H, gradient: Maybe<H>, retainGraph: Maybe<boolean>, createGraph: boolean): void;
  grad(outputs: H[], inputs: H[], gradOutputs: Maybe<(H | null)[]>, retainGraph: Maybe<boolean>, createGraph: boolean, allowUnused: boolean): (H | null)[];
  isGradEnabled(): boolean;
  setGradEnabled(on: boolean): void;
  isSecondOrderForward(): boolean;
  setSecondOrderForward(on: boolean): void;
  manualSeed(seed: number): void;
  cudaIsAvailable(): boolean;
  cudaDeviceCount(): number;
  cudaSynchronize(): void;
  cudnnAllowTF32(on?: boolean | null): boolean;

  initProcessGroup(backend: string, rank: N, worldSize: N, masterAddr: string, masterPort: N, timeoutMs: N, glooInterface: string, glooHostname: string): void;
  destroyProcessGroup(): void;
  isProcessGroupInitialized(): boolean;
  processGroupInfo(): { rank: number; worldSize: number; backend: string };
  hasNccl(): boolean;
  hasGloo(): boolean;
  allReduce(x: H, op: N): void;
  broadcast(x: H, src: N): void;
  barrier(): void;
}

function loadAddon(): NativeAddon {
  const here = dirname(fileURLToPath(import.meta.url));
  // Compiled layout: dist/src/torch/native.js → repo root is three levels up; source layout (tsx): two.
  const candidates = [join(here, '../../../build/Release/dnas.node'), join(here, '../../build/Release/dnas.node')];
  const path = candidates.find((p) => existsSync(p));
  if (!path) {
    throw new Error(
      `dnas native addon not built (looked for ${candidates.join(', ')}): run 'npx dnas setup' (installs libtorch where it can and builds the addon; in a clone of the repository: bash scripts/setup.sh)`,
    );
  }
  const require = createRequire(import.meta.url);
  try {
    return require(path) as NativeAddon;
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0];
    throw new Error(`dnas native addon failed to load (${msg}): rebuild it with 'npx dnas setup' (in a clone of the repository: bash scripts/setup.sh), or set LIBTORCH to a libtorch folder`);
  }
}

/**
 * libgomp reads OMP_WAIT_POLICY and GOMP_SPINCOUNT once, when it initialises, which happens when
 * the addon (and so libtorch) is loaded: they must be in the environment before the require below.
 * By default an idle OpenMP worker spins for ~300,000 iterations (a few ms) before sleeping; a DARTS
 * step is thousands of short parallel regions, so on a machine where another process holds a core
 * the spinning workers take the time slices the working thread needs (steps 2–30× slower), while
 * on a quiet machine spinning is what makes the regions cheap (PASSIVE made a GDAS step 2.5× and a
 * DARTS step ~2× slower there, measured back to back). So the policy follows the free cores seen at
 * load: PASSIVE when other processes already fill all but half a core, libgomp's default otherwise.
 * "Already" is the CPU time others used over the last 100 ms (/proc/stat), not the 1-minute load
 * average, which still counts work that has just finished (a demo started right after a test run saw
 * 2.4 on an idle machine, chose PASSIVE and ran 2× slower); the load average is the fallback where
 * /proc/stat cannot be read. DNAS_THREAD_WAIT=passive|spin forces one; a value the user set for either libgomp
 * variable is left alone. See bench/contention.bench.ts.
 */
export function threadWaitPolicy(o: { forced?: string; load: number; cores: number }): 'passive' | 'spin' {
  if (o.forced === 'passive' || o.forced === 'spin') return o.forced;
  return o.load >= o.cores - 0.5 ? 'passive' : 'spin';
}

/** Busy and total jiffies of all CPUs from /proc/stat's first line, or null where it cannot be read. */
function cpuJiffies(): { busy: number; total: number } | null {
  try {
    const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
    if (fields.length < 5 || fields.some((v) => !Number.isFinite(v))) return null;
    const total = fields.reduce((a, b) => a + b, 0);
    const idle = fields[3]! + fields[4]!; // idle + iowait
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** Cores kept busy by other processes over the last `ms` milliseconds (this one sleeps meanwhile). */
export function busyCoresNow(cores: number, ms = 100): number | null {
  const before = cpuJiffies();
  if (!before) return null;
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  const after = cpuJiffies();
  if (!after || after.total <= before.total) return null;
  return (cores * (after.busy - before.busy)) / (after.total - before.total);
}

let busyAtLoad: number | undefined;
/** Cores other processes kept busy as dnas loaded (sampled once, 100 ms; the load average as the fallback). */
export function busyCoresAtLoad(): number {
  busyAtLoad ??= busyCoresNow(availableParallelism()) ?? loadavg()[0] ?? 0;
  return busyAtLoad;
}

export function applyThreadWaitPolicy(env: NodeJS.ProcessEnv = process.env): void {
  if (env.OMP_WAIT_POLICY !== undefined || env.GOMP_SPINCOUNT !== undefined) return;
  if (env.DNAS_THREAD_WAIT === 'passive' || env.DNAS_THREAD_WAIT === 'spin') {
    if (env.DNAS_THREAD_WAIT === 'passive') env.OMP_WAIT_POLICY = 'PASSIVE';
    return;
  }
  if (threadWaitPolicy({ load: busyCoresAtLoad(), cores: availableParallelism() }) === 'passive') env.OMP_WAIT_POLICY = 'PASSIVE';
}

applyThreadWaitPolicy();
export const native: NativeAddon = loadAddon();
