// Data-parallel search, as PyTorch's DistributedDataParallel does it, over a torch.distributed
// process group. Every process holds a full replica of the supernet and α, draws the same global
// batch (same seed, same order) and computes on its own slice of it; gradients are averaged across
// the processes before every optimizer step, so with N processes of batch B/N each the replicas
// take the step one process would take with batch B. BatchNorm statistics stay per process (DDP's
// default, no SyncBatchNorm): with batch statistics in train mode that is the one approximation.
//
// All processes also share one torch RNG stream: the same seed, and every random draw of the same
// shape on every process (augmentation is drawn for the whole global batch before slicing). So a
// sampling method (GDAS, ROME) draws the same architecture sample on every process, as one
// process would, and one RNG state in the checkpoint resumes all of them.
import { createHash } from 'node:crypto';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { BatchStream } from './search.js';
import type { Batch, StepStats } from './update/common.js';

export interface DataParallel {
  readonly rank: number;
  readonly worldSize: number;
  /** This process's equal slice of a global batch (rows rank·n/N … (rank+1)·n/N). */
  shard(batch: Batch): Batch;
  /**
   * The mean over the processes of each process's gradients, in one flattened allreduce. A
   * gradient missing on a process (null) counts as zeros; it stays null only where every process
   * had none, so a weight no process used keeps PyTorch's "no .grad" semantics. `like` gives the
   * shapes (the parameters the gradients belong to). Call inside tidy().
   */
  mean(grads: readonly (Tensor | null)[], like: readonly Tensor[]): (Tensor | null)[];
  /** Copies rank 0's values into every process's tensors (weights, buffers and α at the start). */
  syncFromRankZero(tensors: readonly Tensor[]): void;
  /** The step's statistics over the whole global batch, and whether any process asked to stop. */
  reduceStep(stats: StepStats, stop: boolean): { stats: StepStats; stop: boolean };
  /** True on every process when `flag` is true on any (a decision all processes must share). */
  any(flag: boolean): boolean;
  /** Throws the same error on every process when `value` differs from rank 0's. */
  assertSame(what: string, value: string): void;
}

/** Data parallelism over the initialised torch.distributed process group. */
export function processGroupDataParallel(): DataParallel {
  if (!torch.distributed.isInitialized()) throw new Error('data-parallel search needs a process group: call torch.distributed.initProcessGroup first');
  const rank = torch.distributed.getRank();
  const worldSize = torch.distributed.getWorldSize();
  return {
    rank,
    worldSize,
    shard: (batch) => shardBatch(batch, rank, worldSize),
    mean: (grads, like) => meanOverProcesses(grads, like, worldSize),
    syncFromRankZero: (tensors) => {
      if (tensors.length === 0) return;
      torch.tidy(() => {
        // float64 holds every float32 and every integer a buffer counts (BN's num_batches_tracked) exactly.
        const flat = torch.cat(tensors.map((t) => t.detach().reshape([-1]).to('float64')));
        torch.distributed.broadcast(flat, 0);
        torch.noGrad(() => {
          let offset = 0;
          for (const t of tensors) {
            const n = t.numel();
            t.copy_(flat.narrow(0, offset, n).view(t.shape));
            offset += n;
          }
        });
      });
    },
    reduceStep: (stats, stop) =>
      torch.tidy(() => {
        const t = torch.tensor(
          [stats.trainLoss * stats.trainCount, stats.trainCorrect, stats.trainCount, (stats.validLoss ?? 0) * (stats.validCount ?? 0), stats.validCorrect ?? 0, stats.validCount ?? 0, stop ? 1 : 0],
          { dtype: 'float64' },
        );
        torch.distributed.allReduce(t);
        const [trainLoss, trainCorrect, trainCount, validLoss, validCorrect, validCount, stops] = Array.from(t.data() as Float64Array);
        const reduced: StepStats = { trainLoss: trainLoss! / Math.max(1, trainCount!), trainCorrect: trainCorrect!, trainCount: trainCount! };
        if (validCount! > 0) Object.assign(reduced, { validLoss: validLoss! / validCount!, validCorrect: validCorrect!, validCount: validCount! });
        return { stats: reduced, stop: stops! > 0 };
      }),
    any: (flag) =>
      torch.tidy(() => {
        const t = torch.tensor([flag ? 1 : 0], { dtype: 'float32' });
        torch.distributed.allReduce(t, torch.distributed.ReduceOp.MAX);
        return t.item() > 0;
      }),
    assertSame: (what, value) => {
      const mine = createHash('sha256').update(value).digest();
      const differs = torch.tidy(() => {
        const theirs = torch.tensor(Array.from(mine), { dtype: 'float32' });
        torch.distributed.broadcast(theirs, 0);
        const same = Array.from(theirs.data() as Float32Array).every((b, i) => b === mine[i]);
        const t = torch.tensor([same ? 0 : 1], { dtype: 'float32' });
        torch.distributed.allReduce(t, torch.distributed.ReduceOp.MAX);
        return { any: t.item() > 0, mine: !same };
      });
      if (differs.any) {
        throw new Error(`data-parallel search: the processes differ in their ${what} (${differs.mine ? `rank ${rank}'s` : 'another rank\'s'} differs from rank 0's); start every rank with the same flags and files`);
      }
    },
  };
}

