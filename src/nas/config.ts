// The resolved configuration of a search: preset values merged with overrides, validated once.
// Written to config.json in the run directory; enough to rerun or resume the search.
import { z } from 'zod';

export const searchConfigSchema = z.strictObject({
  space: z.enum(['darts', 'nb201']),
  method: z.string().min(1),
  dataset: z.string().min(1),
  dataDir: z.string().optional(),
  /** Use only the first N training images (0 = all): quick looks and tests. */
  trainLimit: z.number().int().min(0),
  epochs: z.number().int().min(1),
  batchSize: z.number().int().min(2),
  initChannels: z.number().int().min(2),
  layers: z.number().int().min(1),
  seed: z.number().int().min(0),
  device: z.string().regex(/^(cpu|cuda(:\d+)?)$/, "device must be 'cpu', 'cuda' or 'cuda:N'"),
  lr: z.number().positive(),
  lrMin: z.number().min(0),
  momentum: z.number().min(0).max(1),
  weightDecay: z.number().min(0),
  nesterov: z.boolean(),
  gradClip: z.number().positive(),
  archLr: z.number().positive(),
  archBetas: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]),
  archWeightDecay: z.number().min(0),
  trainPortion: z.number().gt(0).lt(1),
  order: z.union([z.literal(1), z.literal(2)]),
  stepOrder: z.enum(['arch-first', 'weights-first']),
  warmupEpochs: z.number().int().min(0),
  /** Cutout hole side in pixels (0 = off; the DARTS search default). */
  cutout: z.number().int().min(0),
  channelsLast: z.boolean(),
  /** Leading supernet cells recomputed during backward instead of stored (0 = off). */
  checkpointCells: z.number().int().min(0),
  numThreads: z.number().int().min(0),
});

export type SearchConfig = z.infer<typeof searchConfigSchema>;

/** Validates a config object; the error names every offending key in one line. */
export function parseSearchConfig(raw: unknown): SearchConfig {
  const r = searchConfigSchema.safeParse(raw);
  if (r.success) {
    if (r.data.lrMin > r.data.lr) throw new Error(`invalid configuration: lrMin (${r.data.lrMin}) must not exceed lr (${r.data.lr})`);
    return r.data;
  }
  const issues = r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
  throw new Error(`invalid configuration: ${issues.join('; ')}`);
}
