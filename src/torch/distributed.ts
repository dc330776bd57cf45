// torch.distributed over libtorch's c10d: one process group per process (TCPStore rendezvous, then
// Gloo on CPU, or NCCL where the addon was built against a CUDA libtorch with NCCL). Names follow
// PyTorch's (init_process_group → initProcessGroup, all_reduce → allReduce). Collectives are
// synchronous: they return when the data is reduced, and a peer that died or a timeout throws.
import { native } from './native.js';
import { callRaw, handleOf, type Tensor } from './tensor.js';

export type Backend = 'gloo' | 'nccl';

/** Reductions, as torch.distributed.ReduceOp. Gloo has no AVG: sum, then divide. */
export const ReduceOp = { SUM: 'sum', PRODUCT: 'product', MIN: 'min', MAX: 'max' } as const;
export type ReduceOp = (typeof ReduceOp)[keyof typeof ReduceOp];
// Codes shared with src/native/ops_distributed.cc.
const REDUCE_CODES: Record<ReduceOp, number> = { sum: 0, product: 1, min: 2, max: 3 };

/** PyTorch's default collective timeout (30 minutes). */
export const DEFAULT_TIMEOUT_MS = 30 * 60 * 1000;

export interface InitOptions {
  backend?: Backend;
  /** This process's rank (default: the RANK environment variable, as PyTorch's env:// does). */
  rank?: number;
  /** Processes in the group (default: WORLD_SIZE). */
  worldSize?: number;
  /** Where rank 0 serves the rendezvous store (default: MASTER_ADDR, else 127.0.0.1). */
  masterAddr?: string;
  /** (default: MASTER_PORT, else 29500, PyTorch's default). */
  masterPort?: number;
  /**
   * Milliseconds the rendezvous and each collective may wait for the other processes before
   * failing (default 30 minutes, PyTorch's). A process that dies closes its connections, which
   * fails the others' next collective at once; the timeout covers processes that hang.
   */
  timeout?: number;
}

function envInt(name: string): number | undefined {
  const v = process.env[name];
  return v === undefined || v === '' ? undefined : Number(v);
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

export function initProcessGroup(o: InitOptions = {}): void {
  const backend = o.backend ?? 'gloo';
  const worldSize = o.worldSize ?? envInt('WORLD_SIZE');
  const rank = o.rank ?? envInt('RANK');
  const masterAddr = o.masterAddr ?? process.env.MASTER_ADDR ?? '127.0.0.1';
  const masterPort = o.masterPort ?? envInt('MASTER_PORT') ?? 29500;
  const timeout = o.timeout ?? DEFAULT_TIMEOUT_MS;
  if (backend !== 'gloo' && backend !== 'nccl') throw new Error(`initProcessGroup: unknown backend '${backend}' (known: gloo, nccl)`);
  if (worldSize === undefined || !Number.isInteger(worldSize) || worldSize < 1) throw new RangeError(`initProcessGroup: worldSize must be an integer ≥ 1, got ${worldSize}`);
  if (rank === undefined || !Number.isInteger(rank) || rank < 0 || rank >= worldSize) throw new RangeError(`initProcessGroup: rank must be an integer in [0, ${worldSize}), got ${rank}`);
  if (!Number.isInteger(masterPort) || masterPort < 1 || masterPort > 65535) throw new RangeError(`initProcessGroup: masterPort must be an integer in [1, 65535], got ${masterPort}`);
  if (!masterAddr) throw new RangeError('initProcessGroup: masterAddr is empty');
  if (!(timeout > 0)) throw new RangeError(`initProcessGroup: timeout must be a positive number of milliseconds, got ${timeout}`);
  // Gloo binds to the interface GLOO_SOCKET_IFNAME names (PyTorch's variable), else to the loopback
  // address when every rank is on this machine, else to the address this host's name resolves to.
  const iface = process.env.GLOO_SOCKET_IFNAME ?? '';
  const hostname = iface === '' && isLoopback(masterAddr) ? '127.0.0.1' : '';
  try {
    native.initProcessGroup(backend, rank, worldSize, masterAddr, masterPort, Math.round(timeout), iface, hostname);
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new Error(`initProcessGroup: rank ${rank} of ${worldSize} could not join the group at ${masterAddr}:${masterPort} within ${timeout / 1000} s (${msg})`);
  }
}

export function destroyProcessGroup(): void {
  native.destroyProcessGroup();
}

export function isInitialized(): boolean {
  return native.isProcessGroupInitialized();
}

/** Whether this addon can run the NCCL backend (built against a CUDA libtorch with NCCL). */
export function isNcclAvailable(): boolean {
  return native.hasNccl();
}

/** Whether this addon can run the Gloo backend (built with Gloo's headers; Debian's libgloo-dev). */
export function isGlooAvailable(): boolean {
  return native.hasGloo();
}

/** This process's rank; 0 without a process group, as a single process is rank 0 of 1. */
export function getRank(): number {
  return isInitialized() ? native.processGroupInfo().rank : 0;
}

/** Processes in the group; 1 without a process group. */
export function getWorldSize(): number {
  return isInitialized() ? native.processGroupInfo().worldSize : 1;
}

export function getBackend(): Backend {
  return callRaw('getBackend', () => native.processGroupInfo().backend as Backend);
}

/**
 * A collective that failed in the backend: another process died (Gloo: "Connection closed by
 * peer"), hung past the timeout, or the network failed. As torch.distributed.DistBackendError.
 */
export class DistBackendError extends Error {}

function collective(op: string, fn: () => void): void {
  if (!isInitialized()) throw new Error(`${op}: no process group; call initProcessGroup first`);
  try {
    fn();
  } catch (e) {
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0];
    throw new DistBackendError(`${op}: ${msg} (another process of the group died, hung past the timeout, or the network failed)`);
  }
}

function assertCollectiveTensor(op: string, t: Tensor): void {
  if (!t.isContiguous()) throw new Error(`${op}: the tensor must be contiguous (call .contiguous() first), got strides ${JSON.stringify(t.strides())}`);
}

/**
 * Reduces `tensor` across all processes in place: afterwards every process holds the result. A
 * failure names the collective and keeps libtorch's first line (e.g. Gloo's "Connection closed by
 * peer" when another process died).
 */
export function allReduce(tensor: Tensor, op: ReduceOp = ReduceOp.SUM): void {
  assertCollectiveTensor('allReduce', tensor);
  const code = REDUCE_CODES[op];
  if (code === undefined) throw new Error(`allReduce: unknown reduce op '${op}' (known: ${Object.keys(REDUCE_CODES).join(', ')})`);
  const h = handleOf(tensor);
  collective('allReduce', () => native.allReduce(h, code));
}

/** Copies `src`'s tensor into `tensor` on every process, in place. */
export function broadcast(tensor: Tensor, src: number): void {
  assertCollectiveTensor('broadcast', tensor);
  if (!Number.isInteger(src) || src < 0 || src >= getWorldSize()) throw new RangeError(`broadcast: src must be a rank in [0, ${getWorldSize()}), got ${src}`);
  const h = handleOf(tensor);
  collective('broadcast', () => native.broadcast(h, src));
}

/** Returns when every process has reached it. */
export function barrier(): void {
  collective('barrier', () => native.barrier());
}
