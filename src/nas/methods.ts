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
  Partial<Pick<SearchConfig, 'derive' | 'innerSteps' | 'neumannK' | 'primitives' | 'topology' | 'top2Relaxation' | 'romeK' | 'lrPower' | 'lrWarmupEpochs' | 'maxWDetach' | 'dropPathProb' | 'midChannels' | 'autoaugment' | 'ops'>>;

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

// iDARTS (§4.3): DARTS' recipe with the implicit update, T = 5 inner steps and K = 2 on the DARTS
// space (architect_hess.py). On NAS-Bench-201 the notebook loads DARTS_wlr0p01.config, absent from
// the repository; its logged output prints the config: SGD lr 0.01 → 0.001 cosine, Nesterov,
// momentum 0.9, wd 5e-4, batch 64, 30 epochs; with T = 4 (the notebook's loop).
const IDARTS = { update: 'implicit', innerSteps: 5, neumannK: 2, hessian: 'finite-difference' } as const;
const IDARTS_NB201: MethodSettings = { ...DARTS_NB201, ...IDARTS, innerSteps: 4, lr: 0.01, lrMin: 0.001, epochs: 30 };

// Single-DARTS (§5): one batch trains w and α together, no split. Its code is unavailable, so the
// hyperparameters are DARTS' for each space (the paper builds on DARTS' settings).
const SINGLE_DARTS = { update: 'single-level', trainPortion: 1 } as const;

// ROME (Wang et al., ICCV 2023, §4.1/§4.3, methods.md §6.4): GDAS-style single-path ops, K = 7
// sub-models per step, SGD momentum 0.9 lr 0.05, Adam 3e-4 for α and β, 50 epochs, batch 64 (the
// paper's memory table; the search batch is not stated). τ 10 → 0.1 as GDAS (the paper only says τ
// decreases). The rest (cosine to 0.001, weight decay, clipping, Adam betas) is DARTS'; architecture
// step first, as Alg. 1.
const ROME = { epochs: 50, batchSize: 64, lr: 0.05, momentum: 0.9, archLr: 3e-4, mixing: 'gdas', tauMax: 10, tauMin: 0.1, romeK: 7, stepOrder: 'arch-first' } as const;

// ahundt/sharpDARTS cnn/train_search.py defaults (methods.md §3.6): DARTS' optimizers and split with
// cosine power annealing (p = 2, 5 warm-up epochs, 0.025 → 1e-4) and scalar (softmax) weighting.
// Its `--warmup_epochs` warms up the learning rate only: the architecture learns from the first
// epoch. Its `--drop_path_prob 0.3` (methods.md §3.6, and the preset our issue asks for) is applied
// here, to every non-identity op output on the supernet's edges while training; the reference parses
// the flag but its search model never reads it, so `--drop-path-prob 0` reproduces what it computes.
const SHARP_DARTS: MethodSettings = {
  ...DARTS_CNN,
  lrMin: 1e-4,
  lrSchedule: 'cosine-power',
  lrPower: 2,
  lrWarmupEpochs: 5,
  maxWDetach: false,
  dropPathProb: 0.3,
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
  idarts: {
    name: 'idarts',
    description: 'iDARTS (Zhang et al. 2021): T inner weight steps, then the implicit hypergradient with a K-term Neumann series of exact Hessian-vector products',
    spaces: { darts: { ...DARTS_CNN, ...IDARTS }, nb201: IDARTS_NB201 },
  },
  'single-darts': {
    name: 'single-darts',
    description: 'Single-DARTS (Hou et al. 2021): weights and α step together on the same training batch, no train/validation split',
    spaces: { darts: { ...DARTS_CNN, ...SINGLE_DARTS }, nb201: { ...DARTS_NB201, ...SINGLE_DARTS } },
  },
  rome: {
    name: 'rome',
    description:
      "ROME (Wang et al. 2023): per node 2 input edges by Gumbel-Top2 over β, one Gumbel-sampled op per edge, K=7 sub-models per step (α,β: mean, w: sum of gradients), DARTS ops without 'none'; on nb201 every edge is kept (nodes have too few inputs), so it is GDAS ops + K-sample accumulation",
    spaces: {
      darts: { ...DARTS_CNN, ...ROME, primitives: ['darts-no-none'], topology: 'gumbel-top2', derive: 'rome' },
      // No reference run: ROME's recipe with AutoDL's NB201 weight-optimizer conventions.
      nb201: { ...DARTS_NB201, ...ROME, topology: 'all-edges', derive: 'argmax' },
    },
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
