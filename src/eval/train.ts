// Trains a network from a genotype from scratch (quark0/darts cnn/train.py; NAS-Bench-201's recipe
// for NB201 cells): SGD with a per-epoch schedule, the auxiliary loss, drop path ramped linearly over
// the epochs, gradient clipping. A checkpoint is written atomically after every epoch and when asked
// to stop; --resume continues bit for bit; a non-finite loss stops the run and keeps the last checkpoint.
import type * as data from '../data/index.js';
import { type Checkpoint, hasCheckpoint, loadCheckpoint, prefixed, saveCheckpoint, unprefixed } from '../nas/checkpoint.js';
import { optimizerFromTensors, optimizerToTensors } from '../nas/optimizer-state.js';
import * as optim from '../optim/index.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { GenotypeNetwork } from './darts-network.js';
import { buildNetwork, countParameters } from './network.js';
import type { TrainConfig } from './train-config.js';

export type TrainEvent =
  | { type: 'start'; params: number; paramsWithoutAuxiliary: number; epochs: number; stepsPerEpoch: number; resumedFrom: { epoch: number; step: number } | null }
  | { type: 'step'; epoch: number; step: number; lr: number; loss: number; correct: number; count: number; seconds: number }
  | { type: 'epoch'; epoch: number; lr: number; dropPathProb: number; trainLoss: number; trainAcc: number; seconds: number; testAcc: number | null; testLoss: number | null }
  | { type: 'checkpoint'; epoch: number; step: number; reason: 'epoch' | 'interrupt' };

export interface TrainIO {
  runDir: string;
  resume: boolean;
  loader: data.DataLoader;
  onEvent(e: TrainEvent): void;
  /** Byte length of the event log now (stored in checkpoints so a resume drops later events). */
  logBytes(): number;
  truncateLog(bytes: number): void;
  /** True once the user asked to stop (Ctrl-C, SIGTERM): a checkpoint is written after the current step. */
  shouldStop(): boolean;
  /** Test-split top-1 (%) and loss of the network now; called every `evalEvery` epochs when given. It must not draw from torch's generator. */
  evaluate?(net: GenotypeNetwork): { top1: number; loss: number };
}

export interface TrainResult {
  net: GenotypeNetwork;
  interrupted: boolean;
  epochsDone: number;
}

interface TrainState {
  version: 1;
  epoch: number;
  step: number;
  logBytes: number;
  scheduler: unknown;
  optimizer: unknown;
  loader: unknown;
  totals: Totals;
}

interface Totals {
  loss: number;
  correct: number;
  count: number;
  seconds: number;
}

const emptyTotals = (): Totals => ({ loss: 0, correct: 0, count: 0, seconds: 0 });

/** The learning-rate schedule of a protocol, stepped once per epoch. */
function createScheduler(opt: optim.SGD, cfg: TrainConfig): optim.LRScheduler {
  if (cfg.schedule === 'step') return new optim.StepLR(opt, { stepSize: 1, gamma: cfg.stepGamma });
  return new optim.CosineAnnealingLR(opt, { tMax: cfg.epochs, etaMin: cfg.lrMin });
}

/** Drop-path probability of epoch e (0-based): the reference ramps it linearly from 0. */
export function dropPathAt(cfg: Pick<TrainConfig, 'dropPathProb' | 'epochs'>, epoch: number): number {
  return (cfg.dropPathProb * epoch) / cfg.epochs;
}

export class TrainingDiverged extends Error {}

