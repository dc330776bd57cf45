// The resolved configuration of `dnas train`: a protocol's defaults (DARTS CIFAR, DARTS ImageNet,
// NAS-Bench-201) with presets and flags on top, validated once and written to config.json, which is
// enough to rerun or resume the training and to evaluate the result.
import { z } from 'zod';

export const NETWORKS = ['cifar', 'imagenet', 'nb201'] as const;
export type NetworkKind = (typeof NETWORKS)[number];

export const trainConfigSchema = z.strictObject({
  command: z.literal('train'),
  space: z.enum(['darts', 'nb201']),
  /** The genotype in its printed form (DARTS `Genotype(...)` or an NB201 arch string). */
  genotype: z.string().min(1),
  /** Where the genotype came from: a published name, a file, a run directory or 'string'. */
  genotypeSource: z.string().min(1),
  network: z.enum(NETWORKS),
  dataset: z.string().min(1),
  dataDir: z.string().optional(),
  /** imagefolder: side every image is resized to (224 for the ImageNet network). */
  imageSize: z.number().int().min(8).optional(),
  trainLimit: z.number().int().min(0),
  numClasses: z.number().int().min(2),
  inChannels: z.number().int().min(1),
  /** Normalisation statistics of the training images, reused by `dnas eval`. */
  mean: z.array(z.number()),
  std: z.array(z.number().positive()),
  epochs: z.number().int().min(1),
  batchSize: z.number().int().min(2),
  initChannels: z.number().int().min(2),
  /** DARTS: cells; NB201: cells per stage (N). */
  layers: z.number().int().min(1),
  lr: z.number().positive(),
  lrMin: z.number().min(0),
  /** cosine: to lrMin over the epochs; step: ×stepGamma every epoch (the DARTS ImageNet protocol). */
  schedule: z.enum(['cosine', 'step']),
  stepGamma: z.number().gt(0).max(1),
  momentum: z.number().min(0).max(1),
  weightDecay: z.number().min(0),
  nesterov: z.boolean(),
  /** Gradient-norm clip; 0 = off (the NB201 recipe does not clip). */
  gradClip: z.number().min(0),
  labelSmoothing: z.number().min(0).lt(1),
  auxiliary: z.boolean(),
  auxiliaryWeight: z.number().min(0),
  /** Final drop-path probability; epoch e uses dropPathProb · e / epochs. */
  dropPathProb: z.number().min(0).lt(1),
  cutout: z.number().int().min(0),
  seed: z.number().int().min(0),
  /** Test-split accuracy every N epochs and after the last (0 = never), as the reference's per-epoch infer. */
  evalEvery: z.number().int().min(0),
  device: z.string().regex(/^(cpu|cuda(:\d+)?)$/, "device must be 'cpu', 'cuda' or 'cuda:N'"),
  channelsLast: z.boolean(),
  numThreads: z.number().int().min(0),
  preset: z.string().nullable(),
});

export type TrainConfig = z.infer<typeof trainConfigSchema>;

/** The settings a protocol fixes; everything else comes from the data and the genotype. */
export type ProtocolSettings = Pick<
  TrainConfig,
  | 'epochs' | 'batchSize' | 'initChannels' | 'layers' | 'lr' | 'lrMin' | 'schedule' | 'stepGamma' | 'momentum' | 'weightDecay' | 'nesterov'
  | 'gradClip' | 'labelSmoothing' | 'auxiliary' | 'auxiliaryWeight' | 'dropPathProb' | 'cutout' | 'seed'
>;

/** quark0/darts cnn/train.py (methods.md 1.3): what the DARTS family's CIFAR-10 numbers were trained with. */
export const DARTS_CIFAR_PROTOCOL: ProtocolSettings = {
  epochs: 600, batchSize: 96, initChannels: 36, layers: 20, lr: 0.025, lrMin: 0, schedule: 'cosine', stepGamma: 1, momentum: 0.9, weightDecay: 3e-4,
  nesterov: false, gradClip: 5, labelSmoothing: 0, auxiliary: true, auxiliaryWeight: 0.4, dropPathProb: 0.2, cutout: 16, seed: 0,
};

/** quark0/darts cnn/train_imagenet.py: StepLR(1, 0.97), label smoothing 0.1, no drop path. */
export const DARTS_IMAGENET_PROTOCOL: ProtocolSettings = {
  epochs: 250, batchSize: 128, initChannels: 48, layers: 14, lr: 0.1, lrMin: 0, schedule: 'step', stepGamma: 0.97, momentum: 0.9, weightDecay: 3e-5,
  nesterov: false, gradClip: 5, labelSmoothing: 0.1, auxiliary: true, auxiliaryWeight: 0.4, dropPathProb: 0, cutout: 0, seed: 0,
};

/** NAS-Bench-201's own training (AutoDL configs/nas-benchmark/hyper-opts/200E.config): no clip, no aux, no drop path. */
export const NB201_PROTOCOL: ProtocolSettings = {
  epochs: 200, batchSize: 256, initChannels: 16, layers: 5, lr: 0.1, lrMin: 0, schedule: 'cosine', stepGamma: 1, momentum: 0.9, weightDecay: 5e-4,
  nesterov: true, gradClip: 0, labelSmoothing: 0, auxiliary: false, auxiliaryWeight: 0, dropPathProb: 0, cutout: 0, seed: 0,
};

export const PROTOCOLS: Record<NetworkKind, ProtocolSettings> = { cifar: DARTS_CIFAR_PROTOCOL, imagenet: DARTS_IMAGENET_PROTOCOL, nb201: NB201_PROTOCOL };

/** Presets over a protocol: named differences, applied before explicit flags. */
export const TRAIN_PRESETS: Record<string, { help: string; apply: (network: NetworkKind) => Partial<TrainConfig> }> = {
  // PC-DARTS' train.py differs from DARTS' only in its drop-path probability (methods.md 2.5).
  'pc-darts': { help: 'PC-DARTS evaluation: drop path 0.3', apply: () => ({ dropPathProb: 0.3 }) },
  quick: {
    help: 'a first look: 2 epochs on 1,000 images, 8 cells of 16 channels (DARTS) or N=2 (NB201)',
    apply: (network) => ({ epochs: 2, batchSize: 64, trainLimit: 1000, ...(network === 'nb201' ? { layers: 2 } : { initChannels: 16, layers: 8 }) }),
  },
};

/** Validates a config object; the error names every offending key in one line. */
export function parseTrainConfig(raw: unknown): TrainConfig {
  const r = trainConfigSchema.safeParse(raw);
  if (!r.success) {
    const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new Error(`invalid training configuration: ${issues.join('; ')}`);
  }
  const c = r.data;
  if (c.lrMin > c.lr) throw new Error(`invalid training configuration: lrMin (${c.lrMin}) must not exceed lr (${c.lr})`);
  if (c.mean.length !== c.inChannels || c.std.length !== c.inChannels) throw new Error(`invalid training configuration: mean and std need ${c.inChannels} values (one per image channel)`);
  if (c.network === 'nb201' && (c.auxiliary || c.dropPathProb > 0)) {
    throw new Error('the NAS-Bench-201 network has no auxiliary head and no drop path: remove --auxiliary / --drop-path-prob');
  }
  return c;
}
