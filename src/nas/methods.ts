// Method presets: a method is data — a mixing, an update rule and a derivation plus the papers'
// hyperparameters — not a subclass. Every field can be overridden from the CLI, so combinations
// the papers never tried are one flag away.
import { softmaxMixing } from './mixing/softmax.js';
import { bilevel, type Update } from './update/bilevel.js';
import type { Mixing } from './types.js';

/** Hyperparameters a preset fixes per search space (the CLI may override each). */
export interface MethodHyperparameters {
  epochs: number;
  batchSize: number;
  lr: number;
  lrMin: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
  gradClip: number;
  archLr: number;
  archBetas: [number, number];
  archWeightDecay: number;
  trainPortion: number;
  order: 1 | 2;
  stepOrder: 'arch-first' | 'weights-first';
  /** Epochs of weight-only training before the arch params start to learn. */
  warmupEpochs: number;
  seed: number;
}

export interface MethodParts {
  mixing: Mixing;
  update: Update;
}

export interface MethodPreset {
  readonly name: string;
  readonly description: string;
  /** Hyperparameters per search space name. */
  readonly hyperparameters: Record<string, MethodHyperparameters>;
  build(h: MethodHyperparameters): MethodParts;
}

// quark0/darts cnn/train_search.py defaults.
const DARTS_CNN: MethodHyperparameters = {
  epochs: 50,
  batchSize: 64,
  lr: 0.025,
  lrMin: 0.001,
  momentum: 0.9,
  weightDecay: 3e-4,
  nesterov: false,
  gradClip: 5,
  archLr: 3e-4,
  archBetas: [0.5, 0.999],
  archWeightDecay: 1e-3,
  trainPortion: 0.5,
  order: 1,
  stepOrder: 'arch-first',
  warmupEpochs: 0,
  seed: 2,
};

// AutoDL-Projects' DARTS-V1/V2 on NAS-Bench-201 (scripts-search/NAS-Bench-201-algos/DARTS-V*.sh):
// Nesterov SGD with weight decay 5e-4, weights stepped before the architecture.
const DARTS_NB201: MethodHyperparameters = { ...DARTS_CNN, weightDecay: 5e-4, nesterov: true, stepOrder: 'weights-first', seed: 0 };

export const METHODS: Record<string, MethodPreset> = {
  darts: {
    name: 'darts',
    description: 'DARTS (Liu et al. 2019): softmax relaxation, bi-level first (--order 1) or second (--order 2) order updates',
    hyperparameters: { darts: DARTS_CNN, nb201: DARTS_NB201 },
    build: (h) => ({ mixing: softmaxMixing(), update: bilevel({ order: h.order, stepOrder: h.stepOrder }) }),
  },
};

export function getMethod(name: string): MethodPreset {
  const m = METHODS[name];
  if (!m) throw new Error(`unknown method '${name}' (known: ${Object.keys(METHODS).join(', ')})`);
  return m;
}
