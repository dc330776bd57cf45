// Genotype derivation: reading a discrete cell off the architecture weights once search ends. Works on
// plain numbers (rows = edges in alpha row order, columns = ops in primitive order), so it is independent
// of the tensor layer and testable by hand; callers pass `softmax(alpha)` as nested arrays.
//
// Ties follow the references: edges are ranked with a stable sort (Python's `sorted` keeps the original
// order among equal keys, so the lower input index wins) and op argmaxes take the first maximum (the
// reference's strict `>` scan, and torch's `argmax`).

import { type DartsGene, type DartsGenotype, dartsCellEdges } from './spaces/darts-genotype.js';
import { type Nb201Edge, type Nb201Genotype, nb201CellEdges } from './spaces/nb201-genotype.js';

/** Rows = edges in alpha row order, columns = ops in primitive order. */
export type WeightMatrix = readonly (readonly number[])[];

function checkMatrix(where: string, weights: WeightMatrix, rows: number, rowMeaning: string, cols: number, colMeaning: string): void {
  if (!Array.isArray(weights) || weights.length !== rows) {
    throw new Error(
      `${where}: weights have ${Array.isArray(weights) ? weights.length : 'no'} rows but ${rowMeaning} need ${rows} (one per edge); pass one cell type's weights in alpha row order`,
    );
  }
  weights.forEach((row, r) => {
    if (!Array.isArray(row) || row.length !== cols) {
      throw new Error(
        `${where}: weight row ${r} has ${Array.isArray(row) ? row.length : 'no'} columns but ${colMeaning} need ${cols} (one per op, in primitive order)`,
      );
    }
    row.forEach((w, c) => {
      if (typeof w !== 'number' || !Number.isFinite(w)) {
        throw new Error(`${where}: weight at row ${r}, column ${c} is ${String(w)}; architecture weights must be finite (a NaN here usually means the search diverged)`);
      }
    });
  });
}

/** Index of the first maximum of `row` over the columns `allowed` accepts. */
function firstArgmax(row: readonly number[], allowed: (col: number) => boolean): number {
  let best = -1;
  for (let k = 0; k < row.length; k++) {
    if (allowed(k) && (best < 0 || (row[k] as number) > (row[best] as number))) best = k;
  }
  return best;
}

/** Indices 0..n-1 ordered by `strength` descending; equal strengths keep ascending index order (stable). */
function rankDescending(strength: readonly number[]): number[] {
  return strength.map((_, j) => j).sort((a, b) => (strength[b] as number) - (strength[a] as number));
}

function dartsEdgeCount(where: string, steps: number): number {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new Error(`${where}: steps must be a positive integer, got ${String(steps)}; the DARTS cell uses 4`);
  }
  return dartsCellEdges(steps).length;
}

function checkPrimitivesWithoutNone(where: string, primitives: readonly string[]): number {
  const none = primitives.indexOf('none');
  if (primitives.length === 0 || (primitives.length === 1 && none === 0)) {
    throw new Error(`${where}: primitives must name at least one op other than 'none', got [${primitives.join(', ')}]`);
  }
  return none;
}

/**
 * DARTS' derivation rule (§0.4 of the brief): for each intermediate node, rank its incoming edges by their
 * strongest non-`none` weight, keep the two strongest, and give each the argmax non-`none` op. Pairs come
 * out in strength order, as the reference emits them. `weights` must be softmax(alpha) (or PC-DARTS'
 * edge-normalised weights): raw alphas are not comparable across edges.
 */
export function deriveDartsCell(weights: WeightMatrix, primitives: readonly string[], steps = 4): DartsGene[] {
  const where = 'deriveDartsCell';
  const edges = dartsEdgeCount(where, steps);
  const none = checkPrimitivesWithoutNone(where, primitives);
  checkMatrix(where, weights, edges, `${steps} steps`, primitives.length, `${primitives.length} primitives`);
  const notNone = (k: number) => k !== none;
  const gene: DartsGene[] = [];
  let start = 0;
  for (let node = 0; node < steps; node++) {
    const rows = weights.slice(start, start + node + 2);
    const strength = rows.map((row) => row[firstArgmax(row, notNone)] as number);
    for (const input of rankDescending(strength).slice(0, 2)) {
      gene.push([primitives[firstArgmax(rows[input] as number[], notNone)] as string, input]);
    }
    start += node + 2;
  }
  return gene;
}

/**
 * A full DARTS genotype from the two cell types' weights; the concat is the last `multiplier` nodes,
 * `range(2 + steps - multiplier, steps + 2)` as in the reference (printed as a list).
 */
export function deriveDartsGenotype(
  normalWeights: WeightMatrix,
  reduceWeights: WeightMatrix,
  primitives: readonly string[],
  steps = 4,
  multiplier = 4,
): DartsGenotype {
  if (!Number.isInteger(multiplier) || multiplier < 1 || multiplier > steps) {
    throw new Error(`deriveDartsGenotype: multiplier must be an integer in 1..${steps} (nodes concatenated into the cell output), got ${String(multiplier)}`);
  }
  const concat: number[] = [];
  for (let k = 2 + steps - multiplier; k < steps + 2; k++) concat.push(k);
  return {
    normal: deriveDartsCell(normalWeights, primitives, steps),
    normalConcat: concat,
    reduce: deriveDartsCell(reduceWeights, primitives, steps),
    reduceConcat: [...concat],
  };
}

/**
 * AutoDL-Projects' rule for GDAS on the DARTS space: rank every (op, input) pair of a node jointly by its
 * weight, excluding `none`, and keep the two strongest pairs, so both may come from the same input. Pairs
 * are enumerated input-major, op-minor before the stable ranking, as the reference does.
 */
