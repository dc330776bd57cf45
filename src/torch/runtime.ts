// Process-wide state: RNG, threads, devices, memory accounting.
import { availableParallelism } from 'node:os';
import { native } from './native.js';
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
/** Live tensor handles and the bytes of their storages (views count their base's storage). */
export function memory(): { tensors: number; bytes: number } {
  return native.memory();
}

export const cuda = {
  isAvailable: (): boolean => native.cudaIsAvailable(),
  deviceCount: (): number => native.cudaDeviceCount(),
  synchronize: (): void => callRaw('cuda.synchronize', () => native.cudaSynchronize()),
};

// Debian's libtorch starts with one intra-op thread; use the machine's cores unless told otherwise.
const requested = Number(process.env.DNAS_NUM_THREADS ?? process.env.OMP_NUM_THREADS ?? 0);
native.setNumThreads(requested > 0 ? requested : availableParallelism());
