// Process-wide state: RNG, threads, devices, memory accounting.
import { availableParallelism } from 'node:os';
import { busyCoresAtLoad, type MemoryStats, native } from './native.js';
import { callRaw, handleOf, Tensor } from './tensor.js';

export function manualSeed(seed: number): void {
  if (!Number.isInteger(seed) || seed < 0) throw new RangeError(`manualSeed: seed must be a non-negative integer, got ${seed}`);
  native.manualSeed(seed);
}
/** The CPU generator's state as a uint8 tensor; restore it with setRngState for bit-identical resumes. */
export function getRngState(): Tensor {
  return new Tensor(callRaw('getRngState', () => native.getRngState()));
}
export function setRngState(state: Tensor): void {
  callRaw('setRngState', () => native.setRngState(handleOf(state)));
}
export function setNumThreads(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`setNumThreads: need a positive integer, got ${n}`);
  native.setNumThreads(n);
}
export function getNumThreads(): number {
  return native.getNumThreads();
}
/**
 * Frees the CPU blocks the caching allocator keeps for reuse and trims the C heap, the CPU
 * counterpart of torch.cuda.empty_cache(): useful after a one-off peak (a diagnostics pass) when
 * other processes need the memory. Returns the bytes the cache released.
 */
export function emptyCache(): number {
  return native.cpuEmptyCache();
}
/**
 * The caching CPU allocator's counters (like torch.cuda.memory_stats), over blocks of 1 MiB or more:
 * bytes in live blocks and cached for reuse, how many requests a cached block served (hits) or not,
 * and the peaks of live and of live + cached bytes since the start or resetPeakMemoryStats().
 */
export function memoryStats(): MemoryStats {
  return native.cpuCacheStats();
}
export function resetPeakMemoryStats(): void {
  native.cpuResetPeakStats();
}
/** Live tensor handles and the bytes of their storages (views count their base's storage). */
export function memory(): { tensors: number; bytes: number } {
  return native.memory();
}

/**
 * libtorch's own op profiler (the legacy autograd profiler): every aten op and autograd node run
 * between start and stop, with its wall time, written as a chrome://tracing file at stop, the same
 * events torch.autograd.profiler records in Python.
 */
export const profiler = {
  start: (file: string): void => callRaw('profiler.start', () => native.profilerStart(file)),
  stop: (): void => callRaw('profiler.stop', () => native.profilerStop()),
};

export const cuda = {
  isAvailable: (): boolean => native.cudaIsAvailable(),
  deviceCount: (): number => native.cudaDeviceCount(),
  synchronize: (): void => callRaw('cuda.synchronize', () => native.cudaSynchronize()),
};

/**
 * The intra-op threads to use when the user named none: the cores other processes left free as dnas
 * loaded, at least one. With 2 threads on 2 cores and one core taken by another process, a search
 * step ran 2.9× slower than on a quiet machine (OpenMP's threads wait on each other at every
 * parallel region while one of them is descheduled); with 1 thread, 1.5×. `busy` is null where it
 * could not be measured.
 */
export function defaultThreadCount(o: { cores: number; busy: number | null }): number {
  if (o.busy === null || !Number.isFinite(o.busy)) return o.cores;
  return Math.max(1, Math.min(o.cores, Math.round(o.cores - o.busy)));
}

// Debian's libtorch starts with one intra-op thread: use the free cores unless told otherwise.
const requested = Number(process.env.DNAS_NUM_THREADS ?? process.env.OMP_NUM_THREADS ?? 0);
if (requested > 0) native.setNumThreads(requested);
else {
  const cores = availableParallelism();
  const busy = busyCoresAtLoad();
  const threads = defaultThreadCount({ cores, busy });
  native.setNumThreads(threads);
  if (threads < cores) {
    process.stderr.write(`dnas: other processes keep ${busy.toFixed(1)} of ${cores} cores busy, so torch uses ${threads} thread${threads === 1 ? '' : 's'} (--threads or DNAS_NUM_THREADS sets the number)\n`);
  }
}

/**
 * CPU tensors of 1 MiB or more come from the addon's caching allocator (src/native/cpu_allocator.cc),
 * which keeps freed blocks for the next step instead of handing them back to the kernel: glibc
 * unmaps blocks above 32 MiB on free, and a DARTS_V2 training step then faulted 0.3–0.7 million
 * pages in again. DNAS_CPU_CACHE=0 leaves every allocation to libtorch's default allocator.
 */
export function configureCpuAllocator(env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.DNAS_CPU_CACHE === '0') return false;
  return native.cpuCachingAllocatorInstall();
}
configureCpuAllocator();
