// The small interfaces the NAS layer is built from. A method is a composition of parts: a mixing
// (how an edge combines its candidate ops from α: a sampler, optional partial channels, optional
// edge normalisation), an update rule (how architecture parameters and weights learn), a derivation
// (how a genotype is read off), optimizers and a learning-rate schedule; a search space supplies
// ops (from an op table), cells, the supernet and the genotype format.
import type { Module } from '../nn/index.js';
import type { Tensor } from '../torch/index.js';
import type { HypercuboidGraphOptions } from './spaces/hypercuboid-paths.js';

/** Architecture parameters by name (alphas_normal, alphas_reduce, betas_normal, …). */
export type ArchParams = Record<string, Tensor>;

/** Where training stands; parts with schedules (Gumbel temperature) read it. */
export interface TrainingProgress {
  /** 0-based epoch. */
  epoch: number;
  epochs: number;
  /** 0-based step within the epoch. */
  step: number;
  stepsPerEpoch: number;
  /** Share of the whole run done before this step, in [0, 1). */
  fraction: number;
}

export function progressAt(epoch: number, epochs: number, step = 0, stepsPerEpoch = 1): TrainingProgress {
  return { epoch, epochs, step, stepsPerEpoch, fraction: (epoch * stepsPerEpoch + step) / Math.max(1, epochs * stepsPerEpoch) };
}

/**
 * What one cell type needs in its forward pass: `ops` [edges × ops] weights each edge applies to its
 * candidate ops, optional `edges` [edges] weights each node applies to its incoming edges (PC-DARTS
 * edge normalisation), `active`, per edge the op indices worth computing (ops whose weight is exactly
 * zero, such as DARTS' 'none' or a single-path sample's unselected ops, contribute nothing to the
 * output), and `inactiveAsScalars`: add each skipped op's weight to the edge output as a scalar, as
 * GDAS' forward does, so every α of the edge receives a gradient while only the chosen op runs.
 */
export interface CellWeights {
  ops: Tensor;
  edges?: Tensor;
  active: number[][];
  inactiveAsScalars?: boolean;
  /**
   * Per edge, whether it is computed (ROME's sampled topology). An edge marked false is not run at
   * all: it adds its edge weight (value 0, straight-through) to its node as a scalar, so its β still
   * receives a gradient while the cell costs what a single path costs. Absent: every edge runs.
   */
  activeEdges?: boolean[];
}

/** One edge's share of CellWeights. */
export interface EdgeWeights {
  /** [ops] */
  ops: Tensor;
  active: readonly number[];
  inactiveAsScalars: boolean;
}

/** A supernet edge: candidate ops on one input, combined by the mixing. */
export interface MixedEdgeModule extends Module {
  forward(x: Tensor, w: EdgeWeights): Tensor;
}

/** Builds a search-time candidate op for `channels` channels and the given stride. */
export type OpFactory = (primitive: string, channels: number, stride: number) => Module;

/**
 * The random draw of one phase (weight update or architecture update), e.g. GDAS' Gumbel noise, or
 * null for deterministic samplers. Every forward of the phase reuses it, so a second-order
 * architecture step sees one sample in all of its forwards.
 */
export type PhaseSample = Record<string, Tensor> | null;

/** Plain-number weights a derivation rule ranks, per cell type: ops [edges × ops], edges [edges]. */
export type DerivationWeights = Record<string, { ops: number[][]; edges?: number[] }>;

export interface Mixing {
  readonly name: string;
  /** The mixing's parts and options, recorded in logs. */
  readonly description: Record<string, unknown>;
  /** Arch params this mixing adds beyond alphas (e.g. PC-DARTS' betas), drawn from the caller's RNG. */
  createExtraArchParams(space: SearchSpaceInfo): ArchParams;
  /** Builds one supernet edge. */
  createEdge(primitives: readonly string[], makeOp: OpFactory, channels: number, stride: number): MixedEdgeModule;
  /** Draws a phase's sample (no graph); null when the mixing does not sample. */
  sample(arch: ArchParams, space: SearchSpaceInfo, progress: TrainingProgress): PhaseSample;
  /** Differentiable per-cell-type weights for one forward, a function of α and the phase's sample. */
  cellWeights(arch: ArchParams, space: SearchSpaceInfo, sample: PhaseSample, progress: TrainingProgress): Record<string, CellWeights>;
  /** Plain-number weights a derivation rule ranks. */
  derivationWeights(arch: ArchParams, space: SearchSpaceInfo): DerivationWeights;
  /** Scheduled values worth logging each epoch (e.g. { tau }). */
  scheduleValues(progress: TrainingProgress): Record<string, number>;
}

/** The static facts of a search space that mixings, updates and derivations need. */
export interface SearchSpaceInfo {
  readonly name: string;
  /** α's column names; with `edgePrimitives`, the union of every edge's ops (for genotypes). */
  readonly primitives: readonly string[];
  /**
   * Per cell type, per edge (α row order), the ops of that edge when edges differ (R-DARTS' S1:
   * two ops per edge, different on every edge); α's columns then follow each edge's own list.
   */
  readonly edgePrimitives?: Readonly<Record<string, readonly (readonly string[])[]>>;
  /** Cell types that carry their own arch params, e.g. ['normal', 'reduce'] or ['cell']. */
  readonly cellTypes: readonly string[];
  readonly edgesPerCell: number;
  /** Target node of each edge (alpha row order), for per-node edge normalisation. */
  readonly edgeTargets: readonly number[];
  /**
   * Cell shape: DARTS' (2 inputs, intermediate nodes concatenated) or NAS-Bench-201's (one input, last
   * node out); or no cell: sharpDARTS' hypercuboid grid, whose result is a path through the grid.
   */
  readonly topology: 'darts-cell' | 'nb201-cell' | 'hypercuboid';
  /** Intermediate nodes per cell (hypercuboid: the number of channel widths). */
  readonly steps: number;
  /** The hypercuboid's grid, which its path derivation rebuilds as a graph; absent for cell spaces. */
  readonly grid?: HypercuboidGraphOptions;
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

/** A search space: static facts, its supernet and its genotype format. */
export interface SearchSpace<G = unknown> extends SearchSpaceInfo {
  /** The op table the candidate ops come from. */
  readonly ops: string;
  createSupernet(opts: SupernetOptions, mixing: Mixing): Supernet;
  formatGenotype(g: G): string;
  genotypeToJSON(g: G): object;
  parseGenotype(text: string): G;
}

/** Op lists per edge: a single list shared by every edge, or one list per edge (R-DARTS' S1). */
export type EdgePrimitives = readonly string[] | readonly (readonly string[])[];

/** The ops of every edge of one cell type, one list per edge (α row order). */
export function cellPrimitives(space: Pick<SearchSpaceInfo, 'primitives' | 'edgePrimitives' | 'edgesPerCell'>, cellType: string): readonly (readonly string[])[] {
  return space.edgePrimitives?.[cellType] ?? Array.from({ length: space.edgesPerCell }, () => space.primitives);
}

/** α's column count: ops per edge (equal on every edge, also with per-edge lists). */
export function opColumns(space: Pick<SearchSpaceInfo, 'primitives' | 'edgePrimitives'>): number {
  const perEdge = space.edgePrimitives && Object.values(space.edgePrimitives)[0]?.[0];
  return perEdge ? perEdge.length : space.primitives.length;
}
