// sharpDARTS' hypercuboid as a search space of the ordinary loop. Its α, [2, L, W, W, P] in the
// reference, is held as one 'grid' cell type of 2·L rows (row = stride·L + layer) by W·W·P columns
// (cIn, cOut, primitive; the same numbers in the same order): a row is exactly one of the
// reference's softmax blocks, so the mixings' row-wise softmax and Max-W's row max are the
// reference's per-(stride, layer) softmax and grid max, and the arch parameters, optimizers,
// checkpoints and update rules need nothing new.
import type { Tensor } from '../../torch/index.js';
import type { CellWeights, Mixing, SearchSpace, Supernet, SupernetOptions } from '../types.js';
import { HYPERCUBOID_OPS, HYPERCUBOID_PRIMITIVES, HyperCuboidNetwork, hypercuboidChannels } from './hypercuboid.js';
import { formatHypercuboidGenotype, type HypercuboidGenotype, hypercuboidGenotypeToJSON, parseHypercuboidGenotype } from './hypercuboid-genotype.js';
import { getOpTable, resolvePrimitives } from './op-tables.js';

export const HYPERCUBOID_CELL = 'grid';

export interface HypercuboidSpaceOptions {
  primitives?: readonly string[];
  ops?: string;
  initChannels?: number;
  /** Even: two per grid layer. */
  layers?: number;
  /** Number of channel widths. */
  steps?: number;
  alwaysApplyOps?: boolean;
}

/** The supernet: the HyperCuboid network fed the 'grid' weights reshaped to its [2, L, W, W, P]. */
export class HypercuboidSupernet extends HyperCuboidNetwork implements Supernet {
  override forward(x: Tensor, weights: Tensor | Record<string, CellWeights>): Tensor {
    const cell = (weights as Record<string, CellWeights>)[HYPERCUBOID_CELL];
    if (!cell) return super.forward(x, weights as Tensor);
    const grid = cell.ops.reshape(this.archShape);
    try {
      return super.forward(x, grid);
    } finally {
      grid.dispose();
    }
  }
}

/** Column labels of a 'grid' row: cIn → cOut with a primitive, in α's order. */
export function gridColumns(channels: readonly number[], primitives: readonly string[]): string[] {
  return channels.flatMap((cIn) => channels.flatMap((cOut) => primitives.map((p) => `${cIn}>${cOut}:${p}`)));
}

export function createHypercuboidSpace(o: HypercuboidSpaceOptions = {}): SearchSpace<HypercuboidGenotype> {
  const table = getOpTable(o.ops ?? 'hypercuboid');
  const primitives = Object.freeze(resolvePrimitives(o.primitives ?? HYPERCUBOID_PRIMITIVES, table));
  const layers = o.layers ?? 8;
  if (!Number.isInteger(layers) || layers < 2 || layers % 2 !== 0) throw new Error(`--layers: the hypercuboid needs an even count (each grid layer is a stride-1 and a stride-2 block), got ${layers}`);
  const steps = o.steps ?? 4;
  const channels = hypercuboidChannels(o.initChannels ?? 16, steps);
  const gridLayers = layers / 2;
  const grid = Object.freeze({ channels, gridLayers, primitives });
  const rows = 2 * gridLayers;
  return {
    name: 'hypercuboid',
    ops: table.name,
    // α's columns; a derivation reads the grid's own primitives from `grid`.
    primitives: Object.freeze(gridColumns(channels, primitives)),
    cellTypes: [HYPERCUBOID_CELL],
    edgesPerCell: rows,
    edgeTargets: Array.from({ length: rows }, (_, r) => r),
    topology: 'hypercuboid',
    steps,
    grid,
    createSupernet: (opts: SupernetOptions, _mixing: Mixing) => {
      // The grid's shape was fixed when the space was made (α depends on it); the supernet must agree.
      if (opts.layers !== layers || hypercuboidChannels(opts.initChannels, steps)[0] !== channels[0]) {
        throw new Error(`hypercuboid: the supernet (C=${opts.initChannels}, layers ${opts.layers}) differs from the space (C=${channels[0]}, layers ${layers}); build both from one config`);
      }
      return new HypercuboidSupernet({ initChannels: opts.initChannels, numClasses: opts.numClasses, inChannels: opts.inChannels, layers, steps, primitives, ops: HYPERCUBOID_OPS, alwaysApplyOps: o.alwaysApplyOps ?? true });
    },
    formatGenotype: formatHypercuboidGenotype,
    genotypeToJSON: hypercuboidGenotypeToJSON,
    parseGenotype: (text) => parseHypercuboidGenotype(text),
  };
}
