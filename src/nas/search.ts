// The search loop: method-agnostic. Each step asks the update rule to move weights and arch params;
// each epoch derives a genotype, logs the arch weights and writes a checkpoint. Ctrl-C writes a
// checkpoint at the current step and stops cleanly; --resume continues bit for bit.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { buildSearch, createStepContext, deriveGenotype, releaseStepContext } from './build.js';
import { type Checkpoint, hasCheckpoint, loadCheckpoint, prefixed, saveCheckpoint, unprefixed } from './checkpoint.js';
import type { SearchConfig } from './config.js';
import { assertResumeWorldSize, type DataParallel, shardStream } from './data-parallel.js';
import { setDropPathProb } from './mixing/weighted-sum.js';
import { optimizerFromTensors, optimizerToTensors } from './optimizer-state.js';
import { type CollapseDiagnostics, checkEarlyStop, collapseDiagnostics, type EarlyStopResult, type EpochMeasurement } from './diagnostics/index.js';
import { progressAt } from './types.js';
import type { Batch, StepStats } from './update/common.js';

/** An endless, resumable stream of batches. */
export interface BatchStream {
  next(): Batch;
  /** Steps in one epoch of this stream. */
  readonly stepsPerEpoch: number;
  state(): unknown;
  restore(state: unknown): void;
}

export interface SearchData {
  inChannels: number;
  numClasses: number;
  imageSize: number;
  train: BatchStream;
  /** Null when the update rule trains α on the training stream too (trainPortion 1). */
  valid: BatchStream | null;
  /**
   * Fixed validation batches for the per-epoch diagnostics (the Hessian eigenvalue), drawn once and
   * apart from `valid`, so measuring does not change what the search sees.
   */
  probeBatches?: () => Batch[];
}

/**
 * The fields of an epoch event that every version of the log has written: the report reads them
 * from any run directory (src/report/run-log.ts), the later additions as optional.
 */
export interface EpochLogFields {
  type: 'epoch';
  epoch: number;
  lr: number;
  trainLoss: number;
  trainAcc: number;
  validLoss: number | null;
  validAcc: number | null;
  seconds: number;
  genotype: string;
  genotypeJSON: object;
  /** softmax(α) per cell type: rows = edges, columns = ops in primitive order. */
  archWeights: Record<string, number[][]>;
  /** Per-node softmax(β) per cell type, when the mixing normalises edges (PC-DARTS' edge normalisation). */
  edgeWeights?: Record<string, number[]>;
  /** Scheduled values of the parts at this epoch, e.g. GDAS' τ. */
  tau?: number;
}

export type SearchEvent =
  | {
      type: 'start';
      epochs: number;
      stepsPerEpoch: number;
      resumedFrom: { epoch: number; step: number } | null;
      weights: number;
      archParams: number;
      /** The composed parts and their options (e.g. the mixing's topology sampler), as run. */
      parts: { mixing: Record<string, unknown>; update: Record<string, unknown> };
    }
  | ({ type: 'step'; epoch: number; step: number; lr: number; seconds: number } & StepStats)
  | (EpochLogFields & {
      /** Collapse diagnostics of this epoch (the eigenvalue on measured epochs only). */
      diagnostics: CollapseDiagnostics;
      /** Set when an early-stop rule fired at this epoch (the search ends after it). */
      earlyStop?: EarlyStopResult;
      /** What SearchIO.annotateEpoch added, e.g. the NAS-Bench-201 lookup of the derived cell. */
      [extra: string]: unknown;
    })
  | { type: 'checkpoint'; epoch: number; step: number; reason: 'epoch' | 'interrupt' | 'periodic' };

export interface SearchIO {
  runDir: string;
  resume: boolean;
  data: SearchData;
  /** Called for every event; the CLI logs and prints from these. Returns the log's size in bytes after writing. */
  onEvent(e: SearchEvent): void;
  /** Byte length of the event log now (stored in checkpoints, so a resume can drop later events). */
  logBytes(): number;
  /** Truncates the event log to a checkpoint's length before resuming. */
  truncateLog(bytes: number): void;
  /** Set to true (e.g. by a SIGINT handler) to stop after the current step with a checkpoint. */
  shouldStop(): boolean;
  /**
   * Extra fields for an epoch's event, from layers the search cannot import (e.g. the CLI adds the
   * NAS-Bench-201 table lookup of the derived cell).
   */
  annotateEpoch?(e: { epoch: number; genotype: string; genotypeJSON: object }): Record<string, unknown>;
  /**
   * Data-parallel search: this process's part in a process group (src/nas/data-parallel.ts). Every
   * process runs runSearch with the same config and data; each computes on its shard of every
   * batch, and only rank 0 writes checkpoints (its io should write the log and outputs alone).
   */
  dataParallel?: DataParallel;
}

