// The DARTS CNN search space (Liu et al. 2019; quark0/darts cnn/model_search.py): cells of 4
// intermediate nodes over the outputs of the two previous cells, 14 mixed edges per cell, normal
// and reduction cells sharing one set of alphas per type.
import * as nn from '../../nn/index.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { CellWeights, MixedEdgeModule, Mixing, OpFactory, SearchSpace, Supernet, SupernetOptions } from '../types.js';
import { accumulate, mixedEdgeOutput } from './cell-sum.js';
import { FactorizedReduce, ReLUConvBN } from './darts-ops.js';
import { type DartsGenotype, dartsGenotypeToJSON, formatDartsGenotype, parseDartsGenotype } from './darts-genotype.js';
import { getOpTable, PRIMITIVE_LISTS, resolveEdgePrimitives, resolveOpTable, resolvePrimitives } from './op-tables.js';
import { DARTS_PRIMITIVES } from './darts-genotype.js';

export const DARTS_STEPS = 4;
export const DARTS_MULTIPLIER = 4;
export const DARTS_STEM_MULTIPLIER = 3;

/** Target node of each edge in alpha-row order: node i has edges from the 2 inputs and nodes < i. */
export function dartsEdgeTargets(steps = DARTS_STEPS): number[] {
  const out: number[] = [];
  for (let i = 0; i < steps; i++) for (let j = 0; j < i + 2; j++) out.push(i);
  return out;
}

export class DartsSearchCell extends nn.Module {
  readonly preprocess0: nn.Module;
  readonly preprocess1: nn.Module;
  readonly edges: nn.ModuleList;
  constructor(
    readonly steps: number,
    readonly multiplier: number,
    cPrevPrev: number,
    cPrev: number,
    c: number,
    readonly reduction: boolean,
    reductionPrev: boolean,
    mixing: Mixing,
    primitives: readonly string[],
    makeOp: OpFactory,
    /** Per edge, its own ops (R-DARTS' S1); otherwise every edge takes `primitives`. */
    edgePrimitives?: readonly (readonly string[])[],
  ) {
    super();
    this.preprocess0 = this.registerModule('preprocess0', reductionPrev ? new FactorizedReduce(cPrevPrev, c, false) : new ReLUConvBN(cPrevPrev, c, 1, 1, 0, false));
    this.preprocess1 = this.registerModule('preprocess1', new ReLUConvBN(cPrev, c, 1, 1, 0, false));
    const edges: nn.Module[] = [];
    for (let i = 0; i < steps; i++) {
      for (let j = 0; j < i + 2; j++) {
        const stride = reduction && j < 2 ? 2 : 1;
        edges.push(mixing.createEdge(edgePrimitives?.[edges.length] ?? primitives, makeOp, c, stride));
      }
    }
    this.edges = this.registerModule('_ops', new nn.ModuleList(edges));
  }

  forward(s0: Tensor, s1: Tensor, w: CellWeights): Tensor {
    const states = [this.preprocess0.forward(s0), this.preprocess1.forward(s1)];
    let offset = 0;
    for (let i = 0; i < this.steps; i++) {
      let node: Tensor | null = null;
      for (let j = 0; j < states.length; j++) {
        const out = mixedEdgeOutput(this.edges.at(offset + j) as MixedEdgeModule, states[j]!, w, offset + j);
        node = node === null ? out : accumulate(node, out);
      }
      offset += states.length;
      states.push(node!);
    }
    const output = torch.cat(states.slice(-this.multiplier), 1);
    for (const s of states) s.dispose();
    return output;
  }
}

