// Builds the parts of a search from its config — space, mixing, supernet, architecture parameters,
// update rule, derivation, optimizers, schedule — and the step context every update rule runs on.
// One factory serves the search loop, the tests and the benchmarks, so they cannot drift apart.
import type * as optim from '../optim/index.js';
import type { Tensor } from '../torch/index.js';
import { archList, createArchParams } from './arch.js';
import type { SearchConfig } from './config.js';
import { type Derivation, getDerivation } from './derivation.js';
import { createMixing } from './mixing/index.js';
import { createArchOptimizer, createLrScheduler, createWeightOptimizer } from './optimizers.js';
import { createSpace } from './spaces/index.js';
import type { ArchParams, Mixing, SearchSpace, Supernet, TrainingProgress } from './types.js';
import { progressAt } from './types.js';
import { createUpdate } from './update/index.js';
import type { Batch, StepContext } from './update/common.js';
import type { Update } from './update/bilevel.js';

/** The shape of the data a supernet is built for. */
export interface DataShape {
  inChannels: number;
  numClasses: number;
}

export interface SearchParts {
  cfg: SearchConfig;
  space: SearchSpace;
  mixing: Mixing;
  update: Update;
  derivation: Derivation;
  net: Supernet;
  arch: ArchParams;
  /** Arch params in optimizer order. */
  archParams: Tensor[];
  weights: Tensor[];
  weightOptimizer: optim.SGD;
  archOptimizer: optim.Optimizer;
  scheduler: optim.LRScheduler;
}

/** Every part of a search, initialised from the current RNG state (seed first for reproducibility). */
export function buildSearch(cfg: SearchConfig, data: DataShape, o: { mixing?: Mixing; dtype?: 'float32' | 'float64' } = {}): SearchParts {
  const space = createSpace(cfg.space, { primitives: cfg.primitives, ops: cfg.ops, midChannels: cfg.midChannels, initChannels: cfg.initChannels, layers: cfg.layers, steps: cfg.steps, alwaysApplyOps: cfg.alwaysApplyOps });
  const mixing = o.mixing ?? createMixing(cfg);
  const derivation = getDerivation(cfg.derive, space);
  const update = createUpdate(cfg);
  const net = space.createSupernet({ inChannels: data.inChannels, numClasses: data.numClasses, initChannels: cfg.initChannels, layers: cfg.layers }, mixing);
  if (o.dtype && o.dtype !== 'float32') net.to(o.dtype);
  if (cfg.device !== 'cpu') net.to(cfg.device);
  if (cfg.channelsLast) net.to({ memoryFormat: 'channelsLast' });
  const arch = createArchParams(space, mixing, { device: cfg.device, dtype: o.dtype });
  const archParams = archList(arch);
  const weights = net.parameters();
  const weightOptimizer = createWeightOptimizer(weights, cfg);
  const scheduler = createLrScheduler(weightOptimizer, cfg);
  const archOptimizer = createArchOptimizer(archParams, cfg);
  return { cfg, space, mixing, update, derivation, net, arch, archParams, weights, weightOptimizer, archOptimizer, scheduler };
}

export interface StepInputs {
  trainBatch: Batch;
  nextValidBatch: () => Batch;
  /** Fresh training batches; defaults to reusing `trainBatch`. */
  nextTrainBatch?: () => Batch;
  progress?: TrainingProgress;
  /** Defaults to the weight optimizer's current learning rate. */
  lr?: number;
  updateArch?: boolean;
  /** Carried across steps: which weights have had a gradient (see StepContext). */
  weightGradSeen?: boolean[];
  /** Data-parallel search: the gradient mean over the processes (see StepContext). */
  allReduceMean?: StepContext['allReduceMean'];
}

/** The context one search step runs on. */
export function createStepContext(p: SearchParts, s: StepInputs): StepContext {
  const progress = s.progress ?? progressAt(0, p.cfg.epochs);
  return {
    net: p.net,
    space: p.space,
    mixing: p.mixing,
    arch: p.arch,
    archParams: p.archParams,
    weights: p.weights,
    trainBatch: s.trainBatch,
    nextValidBatch: s.nextValidBatch,
    nextTrainBatch: s.nextTrainBatch ?? (() => s.trainBatch),
    weightOptimizer: p.weightOptimizer,
    archOptimizer: p.archOptimizer,
    lr: s.lr ?? p.weightOptimizer.paramGroups[0]!.lr,
    momentum: p.cfg.momentum,
    weightDecay: p.cfg.weightDecay,
    gradClip: p.cfg.gradClip,
    updateArch: s.updateArch ?? progress.epoch >= p.cfg.warmupEpochs,
    checkpointCells: p.cfg.checkpointCells,
    progress,
    sample: null,
    weightGradSeen: s.weightGradSeen ?? p.weights.map(() => false),
    ...(s.allReduceMean ? { allReduceMean: s.allReduceMean } : {}),
  };
}

/** The genotype the method derives from the current architecture parameters, and its text form. */
export function deriveGenotype(p: Pick<SearchParts, 'space' | 'mixing' | 'derivation' | 'arch'>): { genotype: string; genotypeJSON: object } {
  const g = p.derivation.derive(p.space, p.mixing.derivationWeights(p.arch, p.space));
  return { genotype: p.space.formatGenotype(g), genotypeJSON: p.space.genotypeToJSON(g) };
}

/** Disposes a step context's phase sample (the tensors a step keeps beyond its scope). */
export function releaseStepContext(ctx: StepContext): void {
  if (ctx.sample) for (const t of Object.values(ctx.sample)) t.dispose();
  ctx.sample = null;
}
