// Per-epoch statistics of a search, from plain numbers: how many parameter-free ops the derived cell
// holds (the DARTS collapse: skip connections and pools crowd out convolutions; DARTS+, Liang et al.
// 2019; RobustDARTS, Zela et al. 2020) and how decided each edge is (entropy of its op distribution and
// the margin between its two strongest ops; a collapse shows as edges decided early for skip_connect).
import { parseNb201 } from '../spaces/nb201-genotype.js';

/** Ops without weights in the DARTS and NAS-Bench-201 spaces (inside a cell, pools there need no 1×1 conv). */
export const PARAMETER_FREE_OPS: readonly string[] = Object.freeze(['none', 'skip_connect', 'max_pool_3x3', 'avg_pool_3x3']);

/** The ops of the cell a collapse is judged on: DARTS' normal cell, or NAS-Bench-201's only cell. */
export function judgedCellOps(genotypeJSON: unknown): { cell: 'normal' | 'cell' | 'path'; ops: string[] } {
  const g = genotypeJSON as { space?: unknown; normal?: unknown; arch?: unknown; longestPath?: unknown } | null;
  if (g && g.space === 'darts' && Array.isArray(g.normal)) {
    return { cell: 'normal', ops: g.normal.map((gene, i) => {
      const op = Array.isArray(gene) ? gene[0] : undefined;
      if (typeof op !== 'string') throw new Error(`genotype JSON normal cell at position ${i} must be a pair [op, input], got ${JSON.stringify(gene)}`);
      return op;
    }) };
  }
  if (g && g.space === 'nb201' && typeof g.arch === 'string') {
    return { cell: 'cell', ops: parseNb201(g.arch).flatMap((node) => node.map(([op]) => op)) };
  }
  // sharpDARTS' hypercuboid: the op types on its longest path (its op nodes end in _op_type_<op>_opid_<i>).
  if (g && g.space === 'hypercuboid' && Array.isArray(g.longestPath)) {
    return { cell: 'path', ops: g.longestPath.flatMap((n) => /_op_type_(\w+?)_opid_\d+$/.exec(String(n))?.slice(1, 2) ?? []) };
  }
  throw new Error(`genotype JSON must be {"space":"darts","normal":[...],...} or {"space":"nb201","arch":"|...|"}, got ${JSON.stringify(genotypeJSON)?.slice(0, 80)}`);
}

/** Parameter-free ops in the judged cell (see judgedCellOps). */
export function countParameterFreeOps(genotypeJSON: unknown): number {
  return judgedCellOps(genotypeJSON).ops.filter((op) => PARAMETER_FREE_OPS.includes(op)).length;
}

/** skip_connect ops in the judged cell: DARTS+'s stopping signal. */
export function countSkipConnects(genotypeJSON: unknown): number {
  return judgedCellOps(genotypeJSON).ops.filter((op) => op === 'skip_connect').length;
}

function assertRows(where: string, weights: readonly (readonly number[])[]): void {
  if (!Array.isArray(weights)) throw new Error(`${where}: weights must be an [edges × ops] array of numbers`);
  weights.forEach((row, e) => {
    if (!Array.isArray(row) || row.length === 0 || row.some((p) => typeof p !== 'number' || !Number.isFinite(p) || p < 0)) {
      throw new Error(`${where}: edge ${e} must be a non-empty row of finite, non-negative op weights, got ${JSON.stringify(row)?.slice(0, 80)}`);
    }
  });
}

/**
 * Shannon entropy (nats) of each edge's op distribution; rows are renormalised, so softmax weights
 * and unnormalised non-negative weights give the same answer. ln(ops) means undecided, 0 decided.
 */
export function edgeEntropy(weights: readonly (readonly number[])[]): number[] {
  assertRows('edgeEntropy', weights);
  return weights.map((row) => {
    const total = row.reduce((a, b) => a + b, 0);
    if (total === 0) return 0;
    const sum = row.reduce((h, p) => (p > 0 ? h + (p / total) * Math.log(p / total) : h), 0);
    return sum === 0 ? 0 : -sum; // a decided edge has entropy 0, not -0
  });
}

/** For each edge, the weight of its strongest op minus that of the second strongest (all ops, 'none' included). */
export function edgeMargin(weights: readonly (readonly number[])[]): number[] {
  assertRows('edgeMargin', weights);
  return weights.map((row) => {
    const sorted = [...row].sort((a, b) => b - a);
    return (sorted[0] ?? 0) - (sorted[1] ?? 0);
  });
}