/** Rows rank·n/N … (rank+1)·n/N of a batch; n must split evenly (search-data keeps every batch so). */
export function shardBatch(batch: Batch, rank: number, worldSize: number): Batch {
  const n = batch.y.shape[0]!;
  if (n % worldSize !== 0) throw new Error(`a batch of ${n} examples does not split evenly over ${worldSize} processes`);
  const per = n / worldSize;
  return { x: batch.x.narrow(0, rank * per, per), y: batch.y.narrow(0, rank * per, per) };
}

/** A stream whose batches are this process's shards of the wrapped stream's global batches. */
export function shardStream(stream: BatchStream, dp: Pick<DataParallel, 'shard'>): BatchStream {
  return {
    next: () => dp.shard(stream.next()),
    get stepsPerEpoch() {
      return stream.stepsPerEpoch;
    },
    state: () => stream.state(),
    restore: (s) => stream.restore(s),
  };
}

function meanOverProcesses(grads: readonly (Tensor | null)[], like: readonly Tensor[], worldSize: number): (Tensor | null)[] {
  if (grads.length !== like.length) throw new Error(`mean: ${grads.length} gradients for ${like.length} parameters`);
  if (grads.length === 0) return [];
  const dtype = like[0]!.dtype;
  // One bucket: every gradient flattened (zeros where this process has none), then one presence
  // flag per gradient, so a single allreduce also tells which gradients exist anywhere.
  const parts = grads.map((g, i) => (g ?? torch.zeros([like[i]!.numel()], { dtype, device: like[i]!.device })).reshape([-1]).to(dtype));
  parts.push(torch.tensor(grads.map((g) => (g ? 1 : 0)), { dtype }));
  const bucket = torch.cat(parts);
  torch.distributed.allReduce(bucket);
  bucket.div_(worldSize);
  const presence = bucket.narrow(0, bucket.numel() - grads.length, grads.length).data();
  let offset = 0;
  return grads.map((g, i) => {
    const p = like[i]!;
    const n = p.numel();
    const slice = bucket.narrow(0, offset, n).view(p.shape);
    offset += n;
    if (presence[i] === 0) return null;
    // Keep the layout the gradient had (channels-last convolution weights), so optimizer state keeps it too.
    const template = g ?? p;
    return p.shape.length === 4 && !template.isContiguous() && template.isContiguous('channelsLast') ? slice.contiguous('channelsLast') : slice;
  });
}

/** A resume must run on as many processes as wrote the checkpoint: the shards depend on it. */
export function assertResumeWorldSize(recorded: number, current: number): void {
  if (recorded === current) return;
  throw new Error(`cannot resume: the run was searched by ${recorded} process${recorded === 1 ? '' : 'es'} and this resume has ${current}; resume with --nproc ${recorded} (or --world-size ${recorded}), as each process's share of a batch depends on it`);
}
