// The small interfaces the NAS layer is built from. A method is a composition of a mixing (how an
// edge combines its candidate ops), an update (how architecture parameters and weights learn) and
// a derivation (how a genotype is read off); a search space supplies ops, cells and genotypes.
import type { Module } from '../nn/index.js';
import type { Tensor } from '../torch/index.js';

/** Architecture parameters by name (alphas_normal, alphas_reduce, betas_normal, …). */
export type ArchParams = Record<string, Tensor>;

/**
 * What one cell type needs in its forward pass, computed once per forward from the arch params:
 * `ops` [edges × ops] weights each edge applies to its candidate ops, optional `edges` [edges]
 * weights each node applies to its incoming edges (PC-DARTS edge normalisation), and `active`,
 * per edge the op indices worth computing (ops with weight exactly zero, such as DARTS' 'none',
 * contribute nothing to the output or to any gradient, so skipping them is exact).
 */
export interface CellWeights {
  ops: Tensor;
  edges?: Tensor;
  active: number[][];
}

/** A supernet edge: candidate ops on one input, combined by the mixing. */
export interface MixedEdgeModule extends Module {
  forward(x: Tensor, opWeights: Tensor, active: readonly number[]): Tensor;
}

/** Builds a candidate op of a search space for `channels` channels and the given stride. */
export type OpFactory = (primitive: string, channels: number, stride: number) => Module;

export interface Mixing {
  readonly name: string;
  /** Arch params this mixing adds beyond alphas (e.g. PC-DARTS' betas), initialised by the caller's RNG. */
  createExtraArchParams(space: SearchSpaceInfo): ArchParams;
  /** Builds one supernet edge. */
  createEdge(primitives: readonly string[], makeOp: OpFactory, channels: number, stride: number): MixedEdgeModule;
  /** Differentiable per-cell-type weights for a forward pass. */
  cellWeights(arch: ArchParams, space: SearchSpaceInfo): Record<string, CellWeights>;
  /** Plain-number weights [edges × ops] per cell type that a derivation rule ranks. */
  derivationWeights(arch: ArchParams, space: SearchSpaceInfo): Record<string, number[][]>;
}

/** The static facts of a search space that mixings and updates need. */
export interface SearchSpaceInfo {
  readonly name: string;
  readonly primitives: readonly string[];
  /** Cell types that carry their own arch params, e.g. ['normal', 'reduce'] or ['cell']. */
  readonly cellTypes: readonly string[];
  readonly edgesPerCell: number;
  /** Node index of each edge's target and the node count, for per-node edge normalisation. */
  readonly edgeTargets: readonly number[];
}

/** A supernet: weights are Module parameters; arch params are held outside and passed as weights. */
export interface Supernet extends Module {
  forward(x: Tensor, weights: Record<string, CellWeights>): Tensor;
  /**
   * Optional memory-lean path: the loss and its gradients w.r.t. `inputs`, recomputing the first
   * `cells` cells during backward instead of keeping their activations.
   */
  lossAndGradients?(x: Tensor, y: Tensor, weights: Record<string, CellWeights>, inputs: Tensor[], cells: number): { loss: Tensor; correct: number; grads: (Tensor | null)[] };
}

export interface SupernetOptions {
  inChannels: number;
  numClasses: number;
  /** Initial channels (C). */
  initChannels: number;
  /** DARTS: number of cells; NB201: cells per stage (N). */
  layers: number;
}

/** A search space: static facts, its supernet, its arch params and its genotype format. */
export interface SearchSpace<G = unknown> extends SearchSpaceInfo {
  readonly defaults: { initChannels: number; layers: number };
  createSupernet(opts: SupernetOptions, mixing: Mixing): Supernet;
  /** Derives a genotype from per-cell-type weights [edges × ops] (plain numbers). */
  derive(weights: Record<string, number[][]>): G;
  formatGenotype(g: G): string;
  genotypeToJSON(g: G): object;
  parseGenotype(text: string): G;
}
