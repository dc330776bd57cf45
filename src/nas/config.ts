// The resolved configuration of a search: base defaults, the space's shape, the method's preset for
// that space, `--preset quick` and explicit overrides, merged and validated once. Written to
// config.json in the run directory: it names every part and option, so a run can be reproduced (or
// resumed) without the preset tables of the version that ran it.
import { z } from 'zod';
import { getMethod } from './methods.js';
import { TOPOLOGIES } from './mixing/index.js';
import { flagOf, SEARCH_SETTINGS } from './settings.js';
import { createSpace, getSpaceDefinition } from './spaces/index.js';
import { getOpTable, resolvePrimitives } from './spaces/op-tables.js';
import { edgePrimitiveList } from './spaces/rdarts-spaces.js';

type Settings = typeof SEARCH_SETTINGS;
export type SearchConfig = { -readonly [K in keyof Settings]: z.output<Settings[K]['schema']> };

export const searchConfigSchema = z.strictObject(Object.fromEntries(Object.entries(SEARCH_SETTINGS).map(([k, s]) => [k, s.schema])) as { [K in keyof Settings]: Settings[K]['schema'] });

/** Settings that are not the method's or the space's: the run's own defaults. */
export const BASE_CONFIG = {
  dataset: 'fashion-mnist',
  trainLimit: 0,
  device: 'cpu',
  cutout: 0,
  channelsLast: true,
  checkpointCells: 0,
  numThreads: 0,
  checkpointEvery: '0',
  nproc: 1,
  worldSize: 1,
  hessianEvery: 2,
  hessianIterations: 20,
  hessianTolerance: 1e-3,
  hessianBatches: 1,
  earlyStop: 'off',
  earlyStopWindow: 5,
  earlyStopThreshold: 1.3,
  // iDARTS' settings, unused by other update rules; the DARTS-space values of the paper's code, so
  // `--update implicit` with another method's preset gets them too (the idarts presets set their own).
  innerSteps: 5,
  neumannK: 2,
  idartsReferenceRestore: false,
  // Parts only some methods set (ROME's).
  topology: 'all-edges',
  top2Relaxation: 'softmax',
  romeK: 1,
  autoaugment: false,
  autoaugmentPolicy: 'cifar10',
  // sharpDARTS' settings, inert unless their part is chosen; the values are its train_search defaults.
  midChannels: 32,
  steps: 4,
  alwaysApplyOps: false,
  dropPathProb: 0,
  lrPower: 2,
  lrWarmupEpochs: 5,
  maxWDetach: false,
} satisfies Partial<SearchConfig>;

/** `--preset quick`: a small search on a subset, for a first look in a few minutes on 2 cores. */
// The eigenvalue measurement costs about as much as 40 architecture steps: at the papers' 391 steps per
// epoch that is a few percent every 2nd epoch; the quick look's 31 steps would double, so it is off there.
export const QUICK_PRESET = { epochs: 3, batchSize: 32, initChannels: 8, layers: 5, trainLimit: 2000, hessianEvery: 0 } satisfies Partial<SearchConfig>;

export type SearchOverrides = Partial<SearchConfig> & { preset?: string };

/** Merges defaults, the method preset for the space, `--preset` and explicit overrides, then validates. */
export function resolveSearchConfig(overrides: SearchOverrides = {}): SearchConfig {
  const { preset, ...explicit } = overrides;
  const spaceName = explicit.space ?? 'darts';
  const space = getSpaceDefinition(spaceName);
  const method = getMethod(explicit.method ?? 'darts');
  const settings = method.spaces[spaceName];
  if (!settings) throw new Error(`--method: '${method.name}' has no settings for the '${spaceName}' space (it supports: ${Object.keys(method.spaces).join(', ')})`);
  if (preset !== undefined && preset !== 'quick') throw new Error(`--preset: unknown preset '${preset}' (known: quick)`);
  // A quick look keeps at most one warm-up epoch, so the architecture still learns in it.
  // The same holds for a learning-rate warm-up (cosine-power), which must end before the run does.
  const quick = preset === 'quick' ? { ...QUICK_PRESET, warmupEpochs: Math.min(settings.warmupEpochs, 1), lrWarmupEpochs: Math.min(settings.lrWarmupEpochs ?? BASE_CONFIG.lrWarmupEpochs, 1) } : {};
  const { primitives, ...shape } = space.defaults;
  const defined = Object.fromEntries(Object.entries(explicit).filter(([, v]) => v !== undefined));
  // A single-level update has no validation data: every training image trains w and α alike.
  const singleLevel = (explicit.update ?? settings.update) === 'single-level';
  if (singleLevel && explicit.trainPortion !== undefined) {
    throw new Error(`--train-portion: the single-level update trains the weights and α on the whole training set (no split); leave --train-portion out`);
  }
  const portion = singleLevel ? { trainPortion: 1 } : {};
  return parseSearchConfig({ ...BASE_CONFIG, space: spaceName, method: method.name, ...shape, primitives: [primitives], ...settings, ...portion, ...quick, ...defined });
}