export interface SearchResult {
  genotype: string;
  genotypeJSON: object;
  interrupted: boolean;
  epochsDone: number;
  /** The rule that ended the search early, if one did. */
  earlyStop?: EarlyStopResult;
}

interface RunState {
  version: 2;
  epoch: number;
  step: number;
  logBytes: number;
  scheduler: unknown;
  weightOptimizer: unknown;
  archOptimizer: unknown;
  train: unknown;
  valid: unknown;
  epochTotals: EpochTotals;
  weightGradSeen: boolean[];
  /** Per-epoch measurements the early-stop rules read. */
  history: EpochMeasurement[];
  /** Processes of a data-parallel search (absent: 1); a resume must use as many. */
  worldSize?: number;
}

interface EpochTotals {
  trainLoss: number;
  trainCorrect: number;
  trainCount: number;
  validLoss: number;
  validCorrect: number;
  validCount: number;
  seconds: number;
}

const emptyTotals = (): EpochTotals => ({ trainLoss: 0, trainCorrect: 0, trainCount: 0, validLoss: 0, validCorrect: 0, validCount: 0, seconds: 0 });

export class SearchInterrupted extends Error {}

export async function runSearch(cfg: SearchConfig, io: SearchIO): Promise<SearchResult> {
  if (cfg.numThreads > 0) torch.setNumThreads(cfg.numThreads);
  torch.manualSeed(cfg.seed);
  const { data } = io;
  const dp = io.dataParallel;
  const worldSize = dp?.worldSize ?? 1;
  // Rank 0 alone writes; the others compute the same run and keep their replica in step.
  const writes = (dp?.rank ?? 0) === 0;
  if (cfg.worldSize !== worldSize) throw new Error(`--world-size: the configuration is for ${cfg.worldSize} process${cfg.worldSize === 1 ? '' : 'es'}, but ${worldSize} take part in the search`);
  // Thread counts, checkpoint timing and where each machine keeps the data may differ per process;
  // everything else must match.
  dp?.assertSame('settings', JSON.stringify({ ...cfg, numThreads: 0, checkpointEvery: '0', dataDir: undefined, resume: io.resume }));
  const parts = buildSearch(cfg, data);
  const { net, arch, archParams, weights, weightOptimizer, archOptimizer, scheduler, mixing, space } = parts;
  let weightGradSeen = weights.map(() => false);
  let history: EpochMeasurement[] = [];

  let startEpoch = 0;
  let startStep = 0;
  let totals = emptyTotals();
  if (io.resume) {
    if (!hasCheckpoint(io.runDir)) throw new Error(`cannot resume: '${io.runDir}' has no checkpoint (run without --resume to start it)`);
    const ckpt = loadCheckpoint<RunState>(io.runDir);
    if (ckpt.state.version !== 2) throw new Error(`cannot resume: '${io.runDir}' holds a checkpoint of format ${ckpt.state.version}, this dnas writes format 2; start a new run`);
    assertResumeWorldSize(ckpt.state.worldSize ?? 1, worldSize);
    torch.noGrad(() => {
      net.loadStateDict(unprefixed('net', ckpt.tensors));
      for (const [name, t] of Object.entries(unprefixed('arch', ckpt.tensors))) {
        if (!arch[name]) throw new Error(`checkpoint has arch parameter '${name}' that this method does not use (was it written by another --method?)`);
        arch[name]!.copy_(t);
      }
    });
    optimizerFromTensors(weightOptimizer, ckpt.state.weightOptimizer, unprefixed('wopt', ckpt.tensors));
    optimizerFromTensors(archOptimizer, ckpt.state.archOptimizer, unprefixed('aopt', ckpt.tensors));
    scheduler.loadStateDict(ckpt.state.scheduler as never);
    data.train.restore(ckpt.state.train);
    data.valid?.restore(ckpt.state.valid);
    torch.setRngState(ckpt.tensors['rng.cpu']!);
    io.truncateLog(ckpt.state.logBytes);
    startEpoch = ckpt.state.epoch;
    startStep = ckpt.state.step;
    totals = ckpt.state.epochTotals;
    weightGradSeen = ckpt.state.weightGradSeen;
    history = ckpt.state.history;
    for (const t of Object.values(ckpt.tensors)) t.dispose();
  }

  // Every replica starts from rank 0's weights, buffers and α, as DDP broadcasts them (the shared
  // seed already makes them equal; this keeps it so whatever built them).
  dp?.syncFromRankZero([...Object.values(net.stateDict()), ...archParams]);
  const train = dp ? shardStream(data.train, dp) : data.train;
  const valid = dp && data.valid ? shardStream(data.valid, dp) : data.valid;

  const checkpoint = (epoch: number, step: number, reason: 'epoch' | 'interrupt' | 'periodic') => {
    if (!writes) return;
    torch.tidy(() => {
      const w = optimizerToTensors(weightOptimizer);
      const a = optimizerToTensors(archOptimizer);
      const tensors: Record<string, Tensor> = {
        ...prefixed('net', net.stateDict()),
        ...prefixed('arch', arch),
        ...prefixed('wopt', w.tensors),
        ...prefixed('aopt', a.tensors),
        'rng.cpu': torch.getRngState(),
      };
      const state: RunState = {
        version: 2,
        epoch,
        step,
        logBytes: 0,
        scheduler: scheduler.stateDict(),
        weightOptimizer: w.meta,
        archOptimizer: a.meta,
        train: data.train.state(),
        valid: data.valid?.state() ?? null,
        epochTotals: totals,
        weightGradSeen,
        history,
        ...(worldSize > 1 ? { worldSize } : {}),
      };
      io.onEvent({ type: 'checkpoint', epoch, step, reason });
      state.logBytes = io.logBytes();
      saveCheckpoint<RunState>(io.runDir, { tensors, state } as Checkpoint<RunState>);
    });
  };

  const stepsPerEpoch = data.train.stepsPerEpoch;
  io.onEvent({
    type: 'start',
    epochs: cfg.epochs,
    stepsPerEpoch,
    resumedFrom: io.resume ? { epoch: startEpoch, step: startStep } : null,
    weights: weights.reduce((n, p) => n + p.numel(), 0),
    archParams: archParams.reduce((n, p) => n + p.numel(), 0),
    parts: { mixing: mixing.description, update: parts.update.description },
  });

  const periodic = checkpointSchedule(cfg.checkpointEvery);
  let probes: Batch[] | undefined;
  net.train();
  let lastGenotype = deriveGenotype(parts);
  // Data-parallel: whether any process was asked to stop, agreed after every step, so that all
  // stop at the same step (one stopping alone would leave the others waiting in a collective).
  let stopAgreed = false;
  for (let epoch = startEpoch; epoch < cfg.epochs; epoch++) {
    const lr = scheduler.getLastLr()[0]!;
    // Drop path ramps linearly from 0, as quark0/darts' training does (a function of the epoch, so a resume sees the same value).
    setDropPathProb(net, (cfg.dropPathProb * epoch) / cfg.epochs);
    for (let step = epoch === startEpoch ? startStep : 0; step < stepsPerEpoch; step++) {
      if (dp ? stopAgreed : io.shouldStop()) {
        checkpoint(epoch, step, 'interrupt');
        return { ...lastGenotype, interrupted: true, epochsDone: epoch };
      }
      const began = performance.now();
      let stats = torch.tidy(() => {
        const ctx = createStepContext(parts, {
          trainBatch: train.next(),
          nextValidBatch: () => {
            if (!valid) throw new Error(`--update ${cfg.update} asked for a validation batch, but --train-portion 1 left no validation data`);
            return valid.next();
          },
          nextTrainBatch: () => train.next(),
          progress: progressAt(epoch, cfg.epochs, step, stepsPerEpoch),
          lr,
          weightGradSeen,
          allReduceMean: dp?.mean,
        });
        try {
          return parts.update.step(ctx);
        } finally {
          releaseStepContext(ctx);
        }
      });
      if (dp) {
        const agreed = dp.reduceStep(stats, io.shouldStop());
        stats = agreed.stats;
        stopAgreed = agreed.stop;
      }
      const seconds = (performance.now() - began) / 1000;
      accumulate(totals, stats, seconds);
      io.onEvent({ type: 'step', epoch, step, lr, seconds, ...stats });
      // Mid-epoch checkpoints (--checkpoint-every): an epoch can take an hour on a CPU, and a job may
      // be killed without warning. The epoch's last step is followed by the epoch-end checkpoint anyway.
      if (periodic.due(step + 1 < stepsPerEpoch)) checkpoint(epoch, step + 1, 'periodic');
      // Yield to the event loop so a Ctrl-C handler can run between steps.
      await new Promise((r) => setImmediate(r));
    }
    scheduler.step();
    lastGenotype = deriveGenotype(parts);
    const w = mixing.derivationWeights(arch, space);
    const archWeights = Object.fromEntries(Object.entries(w).map(([t, v]) => [t, v.ops]));
    const edgeWeights = Object.fromEntries(Object.entries(w).flatMap(([t, v]) => (v.edges ? [[t, v.edges]] : [])));
    const measureHessian = cfg.hessianEvery > 0 && (epoch + 1) % cfg.hessianEvery === 0 && data.probeBatches !== undefined;
    const diagnostics = collapseDiagnostics({
      archWeights,
      genotypeJSON: lastGenotype.genotypeJSON,
      hessian: measureHessian
        ? { ctx: { ...parts, progress: progressAt(epoch, cfg.epochs) }, batches: (probes ??= data.probeBatches!()), iterations: cfg.hessianIterations, tolerance: cfg.hessianTolerance }
        : undefined,
    });
    history.push({ epoch, ...diagnostics });
    const stop = cfg.earlyStop === 'off' ? undefined : checkEarlyStop(cfg.earlyStop, history, { window: cfg.earlyStopWindow, threshold: cfg.earlyStopThreshold });
    // The replicas measure the same thing; should they ever disagree, stopping alone would hang the others.
    if (dp && dp.any(Boolean(stop?.fired)) !== Boolean(stop?.fired)) throw new Error(`data-parallel search: the processes disagree on early stopping at epoch ${epoch + 1}; rerun without --early-stop`);
    io.onEvent({
      type: 'epoch',
      epoch,
      lr,
      trainLoss: totals.trainLoss / Math.max(1, totals.trainCount),
      trainAcc: totals.trainCorrect / Math.max(1, totals.trainCount),
      validLoss: totals.validCount ? totals.validLoss / totals.validCount : null,
      validAcc: totals.validCount ? totals.validCorrect / totals.validCount : null,
      seconds: totals.seconds,
      genotype: lastGenotype.genotype,
      genotypeJSON: lastGenotype.genotypeJSON,
      archWeights,
      ...(Object.keys(edgeWeights).length ? { edgeWeights } : {}),
      ...mixing.scheduleValues(progressAt(epoch, cfg.epochs)),
      diagnostics,
      ...(stop?.fired ? { earlyStop: stop } : {}),
      ...(io.annotateEpoch?.({ epoch, ...lastGenotype }) ?? {}),
    });
    totals = emptyTotals();
    checkpoint(epoch + 1, 0, 'epoch');
    // A stopped run keeps this epoch's checkpoint and genotype (DARTS+ keeps the cell that fired;
    // for the eigen rule the event also names RobustDARTS' rollback epoch, whose cell the log holds).
    if (stop?.fired) return { ...lastGenotype, interrupted: false, epochsDone: epoch + 1, earlyStop: stop };
  }
  for (const b of probes ?? []) for (const t of [b.x, b.y]) t.dispose();
  return { ...lastGenotype, interrupted: false, epochsDone: cfg.epochs };
}

