// Search spaces by name. A space is made per run from its op table and primitives list.
import type { SearchSpace } from '../types.js';
import { createDartsSpace } from './darts-space.js';
import { createHypercuboidSpace } from './hypercuboid-space.js';
import { createNb201Space } from './nb201-space.js';

/** What a space is built from: its op table and primitives, and the shape settings of the config. */
export interface SpaceOptions {
  primitives?: readonly string[];
  ops?: string;
  /** sharpDARTS' choke width (--mid-channels), for the 'sharp' op table. */
  midChannels?: number;
  initChannels?: number;
  layers?: number;
  steps?: number;
  alwaysApplyOps?: boolean;
}

export interface SpaceDefinition {
  readonly description: string;
  create(o: SpaceOptions): SearchSpace;
  /** The space's shape and own parts, the base its method presets build on. */
  readonly defaults: { initChannels: number; layers: number; ops: string; primitives: string; derive: 'darts-top2' | 'argmax' | 'hypercuboid-paths'; steps?: number; alwaysApplyOps?: boolean };
  /** Cross-checks of a resolved config against the space; errors name the flag, in one line. */
  validate?(cfg: { layers: number; steps: number; partialChannels: number; edgeNorm: boolean; mixing: string; alwaysApplyOps: boolean }): void;
}

/** The cell spaces have a fixed node count; --steps shapes the hypercuboid only. */
const fixedSteps = (space: string, steps: number) => (cfg: { steps: number }) => {
  if (cfg.steps !== steps) throw new Error(`invalid configuration: --steps ${cfg.steps}: the ${space} space has ${steps} nodes per cell; --steps sets the widths of --space hypercuboid`);
};

export const SPACES: Record<string, SpaceDefinition> = {
  darts: {
    description: 'DARTS CNN cells (Liu et al. 2019): 4 intermediate nodes, 14 mixed edges, normal and reduction cells',
    create: (o) => createDartsSpace(o) as SearchSpace,
    defaults: { initChannels: 16, layers: 8, ops: 'darts', primitives: 'darts', derive: 'darts-top2' },
    validate: fixedSteps('darts', 4),
  },
  nb201: {
    description: 'NAS-Bench-201 cells (Dong & Yang 2020): 4 nodes, 6 mixed edges, 15,625 architectures with known accuracies',
    create: (o) => createNb201Space(o) as SearchSpace,
    defaults: { initChannels: 16, layers: 5, ops: 'nb201', primitives: 'nb201', derive: 'argmax' },
    validate: fixedSteps('nb201', 4),
  },
  hypercuboid: {
    description: "sharpDARTS' differentiable hyperparameter grid search (HyperCuboid, MultiChannelNetwork): layers/2 grid layers of stride-1 and stride-2 blocks over --steps channel widths; the result is a path",
    create: (o) => createHypercuboidSpace(o) as SearchSpace,
    // The reference's train_search --multi_channel: C 16, 8 layers (4 grid layers), 4 widths; every op computed.
    defaults: { initChannels: 16, layers: 8, ops: 'hypercuboid', primitives: 'hypercuboid', derive: 'hypercuboid-paths', steps: 4, alwaysApplyOps: true },
    validate(cfg) {
      if (cfg.layers % 2 !== 0) throw new Error(`invalid configuration: --layers ${cfg.layers} is odd; the hypercuboid needs an even count (each grid layer is a stride-1 and a stride-2 block)`);
      // The reference skips an op by its softmax weight and then scales the rest by Max-W; the mixing
      // hands the network Max-W weights only, whose values no longer tell which ops to skip.
      if (cfg.mixing === 'max-w' && !cfg.alwaysApplyOps) throw new Error('invalid configuration: --no-always-apply-ops with --mixing max-w is not supported on the hypercuboid (the skip rule needs the softmax weights); keep --always-apply-ops');
      if (cfg.partialChannels > 1 || cfg.edgeNorm) throw new Error('invalid configuration: --partial-channels and --edge-norm act on cell edges; the hypercuboid has none (use --partial-channels 1 --edge-norm false)');
    },
  },
};

export function getSpaceDefinition(name: string): SpaceDefinition {
  const s = SPACES[name];
  if (!s) throw new Error(`--space: unknown search space '${name}' (known: ${Object.keys(SPACES).join(', ')})`);
  return s;
}

/** The space `name` built from an op table and primitives (each defaulting to the space's own). */
export function createSpace(name: string, o: SpaceOptions = {}): SearchSpace {
  return getSpaceDefinition(name).create(o);
}
