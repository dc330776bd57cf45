// Search spaces by name.
import type { SearchSpace } from '../types.js';
import { dartsSpace } from './darts-space.js';
import { nb201Space } from './nb201-space.js';

export const SPACES: Record<string, SearchSpace> = { darts: dartsSpace as SearchSpace, nb201: nb201Space as SearchSpace };

export function getSpace(name: string): SearchSpace {
  const s = SPACES[name];
  if (!s) throw new Error(`unknown search space '${name}' (known: ${Object.keys(SPACES).join(', ')})`);
  return s;
}
