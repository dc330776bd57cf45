// What a hypercuboid search yields (sharpDARTS train_search.py --multi_channel): not a cell but
// paths through the weighted grid — the longest path (networkx dag_longest_path) and the greedy
// top-down and bottom-up walks (gen_greedy_path) — kept with the whole softmax weight grid (its
// 'raw_weights' layout), so another path rule can be applied later without rerunning the search.
import { dagLongestPath, greedyPath, type HypercuboidGraphOptions, hypercuboidGraph } from './hypercuboid-paths.js';

/** weights[stride][layer][cIn][cOut][primitive]: strides 2, then grid layers, widths, widths, primitives. */
export type HypercuboidWeightGrid = number[][][][][];

export interface HypercuboidGenotype {
  channels: number[];
  gridLayers: number;
  primitives: string[];
  longestPath: string[];
  greedyTopDown: string[];
  greedyBottomUp: string[];
  weights: HypercuboidWeightGrid;
}

/** Rows of α as the mixing sees them ([2·L][W·W·P], row = stride·L + layer) → the nested grid. */
export function weightGridFromRows(rows: readonly (readonly number[])[], o: HypercuboidGraphOptions): HypercuboidWeightGrid {
  const { channels, gridLayers, primitives } = o;
  const w = channels.length;
  const p = primitives.length;
  if (rows.length !== 2 * gridLayers || rows.some((r) => r.length !== w * w * p)) {
    throw new Error(`hypercuboid: weights need ${2 * gridLayers} rows of ${w * w * p} (2 strides × ${gridLayers} layers; ${w}×${w} widths × ${p} primitives)`);
  }
  return [0, 1].map((s) =>
    Array.from({ length: gridLayers }, (_, l) => Array.from({ length: w }, (_, i) => Array.from({ length: w }, (_, k) => rows[s * gridLayers + l]!.slice((i * w + k) * p, (i * w + k + 1) * p)))),
  );
}

/** The three paths of the reference, read off a weight grid. */
export function deriveHypercuboidPaths(o: HypercuboidGraphOptions, weights: HypercuboidWeightGrid): HypercuboidGenotype {
  const g = hypercuboidGraph(o, weights);
  return {
    channels: [...o.channels],
    gridLayers: o.gridLayers,
    primitives: [...o.primitives],
    longestPath: dagLongestPath(g),
    greedyTopDown: greedyPath(g, 'top_down'),
    greedyBottomUp: greedyPath(g, 'bottom_up'),
    weights,
  };
}

const OP_NODE = /^layer_(\d+)_stride_(\d)_c_in_(\d+)_c_out_(\d+)_op_type_(\w+?)_opid_\d+$/;

/**
 * One line for logs: the ops on the longest path, as `layer.stride:cIn→cOut:op`. The full paths and
 * the grid are in the JSON form (genotype.json); a line per epoch stays short.
 */
export function formatHypercuboidGenotype(g: HypercuboidGenotype): string {
  const ops = g.longestPath.flatMap((n) => {
    const m = OP_NODE.exec(n);
    return m ? [`${m[1]}.${m[2]}:${m[3]}→${m[4]}:${m[5]}`] : [];
  });
  return `HyperCuboidPath(${ops.join(', ')})`;
}

/** JSON form, as written to runs/<name>/genotype.json. */
export function hypercuboidGenotypeToJSON(g: HypercuboidGenotype): object {
  return { space: 'hypercuboid', ...g };
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** Reads the JSON form (an object or its text); extra keys (genotype.json's "genotype" line) are ignored. */
export function parseHypercuboidGenotype(input: string | object): HypercuboidGenotype {
  let o: Record<string, unknown>;
  try {
    o = (typeof input === 'string' ? JSON.parse(input) : input) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`hypercuboid genotype: not JSON (${(e as Error).message})`);
  }
  if (o === null || typeof o !== 'object' || o.space !== 'hypercuboid') throw new Error('hypercuboid genotype: expected the JSON form with "space": "hypercuboid" (genotype.json of a --space hypercuboid search)');
  const channels = o.channels;
  const gridLayers = o.gridLayers;
  if (!Array.isArray(channels) || !channels.every((c) => Number.isInteger(c) && c > 0)) throw new Error('hypercuboid genotype: "channels" must be a list of positive integers');
  if (!Number.isInteger(gridLayers) || (gridLayers as number) < 1) throw new Error('hypercuboid genotype: "gridLayers" must be a positive integer');
  for (const key of ['primitives', 'longestPath', 'greedyTopDown', 'greedyBottomUp'] as const) {
    if (!isStrings(o[key])) throw new Error(`hypercuboid genotype: "${key}" must be a list of strings`);
  }
  if (!Array.isArray(o.weights)) throw new Error('hypercuboid genotype: "weights" must be the nested weight grid [2][layers][widths][widths][primitives]');
  const g: HypercuboidGenotype = {
    channels: channels as number[],
    gridLayers: gridLayers as number,
    primitives: o.primitives as string[],
    longestPath: o.longestPath as string[],
    greedyTopDown: o.greedyTopDown as string[],
    greedyBottomUp: o.greedyBottomUp as string[],
    weights: o.weights as HypercuboidWeightGrid,
  };
  // Rebuilding the graph checks the grid's shape against channels, layers and primitives.
  hypercuboidGraph(g, g.weights);
  return g;
}