function accumulate(t: EpochTotals, s: StepStats, seconds: number): void {
  t.trainLoss += s.trainLoss * s.trainCount;
  t.trainCorrect += s.trainCorrect;
  t.trainCount += s.trainCount;
  if (s.validCount) {
    t.validLoss += (s.validLoss ?? 0) * s.validCount;
    t.validCorrect += s.validCorrect ?? 0;
    t.validCount += s.validCount;
  }
  t.seconds += seconds;
}

/**
 * When to write mid-epoch checkpoints: every N steps ('200') or every so much wall time ('10m',
 * '90s', '1h'); '0' never. `due(allowed)` counts a step and says whether to checkpoint after it.
 */
export function checkpointSchedule(every: string): { due(allowed: boolean): boolean } {
  const m = /^(\d+)(s|m|h)?$/.exec(every.trim());
  if (!m) throw new Error(`--checkpoint-every: expected a step count (200) or a duration (90s, 10m, 1h), got '${every}'`);
  const n = Number(m[1]);
  if (n === 0) return { due: () => false };
  if (!m[2]) {
    let steps = 0;
    return {
      due(allowed) {
        if (++steps < n || !allowed) return false;
        steps = 0;
        return true;
      },
    };
  }
  const ms = n * { s: 1000, m: 60_000, h: 3_600_000 }[m[2] as 's' | 'm' | 'h'];
  let last = performance.now();
  return {
    due(allowed) {
      if (!allowed || performance.now() - last < ms) return false;
      last = performance.now();
      return true;
    },
  };
}
