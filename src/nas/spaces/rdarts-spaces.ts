// The reduced DARTS spaces of R-DARTS (Zela et al. 2020, "Understanding and Robustifying
// Differentiable Architecture Search", §3; automl/RobustDARTS src/spaces.py), where DARTS' failure
// modes show up quickly: S2–S4 give every edge the same small op list (named primitive lists in
// op-tables.ts); S1 gives every edge its own pair of ops, different for normal and reduction cells.
// The S1 pairs are the reference's data (edges in α row order: node 0 ← inputs 0, 1; node 1 ← 0, 1, 2; …);
// the order inside each pair is α's column order, as in the reference.

/** S2: skip or separable conv on every edge. */
export const RDARTS_S2: readonly string[] = Object.freeze(['skip_connect', 'sep_conv_3x3']);
/** S3: S2 plus the zero op. */
export const RDARTS_S3: readonly string[] = Object.freeze(['none', 'skip_connect', 'sep_conv_3x3']);
/** S4: a separable conv against an op that outputs pure Gaussian noise. */
export const RDARTS_S4: readonly string[] = Object.freeze(['noise', 'sep_conv_3x3']);

type EdgeLists = readonly (readonly string[])[];
const pairs = (rows: [string, string][]): EdgeLists => Object.freeze(rows.map((r) => Object.freeze(r)));

/** S1: per cell type, one pair of ops per edge (14 edges). */
export const RDARTS_S1: Readonly<Record<'normal' | 'reduce', EdgeLists>> = Object.freeze({
  normal: pairs([
    ['skip_connect', 'dil_conv_3x3'],
    ['skip_connect', 'dil_conv_5x5'],
    ['skip_connect', 'dil_conv_5x5'],
    ['skip_connect', 'sep_conv_3x3'],
    ['skip_connect', 'dil_conv_3x3'],
    ['max_pool_3x3', 'skip_connect'],
    ['skip_connect', 'sep_conv_3x3'],
    ['skip_connect', 'sep_conv_3x3'],
    ['skip_connect', 'dil_conv_3x3'],
    ['skip_connect', 'sep_conv_3x3'],
    ['max_pool_3x3', 'skip_connect'],
    ['skip_connect', 'dil_conv_3x3'],
    ['dil_conv_3x3', 'dil_conv_5x5'],
    ['dil_conv_3x3', 'dil_conv_5x5'],
  ]),
  reduce: pairs([
    ['max_pool_3x3', 'avg_pool_3x3'],
    ['max_pool_3x3', 'dil_conv_3x3'],
    ['max_pool_3x3', 'avg_pool_3x3'],
    ['max_pool_3x3', 'avg_pool_3x3'],
    ['skip_connect', 'dil_conv_5x5'],
    ['max_pool_3x3', 'avg_pool_3x3'],
    ['max_pool_3x3', 'sep_conv_3x3'],
    ['skip_connect', 'dil_conv_3x3'],
    ['skip_connect', 'dil_conv_5x5'],
    ['max_pool_3x3', 'avg_pool_3x3'],
    ['max_pool_3x3', 'avg_pool_3x3'],
    ['skip_connect', 'dil_conv_5x5'],
    ['skip_connect', 'dil_conv_5x5'],
    ['skip_connect', 'dil_conv_5x5'],
  ]),
});

/** Per-edge primitive lists by name, selectable with --primitives on the DARTS space. */
export const EDGE_PRIMITIVE_LISTS: Readonly<Record<string, Readonly<Record<string, EdgeLists>>>> = { s1: RDARTS_S1 };

/** The per-edge list `value` names (a single name such as ['s1']), or undefined. */
export function edgePrimitiveList(value: readonly string[]): Readonly<Record<string, EdgeLists>> | undefined {
  return value.length === 1 ? EDGE_PRIMITIVE_LISTS[value[0]!] : undefined;
}
