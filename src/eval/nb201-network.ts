// The NAS-Bench-201 network with one fixed cell (AutoDL-Projects xautodl/models/cell_infers:
// TinyNetwork and InferCell): the network every entry of the benchmark table was trained as. Module
// names equal the reference's (cells.0.layers.2.op.1.weight, lastact.0.weight, …).
import * as nn from '../nn/index.js';
import { formatNb201, type Nb201Genotype } from '../nas/spaces/nb201-genotype.js';
import { createNb201Op, ResNetBasicBlock } from '../nas/spaces/nb201-ops.js';
import { stagePlan } from '../nas/spaces/nb201-space.js';
import type { Tensor } from '../torch/index.js';
import type { GenotypeNetwork, NetworkOutput } from './darts-network.js';
import type { OnnxExportable, OnnxGraph } from './onnx/index.js';

/** Node i (1..3) sums one op per incoming edge; the cell's output is the last node. */
export class InferCell extends nn.Module implements OnnxExportable {
  readonly layers: nn.ModuleList;
  /** Per node, the (layer index, input node) pairs it sums. */
  private readonly nodes: [layer: number, input: number][][];
  constructor(readonly genotype: Nb201Genotype, channels: number) {
    super();
    const layers: nn.Module[] = [];
    this.nodes = genotype.map((edges) =>
      edges.map(([op, input]) => {
        layers.push(createNb201Op(op, channels, 1, { affine: true, trackRunningStats: true }));
        return [layers.length - 1, input] as [number, number];
      }),
    );
    this.layers = this.registerModule('layers', new nn.ModuleList(layers));
  }

  forward(x: Tensor): Tensor {
    const nodes = [x];
    for (const edges of this.nodes) {
      let sum: Tensor | null = null;
      for (const [layer, input] of edges) {
        const out = this.layers.at(layer).forward(nodes[input]!);
        if (sum === null) sum = out;
        else {
          const next: Tensor = sum.add(out);
          if (!nodes.includes(sum)) sum.dispose();
          if (!nodes.includes(out)) out.dispose();
          sum = next;
        }
      }
      // A node whose only edge is a skip is its input itself: copy so each node owns its tensor.
      nodes.push(nodes.includes(sum!) ? sum!.clone() : sum!);
    }
    for (const n of nodes.slice(1, -1)) n.dispose();
    return nodes[nodes.length - 1]!;
  }

  toOnnx(g: OnnxGraph, x: string): string {
    const nodes = [x];
    for (const edges of this.nodes) {
      const outs = edges.map(([layer, input]) => g.emit(this.layers.at(layer), nodes[input]!));
      nodes.push(outs.reduce((sum, out) => g.add(sum, out)));
    }
    return nodes[nodes.length - 1]!;
  }
}

export interface Nb201NetworkOptions {
  genotype: Nb201Genotype;
  numClasses: number;
  /** C: 16 in the benchmark. */
  initChannels: number;
  /** N cells per stage: 5 in the benchmark. */
  cellsPerStage: number;
  inChannels?: number;
}

/** TinyNetwork: stem, N cells, ResNet block to 2C, N cells, block to 4C, N cells, BN-ReLU, pooling, linear. */
export class TinyNetwork extends nn.Module implements GenotypeNetwork, OnnxExportable {
  /** The benchmark trains without drop path; kept for the trainer's interface. */
  dropPathProb = 0;
  readonly stem: nn.Sequential;
  readonly cells: nn.ModuleList;
  readonly lastact: nn.Sequential;
  readonly globalPooling: nn.AdaptiveAvgPool2d;
  readonly classifier: nn.Linear;
  constructor(readonly options: Nb201NetworkOptions) {
    super();
    const C = options.initChannels;
    this.stem = this.registerModule('stem', new nn.Sequential(new nn.Conv2d(options.inChannels ?? 3, C, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(C)));
    const cells: nn.Module[] = [];
    let cPrev = C;
    for (const [cCurr, reduction] of stagePlan(C, options.cellsPerStage)) {
      cells.push(reduction ? new ResNetBasicBlock(cPrev, cCurr, 2) : new InferCell(options.genotype, cCurr));
      cPrev = cCurr;
    }
    this.cells = this.registerModule('cells', new nn.ModuleList(cells));
    this.lastact = this.registerModule('lastact', new nn.Sequential(new nn.BatchNorm2d(cPrev), new nn.ReLU()));
    this.globalPooling = this.registerModule('global_pooling', new nn.AdaptiveAvgPool2d(1));
    this.classifier = this.registerModule('classifier', new nn.Linear(cPrev, options.numClasses));
  }

  get arch(): string {
    return formatNb201(this.options.genotype);
  }

  forward(x: Tensor): Tensor {
    let feature = this.stem.forward(x);
    for (const cell of this.cells) {
      const next = cell.forward(feature);
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

  forwardTrain(x: Tensor): NetworkOutput {
    return { logits: this.forward(x), auxLogits: null };
  }

  toOnnx(g: OnnxGraph, x: string): string {
    let feature = g.emit(this.stem, x);
    for (const cell of this.cells) feature = g.emit(cell, feature);
    return g.emit(this.classifier, g.flatten(g.emit(this.globalPooling, g.emit(this.lastact, feature))));
  }
}
