// Method presets: a method is data — the parts it composes (mixing, update rule, derivation,
// optimizers, schedule) and the papers' hyperparameters, per search space. Every entry can be
// overridden from the CLI, so combinations the papers never tried are one flag away.
import type { SearchConfig } from './config.js';

/** The settings a method fixes (the rest — data, sizes, compute — belong to the run). */
export type MethodSettings = Pick<
  SearchConfig,
  | 'epochs' | 'batchSize' | 'lr' | 'lrMin' | 'lrSchedule' | 'momentum' | 'weightDecay' | 'nesterov' | 'gradClip'
  | 'archOptimizer' | 'archLr' | 'archBetas' | 'archWeightDecay' | 'trainPortion'
  | 'mixing' | 'partialChannels' | 'edgeNorm' | 'tauMax' | 'tauMin'
  | 'update' | 'order' | 'hessian' | 'stepOrder' | 'warmupEpochs' | 'seed'
> &
  // Optional, so presets that do not use them keep the base defaults (config.ts BASE_CONFIG).
  Partial<Pick<SearchConfig, 'derive' | 'lrPower' | 'lrWarmupEpochs' | 'maxWDetach' | 'dropPathProb' | 'midChannels' | 'autoaugment' | 'ops' | 'primitives'>>;

export interface MethodPreset {
  readonly name: string;
  readonly description: string;
  /** Settings per search space name. */
  readonly spaces: Record<string, MethodSettings>;
}

// quark0/darts cnn/train_search.py defaults (methods.md §1.3).
const DARTS_CNN: MethodSettings = {
  epochs: 50,
  batchSize: 64,
  lr: 0.025,
  lrMin: 0.001,
  lrSchedule: 'cosine',
  momentum: 0.9,
  weightDecay: 3e-4,
  nesterov: false,
  gradClip: 5,
  archOptimizer: 'adam',
  archLr: 3e-4,
  archBetas: [0.5, 0.999],
  archWeightDecay: 1e-3,
  trainPortion: 0.5,
  mixing: 'softmax',
  partialChannels: 1,
  edgeNorm: false,
  tauMax: 10,
  tauMin: 0.1,
  update: 'bilevel',
  order: 1,
  hessian: 'finite-difference',
  stepOrder: 'arch-first',
  warmupEpochs: 0,
  seed: 2,
};

// AutoDL-Projects' DARTS-V1/V2 on NAS-Bench-201 (§8.3): Nesterov SGD with weight decay 5e-4, weights
// stepped before the architecture.
const DARTS_NB201: MethodSettings = { ...DARTS_CNN, weightDecay: 5e-4, nesterov: true, stepOrder: 'weights-first', seed: 0 };

// yuhuixu1993/PC-DARTS train_search.py (§2.5): K = 4, edge normalisation, batch 256, lr 0.1 → 0,
// architecture lr 6e-4, 15 warm-up epochs, first order.
const PC_DARTS = { batchSize: 256, lr: 0.1, lrMin: 0, archLr: 6e-4, partialChannels: 4, edgeNorm: true, warmupEpochs: 15 } as const;

// AutoDL-Projects' GDAS (§7.3): 250 epochs, Nesterov SGD wd 5e-4, lr 0.025 → 0.001, τ 10 → 0.1,
// weights before architecture; batch 256 on the DARTS space, 64 on NAS-Bench-201.
const GDAS: MethodSettings = { ...DARTS_NB201, epochs: 250, mixing: 'gdas', tauMax: 10, tauMin: 0.1, stepOrder: 'weights-first' };

// ahundt/sharpDARTS cnn/train_search.py defaults (methods.md §3.6): DARTS' optimizers and split with
// cosine power annealing (p = 2, 5 warm-up epochs, 0.025 → 1e-4) and scalar (softmax) weighting.
// Its `--warmup_epochs` warms up the learning rate only: the architecture learns from the first
// epoch. Its `--drop_path_prob 0.3` is parsed but never read by the search model (model_search's
// Network and Cell have no drop path), so the search runs without it: 0 here reproduces what the
// reference computes; `--drop-path-prob 0.3` gives what its flag claims.
const SHARP_DARTS: MethodSettings = {
  ...DARTS_CNN,
  lrMin: 1e-4,
  lrSchedule: 'cosine-power',
  lrPower: 2,
  lrWarmupEpochs: 5,
  maxWDetach: false,
  dropPathProb: 0,
  midChannels: 32,
};

export const METHODS: Record<string, MethodPreset> = {
  darts: {
    name: 'darts',
    description: 'DARTS (Liu et al. 2019): softmax relaxation, bi-level first (--order 1) or second (--order 2) order updates',
    spaces: { darts: DARTS_CNN, nb201: DARTS_NB201 },
  },
  'pc-darts': {
    name: 'pc-darts',
    description: 'PC-DARTS (Xu et al. 2020): DARTS on 1/K of the channels (K=4) with edge normalisation β, 15 warm-up epochs',
    // On NAS-Bench-201 (no reference run): PC-DARTS' own recipe with AutoDL's NB201 optimizer conventions.
    spaces: { darts: { ...DARTS_CNN, ...PC_DARTS }, nb201: { ...DARTS_NB201, ...PC_DARTS } },
  },
  gdas: {
    name: 'gdas',
    description: 'GDAS (Dong & Yang 2019): one Gumbel-sampled op per edge per phase (hard, straight-through), τ 10 → 0.1',
    spaces: { darts: { ...GDAS, batchSize: 256, derive: 'darts-top2' }, nb201: { ...GDAS, batchSize: 64, derive: 'argmax' } },
  },
  sharpdarts: {
    name: 'sharpdarts',
    description: "sharpDARTS (Hundt et al. 2019): SharpSepConv ops with flood and choke widths, cosine power annealing; --mixing max-w for Max-W weighting; --space hypercuboid for the differentiable grid search",
    // The cell space with its op table and 9-op PRIMITIVES; the hypercuboid keeps its own ops and path derivation.
    spaces: { darts: { ...SHARP_DARTS, ops: 'sharp', primitives: ['sharp'] }, hypercuboid: SHARP_DARTS },
  },
};

export function getMethod(name: string): MethodPreset {
  const m = METHODS[name];
  if (!m) throw new Error(`--method: unknown method '${name}' (known: ${Object.keys(METHODS).join(', ')})`);
  return m;
}