export function deriveTopTwoPairsCell(weights: WeightMatrix, primitives: readonly string[], steps = 4): DartsGene[] {
  const where = 'deriveTopTwoPairsCell';
  const edges = dartsEdgeCount(where, steps);
  const none = checkPrimitivesWithoutNone(where, primitives);
  checkMatrix(where, weights, edges, `${steps} steps`, primitives.length, `${primitives.length} primitives`);
  const gene: DartsGene[] = [];
  let start = 0;
  for (let node = 0; node < steps; node++) {
    const pairs: { op: number; input: number; weight: number }[] = [];
    for (let input = 0; input < node + 2; input++) {
      const row = weights[start + input] as readonly number[];
      row.forEach((weight, op) => {
        if (op !== none) pairs.push({ op, input, weight });
      });
    }
    const order = rankDescending(pairs.map((p) => p.weight));
    for (const k of order.slice(0, 2)) {
      const p = pairs[k] as { op: number; input: number };
      gene.push([primitives[p.op] as string, p.input]);
    }
    start += node + 2;
  }
  return gene;
}

/**
 * NAS-Bench-201 derivation (AutoDL-Projects' DARTS and GDAS models): every edge keeps its argmax op, `none`
 * included, so an edge can be cut. Rows follow `nb201CellEdges()` (1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2).
 * Softmax or raw alphas give the same result here, since each edge is decided on its own.
 */
export function deriveNb201(weights: WeightMatrix, ops: readonly string[], nodes = 3): Nb201Genotype {
  const where = 'deriveNb201';
  const edges = nb201CellEdges(nodes);
  if (ops.length === 0) throw new Error(`${where}: ops must not be empty; NAS-Bench-201 uses none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3`);
  checkMatrix(where, weights, edges.length, `${nodes} nodes`, ops.length, `${ops.length} ops`);
  const genotype: Nb201Edge[][] = [];
  edges.forEach((edge, row) => {
    const op = ops[firstArgmax(weights[row] as readonly number[], () => true)] as string;
    if (edge.input === 0) genotype.push([]);
    (genotype[edge.node - 1] as Nb201Edge[]).push([op, edge.input]);
  });
  return genotype;
}

function softmax(values: readonly number[]): number[] {
  // Shifted by the maximum so large betas cannot overflow exp().
  const max = Math.max(...values);
  const exps = values.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/** Betas of the edges into each node, softmaxed within the node (node 0 → [0:2], node 1 → [2:5], ...). */
function nodeSoftmax(where: string, betas: readonly number[], steps: number): number[] {
  const edges = dartsEdgeCount(where, steps);
  if (!Array.isArray(betas) || betas.length !== edges) {
    throw new Error(`${where}: betas have ${Array.isArray(betas) ? betas.length : 'no'} entries but ${steps} steps need ${edges} (one per edge)`);
  }
  betas.forEach((b, e) => {
    if (typeof b !== 'number' || !Number.isFinite(b)) throw new Error(`${where}: beta ${e} is ${String(b)}; edge betas must be finite`);
  });
  const out: number[] = [];
  let start = 0;
  for (let node = 0; node < steps; node++) {
    out.push(...softmax(betas.slice(start, start + node + 2)));
    start += node + 2;
  }
  return out;
}

/**
 * PC-DARTS' edge-normalised weights (brief §2.3): W[e][op] = softmax(alpha)[e][op] · softmax_node(beta)[e],
 * where each node's betas are softmaxed over its own incoming edges only. Feed the result to
 * `deriveDartsCell` to reproduce PC-DARTS' `genotype()`.
 */
export function combineEdgeNormalization(alphaSoftmax: WeightMatrix, betas: readonly number[], steps = 4): number[][] {
  const where = 'combineEdgeNormalization';
  const edgeWeights = nodeSoftmax(where, betas, steps);
  const cols = Array.isArray(alphaSoftmax) && Array.isArray(alphaSoftmax[0]) ? alphaSoftmax[0].length : 0;
  if (cols === 0) throw new Error(`${where}: alphaSoftmax must be a non-empty matrix (rows = edges, columns = ops)`);
  checkMatrix(where, alphaSoftmax, edgeWeights.length, `${steps} steps`, cols, 'all rows');
  return alphaSoftmax.map((row, e) => row.map((w) => w * (edgeWeights[e] as number)));
}

/**
 * ROME's final architecture (paper §3, "argmax p(z; alpha, beta)"): topology and ops are chosen separately —
 * each node keeps the two edges with the largest betas, and each kept edge its argmax op (ignoring `none`
 * when the space has it; ROME's own space has none). Pairs come out in beta order, ties to the lower input.
 * Betas may be raw or softmaxed: a per-node softmax does not change the order within a node.
 */
export function deriveRomeCell(alphaSoftmax: WeightMatrix, betas: readonly number[], primitives: readonly string[], steps = 4): DartsGene[] {
  const where = 'deriveRomeCell';
  const edges = dartsEdgeCount(where, steps);
  const none = checkPrimitivesWithoutNone(where, primitives);
  checkMatrix(where, alphaSoftmax, edges, `${steps} steps`, primitives.length, `${primitives.length} primitives`);
  nodeSoftmax(where, betas, steps); // validates length and values
  const notNone = (k: number) => k !== none;
  const gene: DartsGene[] = [];
  let start = 0;
  for (let node = 0; node < steps; node++) {
    const nodeBetas = betas.slice(start, start + node + 2);
    for (const input of rankDescending(nodeBetas).slice(0, 2)) {
      gene.push([primitives[firstArgmax(alphaSoftmax[start + input] as readonly number[], notNone)] as string, input]);
    }
    start += node + 2;
  }
  return gene;
}
