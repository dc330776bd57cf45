// Derivation rules: how a method reads a discrete genotype off its architecture weights. A rule
// belongs to the method, not the space (PC-DARTS ranks edges by α·β, GDAS on NAS-Bench-201 takes
// each edge's argmax); each rule states which cell topology it applies to.
import { deriveDartsCell, deriveNb201, deriveRomeCell, deriveTopTwoPairsCell, type WeightMatrix } from './derive.js';
import type { DartsGenotype } from './spaces/darts-genotype.js';
import { deriveHypercuboidPaths, weightGridFromRows } from './spaces/hypercuboid-genotype.js';
import type { DerivationWeights, SearchSpaceInfo } from './types.js';

export interface Derivation {
  readonly name: string;
  readonly description: string;
  readonly topology: SearchSpaceInfo['topology'];
  derive(space: SearchSpaceInfo, w: DerivationWeights): unknown;
}

/** Op weights scaled by each edge's normalised weight when the mixing has one (PC-DARTS' α·β). */
export function edgeScaled(w: { ops: WeightMatrix; edges?: readonly number[] }): WeightMatrix {
  const edges = w.edges;
  return edges ? w.ops.map((row, e) => row.map((v) => v * edges[e]!)) : w.ops;
}

/**
 * With per-edge op lists (R-DARTS' S1) α's columns differ per edge: spread each row over the columns
 * of `space.primitives` (the union), ops an edge lacks at weight 0. Weights are softmax values, > 0
 * for every real op, so the rules below never pick an absent op and rank edges as on the edge's own ops.
 */
export function onUnionColumns(space: SearchSpaceInfo, cellType: string, m: WeightMatrix): WeightMatrix {
  const lists = space.edgePrimitives?.[cellType];
  if (!lists) return m;
  return m.map((row, e) => space.primitives.map((p) => {
    const k = lists[e]!.indexOf(p);
    return k < 0 ? 0 : row[k]!;
  }));
}

/** A DARTS genotype from a per-cell rule; every intermediate node is concatenated into the output. */
function dartsGenotype(space: SearchSpaceInfo, w: DerivationWeights, cell: (weights: { ops: WeightMatrix; edges?: number[] }) => DartsGenotype['normal']): DartsGenotype {
  const concat = Array.from({ length: space.steps }, (_, i) => i + 2);
  const of = (t: string) => {
    const cw = w[t]!;
    return { ops: onUnionColumns(space, t, cw.ops), ...(cw.edges ? { edges: cw.edges } : {}) };
  };
  return { normal: cell(of('normal')), normalConcat: concat, reduce: cell(of('reduce')), reduceConcat: [...concat] };
}

export const DERIVATIONS: Record<string, Derivation> = {
  'darts-top2': {
    name: 'darts-top2',
    description: "DARTS: per node the 2 incoming edges with the strongest non-'none' op, each with that op (ranked by α·β when β exists)",
    topology: 'darts-cell',
    derive: (space, w) => dartsGenotype(space, w, (m) => deriveDartsCell(edgeScaled(m), space.primitives, space.steps)),
  },
  'top2-pairs': {
    name: 'top2-pairs',
    description: "AutoDL-Projects' GDAS rule on the DARTS space: per node the 2 strongest (op, input) pairs, which may share an input",
    topology: 'darts-cell',
    derive: (space, w) => dartsGenotype(space, w, (m) => deriveTopTwoPairsCell(edgeScaled(m), space.primitives, space.steps)),
  },
  rome: {
    name: 'rome',
    description: 'ROME: topology and ops read off separately — per node the 2 incoming edges with the largest β, each with its argmax-α op',
    topology: 'darts-cell',
    derive: (space, w) =>
      dartsGenotype(space, w, (m) => {
        if (!m.edges) throw new Error("--derive: 'rome' ranks edges by β, but this mixing has none; use --topology gumbel-top2 (ROME) or --edge-norm, or --derive darts-top2");
        return deriveRomeCell(m.ops, m.edges, space.primitives, space.steps);
      }),
  },
  argmax: {
    name: 'argmax',
    description: "NAS-Bench-201: every edge keeps its argmax op ('none' included)",
    topology: 'nb201-cell',
    derive: (space, w) => deriveNb201(edgeScaled(w.cell!), space.primitives),
  },
  'hypercuboid-paths': {
    name: 'hypercuboid-paths',
    description: "sharpDARTS' grid search: the longest path through the weighted grid and the greedy top-down and bottom-up paths, with the whole weight grid",
    topology: 'hypercuboid',
    derive: (space, w) => {
      if (!space.grid) throw new Error(`--derive hypercuboid-paths: the '${space.name}' space has no grid`);
      return deriveHypercuboidPaths(space.grid, weightGridFromRows(w.grid!.ops, space.grid));
    },
  },
};

export function getDerivation(name: string, space: SearchSpaceInfo): Derivation {
  const d = DERIVATIONS[name];
  if (!d) throw new Error(`--derive: unknown derivation '${name}' (known: ${Object.keys(DERIVATIONS).join(', ')})`);
  if (d.topology !== space.topology) {
    const fits = Object.values(DERIVATIONS).filter((x) => x.topology === space.topology).map((x) => x.name);
    throw new Error(`--derive: '${name}' derives ${d.topology}s, but the '${space.name}' space has ${space.topology}s; use ${fits.join(' or ')}`);
  }
  return d;
}
