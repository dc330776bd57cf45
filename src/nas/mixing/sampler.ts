// A sampler turns an edge's α into the weights its candidate ops are mixed with: the softmax of
// DARTS, or GDAS' hard Gumbel-softmax sample. Randomness is drawn once per phase (`sample`) and the
// weights are a deterministic function of α and that draw (`opWeights`), so every forward of a phase
// sees the same sample.
import type { Tensor } from '../../torch/index.js';
import type { EdgePrimitives, TrainingProgress } from '../types.js';

export interface OpWeights {
  /** [edges × ops] */
  ops: Tensor;
  /** Per edge, the op indices to compute. */
  active: number[][];
  /** Add the skipped ops' weights as scalars (see CellWeights). */
  inactiveAsScalars: boolean;
}

export interface Sampler {
  readonly name: string;
  /** Options recorded in logs. */
  readonly options: Record<string, unknown>;
  /** The phase's draw for one cell type's α (no graph), or null. */
  draw(alpha: Tensor, progress: TrainingProgress): Tensor | null;
  opWeights(alpha: Tensor, draw: Tensor | null, progress: TrainingProgress, primitives: EdgePrimitives): OpWeights;
  scheduleValues(progress: TrainingProgress): Record<string, number>;
}

/**
 * Per edge, every op index except the named ones (whose output is zero, so skipping them is exact).
 * `primitives` is one list for every edge or one list per edge (R-DARTS' S1).
 */
export function activeOps(primitives: EdgePrimitives, edges: number, skip: readonly string[] = ['none']): number[][] {
  const rowOf = (ops: readonly string[]) => ops.map((_, i) => i).filter((i) => !skip.includes(ops[i]!));
  if (primitives.length > 0 && Array.isArray(primitives[0])) return (primitives as readonly (readonly string[])[]).map(rowOf);
  const row = rowOf(primitives as readonly string[]);
  return Array.from({ length: edges }, () => row);
}
