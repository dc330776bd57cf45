// Runs dnas' search steps from a reference fixture's starting point, built the way a search builds
// them (config → buildSearch → createStepContext), so the method presets are checked too.
import assert from 'node:assert/strict';
import { buildSearch, createStepContext, type SearchParts } from '../../../src/nas/build.js';
import { resolveSearchConfig, type SearchConfig, type SearchOverrides } from '../../../src/nas/config.js';
import type { Batch, StepStats } from '../../../src/nas/update/common.js';
import type { Mixing } from '../../../src/nas/types.js';
import * as torch from '../../../src/torch/index.js';
import { loadReferenceWeights, type ReferenceFixture } from './reference-fixture.js';

export interface ReferenceRun {
  cfg: SearchConfig;
  parts: SearchParts;
  /** Runs step s on the fixture's batches s (train: weights, valid: architecture). */
  step(s: number): StepStats;
}

/**
 * A search built from `overrides` (contiguous tensors unless channelsLast is overridden, float32
 * unless `dtype`, no warm-up) whose
 * weights and architecture parameters are the fixture's (float32 values, cast exactly to float64):
 * `archFixtureNames` maps each of our arch params to the fixture's `init.<name>`.
 */
export function referenceRun(
  fixture: ReferenceFixture,
  overrides: SearchOverrides,
  toReferenceName: (ours: string) => string,
  archFixtureNames: Record<string, string>,
  o: { mixing?: Mixing; dtype?: 'float32' | 'float64' } = {},
): ReferenceRun {
  const dtype = o.dtype ?? 'float32';
  const cfg = resolveSearchConfig({ channelsLast: false, warmupEpochs: 0, ...overrides });
  const parts = buildSearch(cfg, { inChannels: 3, numClasses: Number(fixture.metadata.classes) }, { mixing: o.mixing, dtype });
  loadReferenceWeights(parts.net, fixture, 'init.weights', toReferenceName);
  assert.deepEqual(Object.keys(parts.arch).sort(), Object.keys(archFixtureNames).sort(), 'architecture parameters');
  // In place (cast to the run's dtype), so the optimizers keep holding the same tensors.
  torch.noGrad(() => {
    for (const [ours, ref] of Object.entries(archFixtureNames)) parts.arch[ours]!.copy_(fixture.get(`init.${ref}`));
  });
  parts.net.train();
  // Carried across steps as the search loop carries it: which weights have ever had a gradient.
  const weightGradSeen = parts.weights.map(() => false);
  const batches = new Map<string, Batch>();
  const batch = (s: number, which: 'train' | 'valid'): Batch => {
    const key = `${s}.${which}`;
    const memoryFormat = cfg.channelsLast ? 'channelsLast' : 'contiguous';
    if (!batches.has(key)) batches.set(key, { x: torch.keep(fixture.get(`batch.${key}.x`).to({ dtype, memoryFormat })), y: fixture.get(`batch.${key}.y`) });
    return batches.get(key)!;
  };
  return {
    cfg,
    parts,
    step(s: number): StepStats {
      const ctx = createStepContext(parts, { trainBatch: batch(s, 'train'), nextValidBatch: () => batch(s, 'valid'), weightGradSeen });
      try {
        return parts.update.step(ctx);
      } finally {
        if (ctx.sample) for (const t of Object.values(ctx.sample)) t.dispose();
      }
    },
  };
}

/** The fixture's hyperparameters must be the preset's: the reference is run with the papers' settings. */
export function assertPresetMatchesFixture(cfg: SearchConfig, meta: Record<string, string>, keys: Record<string, keyof SearchConfig>): void {
  for (const [metaKey, cfgKey] of Object.entries(keys)) assert.equal(cfg[cfgKey], Number(meta[metaKey]), `preset ${String(cfgKey)} vs the reference run's ${metaKey}`);
}