export class DartsSupernet extends nn.Module implements Supernet {
  readonly stem: nn.Sequential;
  readonly cells: nn.ModuleList;
  readonly globalPooling: nn.AdaptiveAvgPool2d;
  readonly classifier: nn.Linear;
  readonly steps: number;
  readonly multiplier: number;
  constructor(opts: SupernetOptions, mixing: Mixing, cell: DartsCellOptions = {}) {
    super();
    const primitives = cell.primitives ?? PRIMITIVE_LISTS.darts!;
    const makeOp = cell.makeOp ?? getOpTable('darts').searchOp;
    const steps = (this.steps = cell.steps ?? DARTS_STEPS);
    const multiplier = (this.multiplier = cell.multiplier ?? DARTS_MULTIPLIER);
    const { inChannels, numClasses, initChannels: C, layers } = opts;
    const cStem = DARTS_STEM_MULTIPLIER * C;
    this.stem = this.registerModule('stem', new nn.Sequential(new nn.Conv2d(inChannels, cStem, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(cStem)));
    let [cPrevPrev, cPrev, cCurr] = [cStem, cStem, C];
    let reductionPrev = false;
    const cells: nn.Module[] = [];
    for (let i = 0; i < layers; i++) {
      const reduction = i === Math.floor(layers / 3) || i === Math.floor((2 * layers) / 3);
      if (reduction) cCurr *= 2;
      const perEdge = cell.edgePrimitives?.[reduction ? 'reduce' : 'normal'];
      cells.push(new DartsSearchCell(steps, multiplier, cPrevPrev, cPrev, cCurr, reduction, reductionPrev, mixing, primitives, makeOp, perEdge));
      reductionPrev = reduction;
      [cPrevPrev, cPrev] = [cPrev, multiplier * cCurr];
    }
    this.cells = this.registerModule('cells', new nn.ModuleList(cells));
    this.globalPooling = this.registerModule('global_pooling', new nn.AdaptiveAvgPool2d(1));
    this.classifier = this.registerModule('classifier', new nn.Linear(cPrev, numClasses));
  }

  forward(x: Tensor, weights: Record<string, CellWeights>): Tensor {
    let s0 = this.stem.forward(x);
    let s1 = s0;
    for (const cell of this.cells) {
      const c = cell as DartsSearchCell;
      const s2 = c.forward(s0, s1, c.reduction ? weights.reduce! : weights.normal!);
      if (s0 !== s1) s0.dispose();
      [s0, s1] = [s1, s2];
    }
    const logits = this.head(s1);
    for (const t of [s0, s1]) t.dispose();
    return logits;
  }

  private head(s: Tensor): Tensor {
    const pooled = this.globalPooling.forward(s);
    const flat = pooled.flatten(1);
    const logits = this.classifier.forward(flat);
    for (const t of [pooled, flat]) t.dispose();
    return logits;
  }

  /**
   * Cross-entropy on (x, y) and its gradients with respect to `inputs`, keeping no activations of
   * the stem and the first `cells` cells: their outputs are computed without a graph, and each is
   * recomputed with one during the backward pass (gradient checkpointing), segment by segment with
   * autograd.grad. Exact up to float summation order; BN running statistics are updated once.
   */
  lossAndGradients(x: Tensor, y: Tensor, weights: Record<string, CellWeights>, inputs: Tensor[], cells: number): CheckpointedGradients {
    const k = Math.min(Math.max(0, cells), this.cells.length);
    const cellAt = (j: number) => this.cells.at(j) as DartsSearchCell;
    const weightsOf = (c: DartsSearchCell) => (c.reduction ? weights.reduce! : weights.normal!);
    const states: Tensor[] = [];
    // The "real" forward of the checkpointed part: no graph, BN statistics updated as usual.
    torch.noGrad(() => {
      states.push(this.stem.forward(x));
      for (let j = 0; j < k; j++) states.push(cellAt(j).forward(states[Math.max(0, j - 1)]!, states[j]!, weightsOf(cellAt(j))));
    });
    const recomputed = [this.stem, ...Array.from({ length: k }, (_, j) => cellAt(j))];
    const bnStats = torch.noGrad(() => recomputed.flatMap((m) => m.buffers()).map((b) => [b, torch.keep(b.clone())] as const));
    const grads: (Tensor | null)[] = inputs.map(() => null);
    const addGrads = (gs: (Tensor | null)[], offset: number) => {
      inputs.forEach((_, i) => {
        const g = gs[offset + i];
        if (!g) return;
        const prev = grads[i];
        grads[i] = prev ? torch.keep(prev.add(g)) : torch.keep(g);
        prev?.dispose();
      });
    };
    // Gradients flowing into each state S_j (S_0 = stem output, S_{j+1} = cell j's output).
    const stateGrads: (Tensor | null)[] = states.map(() => null);
    const addStateGrad = (j: number, g: Tensor | null) => {
      if (!g) return;
      const prev = stateGrads[j];
      stateGrads[j] = torch.keep(prev ? prev.add(g) : g);
      prev?.dispose();
    };
    const leaf = (t: Tensor) => t.detach().requiresGrad_(true);
    let lossValue: Tensor;
    let correct: number;
    try {
      // 1. The tail (cells k…L−1 and the classifier) with a graph, from detached S_{k−1}, S_k.
      torch.tidy(() => {
        const a = leaf(states[Math.max(0, k - 1)]!);
        const b = k === 0 ? a : leaf(states[k]!);
        let s0 = a;
        let s1 = b;
        for (let j = k; j < this.cells.length; j++) {
          const s2 = cellAt(j).forward(s0, s1, weightsOf(cellAt(j)));
          if (s0 !== s1 && s0 !== a && s0 !== b) s0.dispose();
          [s0, s1] = [s1, s2];
        }
        const logits = this.head(s1);
        const loss = torch.crossEntropy(logits, y);
        lossValue = torch.keep(loss.detach());
        correct = torch.noGrad(() => logits.argmax(1).eq(y).sum().item());
        if (!Number.isFinite(lossValue.item())) return;
        const stateInputs = k === 0 ? [a] : [a, b];
        const gs = torch.autograd.grad([loss], [...stateInputs, ...inputs], { allowUnused: true });
        if (k === 0) addStateGrad(0, gs[0]!);
        else {
          addStateGrad(k - 1, gs[0]!);
          addStateGrad(k, gs[1]!);
        }
        addGrads(gs, stateInputs.length);
      });
      if (!Number.isFinite(lossValue!.item())) return { loss: lossValue!, correct: correct!, grads };
      // 2. Each checkpointed cell, last to first: recompute with a graph, backpropagate into its inputs.
      for (let j = k - 1; j >= 0; j--) {
        torch.tidy(() => {
          const g = stateGrads[j + 1];
          if (!g) return;
          const a = leaf(states[Math.max(0, j - 1)]!);
          const b = j === 0 ? a : leaf(states[j]!);
          const out = cellAt(j).forward(a, b, weightsOf(cellAt(j)));
          const stateInputs = j === 0 ? [a] : [a, b];
          const gs = torch.autograd.grad([out], [...stateInputs, ...inputs], { gradOutputs: [g], allowUnused: true });
          if (j === 0) addStateGrad(0, gs[0]!);
          else {
            addStateGrad(j - 1, gs[0]!);
            addStateGrad(j, gs[1]!);
          }
          addGrads(gs, stateInputs.length);
        });
      }
      // 3. The stem.
      torch.tidy(() => {
        const g = stateGrads[0];
        if (!g) return;
        const out = this.stem.forward(x);
        // With frozen weights (an architecture step) nothing asked for lies behind the stem.
        if (out.requiresGrad) addGrads(torch.autograd.grad([out], inputs, { gradOutputs: [g], allowUnused: true }), 0);
      });
    } finally {
      torch.noGrad(() => bnStats.forEach(([b, saved]) => b.copy_(saved)));
      for (const [, saved] of bnStats) saved.dispose();
      for (const t of [...states, ...stateGrads]) t?.dispose();
    }
    return { loss: lossValue!, correct: correct!, grads };
  }
}

export interface CheckpointedGradients {
  /** The loss (0-d, no graph). */
  loss: Tensor;
  correct: number;
  /** Gradients aligned with `inputs` (null where the loss does not depend on one). */
  grads: (Tensor | null)[];
}

/** What a DARTS-like cell is built from: the candidate ops (α's columns) and how each is made. */
export interface DartsCellOptions {
  primitives?: readonly string[];
  makeOp?: OpFactory;
  steps?: number;
  multiplier?: number;
  /** Per cell type ('normal', 'reduce'), per edge, its own ops (R-DARTS' S1). */
  edgePrimitives?: Readonly<Record<string, readonly (readonly string[])[]>>;
}

/** The DARTS cell space over an op table and a primitives list (defaults: DARTS' own). */
export function createDartsSpace(o: { primitives?: readonly string[]; ops?: string; midChannels?: number } = {}): SearchSpace<DartsGenotype> {
  const table = resolveOpTable(o.ops ?? 'darts', { midChannels: o.midChannels });
  const edgeTargets = dartsEdgeTargets();
  const edgePrimitives = resolveEdgePrimitives(o.primitives ?? [], table, edgeTargets.length);
  // With per-edge lists, `primitives` is the union of their ops in DARTS' order: the names genotypes use.
  const primitives = Object.freeze(
    edgePrimitives
      ? DARTS_PRIMITIVES.concat(table.known).filter((p, i, all) => all.indexOf(p) === i && Object.values(edgePrimitives).some((rows) => rows.some((r) => r.includes(p))))
      : resolvePrimitives(o.primitives ?? PRIMITIVE_LISTS.darts!, table),
  );
  return {
    name: 'darts',
    ops: table.name,
    primitives,
    ...(edgePrimitives ? { edgePrimitives } : {}),
    cellTypes: ['normal', 'reduce'],
    edgesPerCell: edgeTargets.length,
    edgeTargets,
    topology: 'darts-cell',
    steps: DARTS_STEPS,
    createSupernet: (opts: SupernetOptions, mixing: Mixing) => new DartsSupernet(opts, mixing, { primitives, makeOp: table.searchOp, edgePrimitives }),
    formatGenotype: formatDartsGenotype,
    genotypeToJSON: (g) => dartsGenotypeToJSON(g),
    // A genotype of this space uses its primitives (and 'none' never survives derivation).
    parseGenotype: (text) => parseDartsGenotype(text, { ops: primitives }),
  };
}

export const dartsSpace: SearchSpace<DartsGenotype> = createDartsSpace();
