// Search spaces by name. A space is made per run from its op table and primitives list.
import type { SearchSpace } from '../types.js';
import { createDartsSpace } from './darts-space.js';
import { createNb201Space } from './nb201-space.js';

export interface SpaceDefinition {
  readonly description: string;
  create(o: { primitives?: readonly string[]; ops?: string }): SearchSpace;
  /** The space's shape and own parts, the base its method presets build on. */
  readonly defaults: { initChannels: number; layers: number; ops: string; primitives: string; derive: 'darts-top2' | 'argmax' };
}

export const SPACES: Record<string, SpaceDefinition> = {
  darts: {
    description: 'DARTS CNN cells (Liu et al. 2019): 4 intermediate nodes, 14 mixed edges, normal and reduction cells',
    create: (o) => createDartsSpace(o) as SearchSpace,
    defaults: { initChannels: 16, layers: 8, ops: 'darts', primitives: 'darts', derive: 'darts-top2' },
  },
  nb201: {
    description: 'NAS-Bench-201 cells (Dong & Yang 2020): 4 nodes, 6 mixed edges, 15,625 architectures with known accuracies',
    create: (o) => createNb201Space(o) as SearchSpace,
    defaults: { initChannels: 16, layers: 5, ops: 'nb201', primitives: 'nb201', derive: 'argmax' },
  },
};

export function getSpaceDefinition(name: string): SpaceDefinition {
  const s = SPACES[name];
  if (!s) throw new Error(`--space: unknown search space '${name}' (known: ${Object.keys(SPACES).join(', ')})`);
  return s;
}

/** The space `name` built from an op table and primitives (each defaulting to the space's own). */
export function createSpace(name: string, o: { primitives?: readonly string[]; ops?: string } = {}): SearchSpace {
  return getSpaceDefinition(name).create(o);
}