export async function runTraining(cfg: TrainConfig, io: TrainIO): Promise<TrainResult> {
  if (cfg.numThreads > 0) torch.setNumThreads(cfg.numThreads);
  torch.manualSeed(cfg.seed);
  const net = buildNetwork(cfg);
  if (cfg.device !== 'cpu') net.to(cfg.device);
  if (cfg.channelsLast) net.to({ memoryFormat: 'channelsLast' });
  const params = net.parameters();
  const optimizer = new optim.SGD(params, { lr: cfg.lr, momentum: cfg.momentum, weightDecay: cfg.weightDecay, nesterov: cfg.nesterov });
  const scheduler = createScheduler(optimizer, cfg);
  const { loader } = io;

  let startEpoch = 0;
  let startStep = 0;
  let totals = emptyTotals();
  if (io.resume) {
    if (!hasCheckpoint(io.runDir)) throw new Error(`cannot resume: '${io.runDir}' has no checkpoint (run without --resume to start it)`);
    const ckpt = loadCheckpoint<TrainState>(io.runDir);
    if (ckpt.state.version !== 1 || ckpt.state.optimizer === undefined) throw new Error(`'${io.runDir}' holds a checkpoint that dnas train did not write (a search?); use another --out`);
    net.loadStateDict(unprefixed('net', ckpt.tensors));
    optimizerFromTensors(optimizer, ckpt.state.optimizer, unprefixed('opt', ckpt.tensors));
    scheduler.loadStateDict(ckpt.state.scheduler as never);
    loader.restore(ckpt.state.loader);
    torch.setRngState(ckpt.tensors['rng.cpu']!);
    io.truncateLog(ckpt.state.logBytes);
    startEpoch = ckpt.state.epoch;
    startStep = ckpt.state.step;
    totals = ckpt.state.totals;
    for (const t of Object.values(ckpt.tensors)) t.dispose();
  }

  const checkpoint = (epoch: number, step: number, reason: 'epoch' | 'interrupt') => {
    torch.tidy(() => {
      const o = optimizerToTensors(optimizer);
      const tensors: Record<string, Tensor> = { ...prefixed('net', net.stateDict()), ...prefixed('opt', o.tensors), 'rng.cpu': torch.getRngState() };
      const state: TrainState = { version: 1, epoch, step, logBytes: 0, scheduler: scheduler.stateDict(), optimizer: o.meta, loader: loader.state(), totals };
      io.onEvent({ type: 'checkpoint', epoch, step, reason });
      state.logBytes = io.logBytes();
      saveCheckpoint<TrainState>(io.runDir, { tensors, state } as Checkpoint<TrainState>);
    });
  };

  const stepsPerEpoch = loader.stepsPerEpoch;
  const counts = countParameters(net);
  io.onEvent({ type: 'start', params: counts.total, paramsWithoutAuxiliary: counts.withoutAuxiliary, epochs: cfg.epochs, stepsPerEpoch, resumedFrom: io.resume ? { epoch: startEpoch, step: startStep } : null });
  if (!io.resume) checkpoint(0, 0, 'epoch');

  net.train();
  for (let epoch = startEpoch; epoch < cfg.epochs; epoch++) {
    const lr = scheduler.getLastLr()[0]!;
    net.dropPathProb = dropPathAt(cfg, epoch);
    for (let step = epoch === startEpoch ? startStep : 0; step < stepsPerEpoch; step++) {
      if (io.shouldStop()) {
        checkpoint(epoch, step, 'interrupt');
        return { net, interrupted: true, epochsDone: epoch };
      }
      const began = performance.now();
      const stats = torch.tidy(() => trainStep(net, optimizer, params, loader.next(), cfg));
      if (!Number.isFinite(stats.loss)) {
        throw new TrainingDiverged(`training diverged: the loss is ${stats.loss} at epoch ${epoch + 1}, step ${step + 1}; the last checkpoint (epoch ${epoch}) is kept in ${io.runDir} — lower --lr or raise --grad-clip's strictness, then start again`);
      }
      const seconds = (performance.now() - began) / 1000;
      totals.loss += stats.loss * stats.count;
      totals.correct += stats.correct;
      totals.count += stats.count;
      totals.seconds += seconds;
      io.onEvent({ type: 'step', epoch, step, lr, seconds, ...stats });
      // Lets a signal handler run between steps.
      await new Promise((r) => setImmediate(r));
    }
    scheduler.step();
    const due = cfg.evalEvery > 0 && ((epoch + 1) % cfg.evalEvery === 0 || epoch + 1 === cfg.epochs);
    const test = due && io.evaluate ? io.evaluate(net) : null;
    io.onEvent({
      type: 'epoch', epoch, lr, dropPathProb: net.dropPathProb, trainLoss: totals.loss / Math.max(1, totals.count), trainAcc: totals.correct / Math.max(1, totals.count), seconds: totals.seconds,
      testAcc: test ? test.top1 / 100 : null, testLoss: test ? test.loss : null,
    });
    totals = emptyTotals();
    checkpoint(epoch + 1, 0, 'epoch');
  }
  return { net, interrupted: false, epochsDone: cfg.epochs };
}

/** One SGD step: main loss (+ weighted auxiliary loss), backward, clip, step. Returns plain numbers. */
function trainStep(net: GenotypeNetwork, optimizer: optim.SGD, params: Tensor[], batch: { x: Tensor; y: Tensor }, cfg: TrainConfig): { loss: number; correct: number; count: number } {
  optimizer.zeroGrad();
  const { logits, auxLogits } = net.forwardTrain(batch.x);
  const loss = torch.crossEntropy(logits, batch.y, { labelSmoothing: cfg.labelSmoothing });
  const total = auxLogits ? loss.add(torch.crossEntropy(auxLogits, batch.y, { labelSmoothing: cfg.labelSmoothing }).mul(cfg.auxiliaryWeight)) : loss;
  // Logged with the auxiliary term, as the reference's train loss is.
  const value = total.item();
  // A non-finite loss must not reach the weights: the caller stops with the last good checkpoint.
  if (Number.isFinite(value)) {
    total.backward();
    if (cfg.gradClip > 0) optim.clipGradNorm(params, cfg.gradClip);
    optimizer.step();
  }
  const correct = torch.noGrad(() => logits.argmax(1).eq(batch.y).sum().item());
  return { loss: value, correct, count: batch.y.shape[0]! };
}
