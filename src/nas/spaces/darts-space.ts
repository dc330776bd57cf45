// The DARTS CNN search space (Liu et al. 2019; quark0/darts cnn/model_search.py): cells of 4
// intermediate nodes over the outputs of the two previous cells, 14 mixed edges per cell, normal
// and reduction cells sharing one set of alphas per type.
import * as nn from '../../nn/index.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { deriveDartsGenotype } from '../derive.js';
import type { CellWeights, MixedEdgeModule, Mixing, SearchSpace, Supernet, SupernetOptions } from '../types.js';
import { accumulate, mixedEdgeOutput } from './cell-sum.js';
import { createDartsSearchOp, FactorizedReduce, ReLUConvBN } from './darts-ops.js';
import { DARTS_PRIMITIVES, type DartsGenotype, dartsGenotypeToJSON, formatDartsGenotype, parseDartsGenotype } from './darts-genotype.js';

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
  ) {
    super();
    this.preprocess0 = this.registerModule('preprocess0', reductionPrev ? new FactorizedReduce(cPrevPrev, c, false) : new ReLUConvBN(cPrevPrev, c, 1, 1, 0, false));
    this.preprocess1 = this.registerModule('preprocess1', new ReLUConvBN(cPrev, c, 1, 1, 0, false));
    const edges: nn.Module[] = [];
    for (let i = 0; i < steps; i++) {
      for (let j = 0; j < i + 2; j++) {
        const stride = reduction && j < 2 ? 2 : 1;
        edges.push(mixing.createEdge(primitives, createDartsSearchOp, c, stride));
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
  constructor(opts: SupernetOptions, mixing: Mixing, primitives: readonly string[] = DARTS_PRIMITIVES, readonly steps = DARTS_STEPS, readonly multiplier = DARTS_MULTIPLIER) {
    super();
    const { inChannels, numClasses, initChannels: C, layers } = opts;
    const cStem = DARTS_STEM_MULTIPLIER * C;
    this.stem = this.registerModule('stem', new nn.Sequential(new nn.Conv2d(inChannels, cStem, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(cStem)));
    let [cPrevPrev, cPrev, cCurr] = [cStem, cStem, C];
    let reductionPrev = false;
    const cells: nn.Module[] = [];
    for (let i = 0; i < layers; i++) {
      const reduction = i === Math.floor(layers / 3) || i === Math.floor((2 * layers) / 3);
      if (reduction) cCurr *= 2;
      cells.push(new DartsSearchCell(steps, multiplier, cPrevPrev, cPrev, cCurr, reduction, reductionPrev, mixing, primitives));
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
    const pooled = this.globalPooling.forward(s1);
    const flat = pooled.flatten(1);
    const logits = this.classifier.forward(flat);
    for (const t of [s0, s1, pooled, flat]) t.dispose();
    return logits;
  }
}

export const dartsSpace: SearchSpace<DartsGenotype> = {
  name: 'darts',
  primitives: DARTS_PRIMITIVES,
  cellTypes: ['normal', 'reduce'],
  edgesPerCell: dartsEdgeTargets().length,
  edgeTargets: dartsEdgeTargets(),
  defaults: { initChannels: 16, layers: 8 },
  createSupernet: (opts: SupernetOptions, mixing: Mixing) => new DartsSupernet(opts, mixing),
  derive: (w) => deriveDartsGenotype(w.normal!, w.reduce!, DARTS_PRIMITIVES, DARTS_STEPS, DARTS_MULTIPLIER),
  formatGenotype: formatDartsGenotype,
  genotypeToJSON: (g) => dartsGenotypeToJSON(g),
  parseGenotype: (text) => parseDartsGenotype(text),
};
