// The NAS-Bench-201 search space (Dong & Yang 2020): one cell type of 4 nodes and 6 edges, node 3
// is the output; the macro skeleton is stem → N cells → ResNet block → N cells → ResNet block →
// N cells → BN-ReLU → pooling → classifier (AutoDL-Projects' TinyNetworkDarts).
import * as nn from '../../nn/index.js';
import type { Tensor } from '../../torch/index.js';
import type { CellWeights, MixedEdgeModule, Mixing, OpFactory, SearchSpace, Supernet, SupernetOptions } from '../types.js';
import { accumulate, mixedEdgeOutput } from './cell-sum.js';
import { type Nb201Genotype, formatNb201, nb201ToJSON, parseNb201 } from './nb201-genotype.js';
import { createNb201Op, ResNetBasicBlock } from './nb201-ops.js';
import { getOpTable, PRIMITIVE_LISTS, resolvePrimitives } from './op-tables.js';

export const NB201_MAX_NODES = 4;

/** Target node of each edge in alpha-row order (keys 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2). */
export function nb201EdgeTargets(maxNodes = NB201_MAX_NODES): number[] {
  const out: number[] = [];
  for (let i = 1; i < maxNodes; i++) for (let j = 0; j < i; j++) out.push(i);
  return out;
}

export class Nb201SearchCell extends nn.Module {
  readonly edges: nn.ModuleList;
  constructor(readonly maxNodes: number, channels: number, mixing: Mixing, primitives: readonly string[], makeOp: OpFactory) {
    super();
    const edges: nn.Module[] = [];
    for (let i = 1; i < maxNodes; i++) {
      for (let j = 0; j < i; j++) edges.push(mixing.createEdge(primitives, makeOp, channels, 1));
    }
    this.edges = this.registerModule('edges', new nn.ModuleList(edges));
  }

  forward(x: Tensor, w: CellWeights): Tensor {
    const nodes = [x];
    let e = 0;
    for (let i = 1; i < this.maxNodes; i++) {
      let node: Tensor | null = null;
      for (let j = 0; j < i; j++, e++) {
        const out = mixedEdgeOutput(this.edges.at(e) as MixedEdgeModule, nodes[j]!, w, e);
        node = node === null ? out : accumulate(node, out);
      }
      nodes.push(node!);
    }
    for (const n of nodes.slice(1, -1)) n.dispose();
    return nodes[nodes.length - 1]!;
  }
}

export interface Nb201SupernetOptions extends SupernetOptions {
  /** BN in search cells: AutoDL's DARTS runs use affine=false and track_running_stats per script flag. */
  affine?: boolean;
  trackRunningStats?: boolean;
}

export class Nb201Supernet extends nn.Module implements Supernet {
  readonly stem: nn.Sequential;
  readonly cells: nn.ModuleList;
  readonly lastact: nn.Sequential;
  readonly globalPooling: nn.AdaptiveAvgPool2d;
  readonly classifier: nn.Linear;
  constructor(opts: Nb201SupernetOptions, mixing: Mixing, primitives: readonly string[] = PRIMITIVE_LISTS.nb201!, makeOp?: OpFactory, readonly maxNodes = NB201_MAX_NODES) {
    super();
    const { inChannels, numClasses, initChannels: C, layers: N } = opts;
    const bn = { affine: opts.affine ?? false, trackRunningStats: opts.trackRunningStats ?? true };
    const cellOp: OpFactory = makeOp ?? ((p, c, s) => createNb201Op(p, c, s, bn, true));
    this.stem = this.registerModule('stem', new nn.Sequential(new nn.Conv2d(inChannels, C, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(C)));
    const cells: nn.Module[] = [];
    let cPrev = C;
    for (const [cCurr, reduction] of stagePlan(C, N)) {
      cells.push(reduction ? new ResNetBasicBlock(cPrev, cCurr, 2) : new Nb201SearchCell(maxNodes, cCurr, mixing, primitives, cellOp));
      cPrev = cCurr;
    }
    this.cells = this.registerModule('cells', new nn.ModuleList(cells));
    this.lastact = this.registerModule('lastact', new nn.Sequential(new nn.BatchNorm2d(cPrev), new nn.ReLU()));
    this.globalPooling = this.registerModule('global_pooling', new nn.AdaptiveAvgPool2d(1));
    this.classifier = this.registerModule('classifier', new nn.Linear(cPrev, numClasses));
  }

  forward(x: Tensor, weights: Record<string, CellWeights>): Tensor {
    let feature = this.stem.forward(x);
    for (const cell of this.cells) {
      const next = cell instanceof Nb201SearchCell ? cell.forward(feature, weights.cell!) : (cell as nn.Module).forward(feature);
      feature.dispose();
      feature = next;
    }
    const out = this.lastact.forward(feature);
    const pooled = this.globalPooling.forward(out);
    const flat = pooled.flatten(1);
    const logits = this.classifier.forward(flat);
    for (const t of [feature, out, pooled, flat]) t.dispose();
    return logits;
  }
}

/** [channels, isReduction] per layer: N cells at C, a block to 2C, N cells, a block to 4C, N cells. */
export function stagePlan(C: number, N: number): [number, boolean][] {
  const plan: [number, boolean][] = [];
  for (let s = 0; s < 3; s++) {
    if (s > 0) plan.push([C << s, true]);
    for (let k = 0; k < N; k++) plan.push([C << s, false]);
  }
  return plan;
}

/** The NAS-Bench-201 cell space over an op table and a primitives list (defaults: the benchmark's 5 ops). */
export function createNb201Space(o: { primitives?: readonly string[]; ops?: string } = {}): SearchSpace<Nb201Genotype> {
  const table = getOpTable(o.ops ?? 'nb201');
  const primitives = Object.freeze(resolvePrimitives(o.primitives ?? PRIMITIVE_LISTS.nb201!, table));
  const edgeTargets = nb201EdgeTargets();
  return {
    name: 'nb201',
    ops: table.name,
    primitives,
    cellTypes: ['cell'],
    edgesPerCell: edgeTargets.length,
    edgeTargets,
    topology: 'nb201-cell',
    steps: NB201_MAX_NODES - 1,
    createSupernet: (opts: SupernetOptions, mixing: Mixing) => new Nb201Supernet(opts, mixing, primitives, table.searchOp),
    formatGenotype: formatNb201,
    genotypeToJSON: (g) => nb201ToJSON(g),
    parseGenotype: (text) => parseNb201(text, { ops: primitives }),
  };
}

export const nb201Space: SearchSpace<Nb201Genotype> = createNb201Space();