/** Validates a config object (also one read back from config.json); errors name the flag, in one line. */
export function parseSearchConfig(raw: unknown): SearchConfig {
  // A config.json written before ROME's settings existed ran without them: it resumes as it ran.
  const withLaterKeys = raw && typeof raw === 'object' && !Array.isArray(raw) ? { topology: 'all-edges', top2Relaxation: 'softmax', romeK: 1, nproc: 1, worldSize: 1, ...raw } : raw;
  const r = searchConfigSchema.safeParse(withLaterKeys);
  if (!r.success) {
    const issues = r.error.issues.map((i) => {
      const key = String(i.path[0] ?? '');
      if (i.code === 'unrecognized_keys') return `unknown setting${i.keys.length > 1 ? 's' : ''} ${i.keys.map((k) => `'${k}'`).join(', ')}`;
      return `${key ? flagOf(key) : '(config)'}: ${i.message}`;
    });
    throw new Error(`invalid configuration: ${issues.join('; ')}`);
  }
  const cfg = r.data as SearchConfig;
  const space = getSpaceDefinition(cfg.space);
  // A per-edge list (R-DARTS' S1) stays a name in config.json; the space checks it fits.
  if (edgePrimitiveList(cfg.primitives)) createSpace(cfg.space, { primitives: cfg.primitives, ops: cfg.ops });
  else cfg.primitives = resolvePrimitives(cfg.primitives, getOpTable(cfg.ops));
  space.validate?.(cfg);
  // A topology sampler must fit the space's cells (ROME's Gumbel-Top2 needs two inputs per node).
  if (cfg.edgeNorm && cfg.topology !== 'all-edges') throw new Error(`invalid configuration: --edge-norm and --topology ${cfg.topology} both weigh a node's edges by β; choose one`);
  TOPOLOGIES[cfg.topology]?.(cfg)?.check(createSpace(cfg.space, { primitives: cfg.primitives, ops: cfg.ops }));
  if (cfg.lrSchedule === 'cosine-power' && cfg.lrWarmupEpochs >= cfg.epochs) {
    throw new Error(`invalid configuration: --lr-warmup-epochs ${cfg.lrWarmupEpochs} leaves no epoch of a ${cfg.epochs}-epoch run to anneal; use fewer warm-up epochs or more --epochs`);
  }
  if (cfg.dropPathProb >= 1) throw new Error(`invalid configuration: --drop-path-prob must be below 1 (1 drops every path), got ${cfg.dropPathProb}`);
  if (cfg.lrMin > cfg.lr) throw new Error(`invalid configuration: --lr-min (${cfg.lrMin}) must not exceed --lr (${cfg.lr})`);
  if (cfg.update === 'single-level' && cfg.trainPortion !== 1) {
    throw new Error(`invalid configuration: --train-portion ${cfg.trainPortion} with --update single-level: it trains the weights and α on the whole training set, so the portion must be 1`);
  }
  if (cfg.update !== 'single-level' && cfg.trainPortion === 1) {
    throw new Error(`invalid configuration: --train-portion 1 leaves no validation data for --update ${cfg.update}; use a share below 1 (DARTS: 0.5)`);
  }
  if (cfg.batchSize % cfg.worldSize !== 0) {
    throw new Error(`invalid configuration: --batch-size ${cfg.batchSize} does not split over ${cfg.worldSize} processes (--nproc/--world-size ${cfg.worldSize}); use a multiple of ${cfg.worldSize}, the global batch`);
  }
  if (cfg.nproc > 1 && cfg.worldSize !== cfg.nproc) {
    throw new Error(`invalid configuration: --nproc ${cfg.nproc} starts every process of the search on this machine; leave out --world-size (${cfg.worldSize}), or drop --nproc to start the ranks yourself`);
  }
  if (cfg.partialChannels > 1 && cfg.initChannels % cfg.partialChannels !== 0) {
    throw new Error(`invalid configuration: --partial-channels ${cfg.partialChannels} does not divide --init-channels ${cfg.initChannels}; PC-DARTS sends C/K channels through each edge`);
  }
  return cfg;
}
