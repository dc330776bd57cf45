// The networks the DARTS papers train from a genotype (quark0/darts cnn/model.py NetworkCIFAR and
// NetworkImageNet): cells built from the genotype's 8 (op, input) pairs, drop path on every op that is
// not an identity, an auxiliary classifier after the second reduction cell. Module names equal the
// reference's, so state dicts (cells.0._ops.0.op.1.weight, auxiliary_head.features.2.weight, …)
// load into either implementation.
import * as nn from '../nn/index.js';
import { FactorizedReduce, ReLUConvBN, runReLUConvBNsTogether } from '../nas/spaces/darts-ops.js';
import type { DartsGene, DartsGenotype } from '../nas/spaces/darts-genotype.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { createDartsEvalOp, layersAfterLeadingReLU } from './darts-ops.js';
import type { OnnxExportable, OnnxGraph } from './onnx/index.js';

/** Logits of the main classifier and, in training with an auxiliary head, of the auxiliary one. */
export interface NetworkOutput {
  logits: Tensor;
  auxLogits: Tensor | null;
}

/** A network trained from a genotype: plain forward gives logits; forwardTrain also gives the auxiliary logits. */
export interface GenotypeNetwork extends nn.Module {
  /** Drop-path probability used in training forwards (set each epoch by the trainer). */
  dropPathProb: number;
  forwardTrain(x: Tensor): NetworkOutput;
  forward(x: Tensor): Tensor;
}

/**
 * Runs an op on `state`; an op that starts with a ReLU gets the state's ReLU from `relus` (computed
 * there once), so ops reading the same state share one activation, computed and kept for backward
 * once instead of per op. The values are the op's own.
 */
function runSharingReLU(op: nn.Module, state: Tensor, relus: Map<Tensor, Tensor>): Tensor {
  const layers = layersAfterLeadingReLU(op);
  if (layers) return layers.forwardFrom(sharedReLU(state, relus), 1);
  if (nn.plain(op, FactorizedReduce) && nn.plain(op.relu, nn.ReLU)) return op.forwardAfterReLU(sharedReLU(state, relus));
  return op.forward(state);
}

/** The ReLU of `state`, computed once and kept in `relus` for every later reader. */
function sharedReLU(state: Tensor, relus: Map<Tensor, Tensor>): Tensor {
  let relu = relus.get(state);
  if (!relu) relus.set(state, (relu = state.relu()));
  return relu;
}

/** An op whose layers start with a ReLU and end with a plain batch norm: its layers and that batch norm. */
function endingBatchNorm(op: nn.Module): { layers: nn.Sequential; bn: nn.BatchNorm2d } | null {
  const layers = layersAfterLeadingReLU(op);
  if (!layers || layers.length < 3) return null;
  const last = layers.at(layers.length - 1);
  return nn.plain(last, nn.BatchNorm2d) ? { layers, bn: last } : null;
}

export class DartsEvalCell extends nn.Module implements OnnxExportable {
  readonly preprocess0: nn.Module;
  readonly preprocess1: nn.Module;
  readonly ops: nn.ModuleList;
  readonly indices: number[];
  readonly concat: number[];
  constructor(genotype: DartsGenotype, cPrevPrev: number, cPrev: number, c: number, readonly reduction: boolean, reductionPrev: boolean) {
    super();
    this.preprocess0 = this.registerModule('preprocess0', reductionPrev ? new FactorizedReduce(cPrevPrev, c, true) : new ReLUConvBN(cPrevPrev, c, 1, 1, 0, true));
    this.preprocess1 = this.registerModule('preprocess1', new ReLUConvBN(cPrev, c, 1, 1, 0, true));
    const genes: readonly DartsGene[] = reduction ? genotype.reduce : genotype.normal;
    this.concat = [...(reduction ? genotype.reduceConcat : genotype.normalConcat)];
    this.indices = genes.map(([, input]) => input);
    // In a reduction cell only the edges reading the cell inputs halve the resolution.
    this.ops = this.registerModule('_ops', new nn.ModuleList(genes.map(([op, input]) => createDartsEvalOp(op, c, reduction && input < 2 ? 2 : 1))));
  }

  get multiplier(): number {
    return this.concat.length;
  }

  /**
   * `inputReLUs` maps a cell input to its ReLU, shared with the cells before and after that read it
   * (each cell output feeds the next two cells' preprocessing, both starting with a ReLU); the caller
   * owns it. Without it the cell computes and frees its own. `preprocessed` holds preprocessing
   * outputs the caller computed early (preprocessTogether); they move into the cell's states. With
   * `reluOutput` the cell returns relu(output) (torch.reluCat): what every reader of a cell's output
   * but the classifier takes.
   */
  forward(s0: Tensor, s1: Tensor, dropProb: number, inputReLUs?: Map<Tensor, Tensor>, preprocessed?: Map<nn.Module, Tensor>, reluOutput = false): Tensor {
    const inputs = inputReLUs ?? new Map<Tensor, Tensor>();
    const nodeReLUs = new Map<Tensor, Tensor>(); // intermediate state → its ReLU, shared by the ops that start with one
    const preprocess = (m: nn.Module, s: Tensor) => {
      const ready = preprocessed?.get(m);
      preprocessed?.delete(m);
      return ready ?? runSharingReLU(m, s, inputs);
    };
    const states = [preprocess(this.preprocess0, s0), preprocess(this.preprocess1, s1)];
    const drop = this.training && dropProb > 0;
    for (let i = 0; i < this.indices.length / 2; i++) {
      const folded = drop && torch.backends.foldDropPathIntoBatchNorm ? this.foldedNode(2 * i, states, nodeReLUs, dropProb) : null;
      if (folded) {
        states.push(folded);
        continue;
      }
      const outs = [2 * i, 2 * i + 1].map((k) => {
        const op = this.ops.at(k);
        return { op, out: runSharingReLU(op, states[this.indices[k]!]!, nodeReLUs) };
      });
      // Both ops run before either mask is drawn, as in the reference, so the RNG order matches it.
      const [o1, o2] = outs as [(typeof outs)[0], (typeof outs)[0]];
      states.push(drop ? nn.dropPathSum(o1.out, !(o1.op instanceof nn.Identity), o2.out, !(o2.op instanceof nn.Identity), dropProb) : o1.out.add(o2.out));
      for (const { out } of outs) if (!states.includes(out)) out.dispose();
    }
    const parts = this.concat.map((k) => states[k]!);
    const out = reluOutput ? torch.reluCat(parts, 1) : torch.cat(parts, 1);
    for (const s of [...states, ...nodeReLUs.values()]) s.dispose();
    if (!inputReLUs) for (const r of inputs.values()) r.dispose();
    return out;
  }

  /**
   * The node of ops k and k+1 with drop path, folded into the batch norms that end them
   * (BatchNorm2d.forwardNode: BN(x)/d + the other term, bit for bit nn.dropPathSum's node), or null
   * unless both ops end in one, or one does and the other is an identity.
   */
  private foldedNode(k: number, states: Tensor[], relus: Map<Tensor, Tensor>, p: number): Tensor | null {
    const pair = [k, k + 1];
    const ends = pair.map((e) => endingBatchNorm(this.ops.at(e)));
    const identity = pair.map((e) => this.ops.at(e) instanceof nn.Identity);
    if (!ends.some((e) => e) || !ends.every((e, j) => e || identity[j])) return null;
    const inputs = pair.map((e) => states[this.indices[e]!]!);
    // Both ops run up to their batch norm before a mask is drawn, as the reference runs both ops
    // before drop path draws (a's mask first), so the RNG order matches it.
    const before = ends.map((e, j) => (e ? e.layers.forwardFrom(sharedReLU(inputs[j]!, relus), 1, e.layers.length - 1) : inputs[j]!));
    const divisors = identity.map((id, j) => (id ? null : nn.dropPathDivisors(inputs[j]!, p)));
    const [a, b] = ends as [(typeof ends)[0], (typeof ends)[0]];
    let node: Tensor;
    if (a && b) {
      const first = a.bn.forwardNode(before[0]!, divisors[0]!, null);
      node = b.bn.forwardNode(before[1]!, divisors[1]!, first);
      first.dispose();
    } else if (b) {
      node = b.bn.forwardNode(before[1]!, divisors[1]!, before[0]!);
    } else {
      node = a!.bn.forwardNode(before[0]!, divisors[0]!, before[1]!);
    }
    const kept = new Set([...states, ...relus.values()]);
    for (const t of [...before, ...divisors]) if (t && !kept.has(t)) t.dispose();
    return node;
  }

  /** The eval-mode forward as ONNX nodes: drop path is the identity there. */
  toOnnx(g: OnnxGraph, s0: string, s1: string): string {
    const states = [g.emit(this.preprocess0, s0), g.emit(this.preprocess1, s1)];
    for (let k = 0; k < this.indices.length; k += 2) {
      const [h1, h2] = [k, k + 1].map((e) => g.emit(this.ops.at(e), states[this.indices[e]!]!));
      states.push(g.add(h1!, h2!, `${g.pathOf(this)}/node${k / 2}`));
    }
    return g.concat(this.concat.map((k) => states[k]!), 1, `${g.pathOf(this)}/concat`);
  }
}

/** Stem outputs through the cells to the classifier, as ONNX nodes (the auxiliary head is training-only). */
function networkToOnnx(g: OnnxGraph, net: { cells: nn.ModuleList; globalPooling: nn.Module; classifier: nn.Linear }, s0: string, s1: string): string {
  for (const cell of net.cells) [s0, s1] = [s1, (cell as DartsEvalCell).toOnnx(g, s0, s1)];
  return g.emit(net.classifier, g.flatten(g.emit(net.globalPooling, s1)));
}

/** The CIFAR auxiliary classifier, for an 8×8 input: 5×5 average pool to 2×2, 1×1 and 2×2 convs, linear. */
export class AuxiliaryHead extends nn.Module {
  readonly features: nn.Sequential;
  readonly classifier: nn.Linear;
  constructor(c: number, numClasses: number, readonly kind: 'cifar' | 'imagenet') {
    super();
    this.features = this.registerModule(
      'features',
      new nn.Sequential(
        new nn.ReLU(),
        new nn.AvgPool2d(5, { stride: kind === 'cifar' ? 3 : 2, padding: 0, countIncludePad: false }),
        new nn.Conv2d(c, 128, 1, { bias: false }),
        new nn.BatchNorm2d(128),
        new nn.ReLU(),
        new nn.Conv2d(128, 768, 2, { bias: false }),
        // The ImageNet head has no BN here: the reference left it out by mistake and kept it out to
        // stay consistent with the paper's experiments.
        ...(kind === 'cifar' ? [new nn.BatchNorm2d(768)] : []),
        new nn.ReLU(),
      ),
    );
    this.classifier = this.registerModule('classifier', new nn.Linear(768, numClasses));
  }

  forward(x: Tensor): Tensor {
    const [, , h, w] = x.shape as [number, number, number, number];
    const min = this.kind === 'cifar' ? 8 : 7;
    if (h < min || w < min) throw new Error(`the auxiliary head needs a feature map of at least ${min}×${min} after the second reduction cell, got ${h}×${w}: use larger images or --no-auxiliary`);
    const f = this.features.forward(x);
    const flat = f.flatten(1);
    const out = this.classifier.forward(flat);
    for (const t of [f, flat]) t.dispose();
    return out;
  }
}

export interface DartsNetworkOptions {
  genotype: DartsGenotype;
  numClasses: number;
  /** Initial channels C (36 on CIFAR, 48 on ImageNet in the papers). */
  initChannels: number;
  /** Cells (20 on CIFAR, 14 on ImageNet). */
  layers: number;
  auxiliary: boolean;
  /** Image channels (3 in the papers; 1 for Fashion-MNIST). */
  inChannels?: number;
}

/** Reduction cells sit at a third and two thirds of the depth; the auxiliary head reads the second. */
export function reductionCells(layers: number): [number, number] {
  return [Math.floor(layers / 3), Math.floor((2 * layers) / 3)];
}

/** The cells of a DARTS network and the channel counts its heads need. */
function buildCells(o: DartsNetworkOptions, cStem: number, reductionPrev0: boolean): { cells: nn.ModuleList; finalChannels: number; auxiliaryChannels: number } {
  const [r1, r2] = reductionCells(o.layers);
  let [cPrevPrev, cPrev, cCurr] = [cStem, cStem, o.initChannels];
  let reductionPrev = reductionPrev0;
  let auxiliaryChannels = 0;
  const cells: nn.Module[] = [];
  for (let i = 0; i < o.layers; i++) {
    const reduction = i === r1 || i === r2;
    if (reduction) cCurr *= 2;
    const cell = new DartsEvalCell(o.genotype, cPrevPrev, cPrev, cCurr, reduction, reductionPrev);
    cells.push(cell);
    reductionPrev = reduction;
    [cPrevPrev, cPrev] = [cPrev, cell.multiplier * cCurr];
    if (i === r2) auxiliaryChannels = cPrev;
  }
  return { cells: new nn.ModuleList(cells), finalChannels: cPrev, auxiliaryChannels };
}

/**
 * Before cell `index` runs: the preprocessing of each of its inputs, together with that of the next
 * cell reading the same tensor (cell i's preprocess1 and cell i+1's preprocess0 both read cell i−1's
 * output; on CIFAR cells 0 and 1 all three read the stem), as one convolution where they are 1×1
 * ReLUConvBNs (runReLUConvBNsTogether). The outputs wait in `preprocessed` for their cells.
 */
function preprocessTogether(cells: nn.ModuleList, index: number, s0: Tensor, s1: Tensor, inputReLUs: Map<Tensor, Tensor>, preprocessed: Map<nn.Module, Tensor>): void {
  const cell = cells.at(index) as DartsEvalCell;
  const next = index + 1 < cells.length ? (cells.at(index + 1) as DartsEvalCell) : null;
  for (const input of s0 === s1 ? [s1] : [s0, s1]) {
    const readers = [...(s0 === input ? [cell.preprocess0] : []), ...(s1 === input ? [cell.preprocess1] : []), ...(next && s1 === input ? [next.preprocess0] : [])];
    if (readers.length < 2 || readers.some((m) => preprocessed.has(m))) continue;
    const outs = runReLUConvBNsTogether(readers, sharedReLU(input, inputReLUs));
    outs?.forEach((out, k) => preprocessed.set(readers[k]!, out));
  }
}

/** Runs the cells from the stem's two outputs, taking the auxiliary logits after cell `auxiliaryIndex`. */
function cellsForward(net: { cells: nn.ModuleList; auxiliaryHead: AuxiliaryHead | null; training: boolean; dropPathProb: number }, s0: Tensor, s1: Tensor, auxiliaryIndex: number): { last: Tensor; auxLogits: Tensor | null } {
  let auxLogits: Tensor | null = null;
  const inputReLUs = new Map<Tensor, Tensor>(); // a cell output → its ReLU, for the next two cells
  const preprocessed = new Map<nn.Module, Tensor>(); // a cell's preprocessing module → its output, computed early with a sibling's
  const release = (s: Tensor) => {
    inputReLUs.get(s)?.dispose();
    inputReLUs.delete(s);
    s.dispose();
  };
  let i = 0;
  for (const cell of net.cells) {
    preprocessTogether(net.cells, i, s0, s1, inputReLUs, preprocessed);
    // Every cell output but the last is read through a ReLU only (the next cells' preprocessing, the
    // auxiliary head): such a cell hands over relu(output), which is then its own ReLU.
    const reluOutput = i < net.cells.length - 1;
    const s2 = (cell as DartsEvalCell).forward(s0, s1, net.dropPathProb, inputReLUs, preprocessed, reluOutput);
    if (reluOutput) inputReLUs.set(s2, s2);
    if (s0 !== s1) release(s0);
    [s0, s1] = [s1, s2];
    if (i === auxiliaryIndex && net.auxiliaryHead && net.training) auxLogits = net.auxiliaryHead.forward(s1);
    i++;
  }
  if (s0 !== s1) release(s0);
  for (const r of inputReLUs.values()) r.dispose();
  return { last: s1, auxLogits };
}

function classify(pool: nn.Module, classifier: nn.Linear, s: Tensor): Tensor {
  const pooled = pool.forward(s);
  const flat = pooled.flatten(1);
  const logits = classifier.forward(flat);
  for (const t of [pooled, flat]) t.dispose();
  return logits;
}

/** NetworkCIFAR: a 3×3 conv stem to 3C channels, `layers` cells, global average pooling, a linear classifier. */
export class NetworkCIFAR extends nn.Module implements GenotypeNetwork, OnnxExportable {
  dropPathProb = 0;
  readonly stem: nn.Sequential;
  readonly cells: nn.ModuleList;
  readonly auxiliaryHead: AuxiliaryHead | null;
  readonly globalPooling: nn.AdaptiveAvgPool2d;
  readonly classifier: nn.Linear;
  constructor(readonly options: DartsNetworkOptions) {
    super();
    const cStem = 3 * options.initChannels;
    // Registered in the reference's order (stem, cells, auxiliary_head, global_pooling, classifier), which is the state-dict order.
    this.stem = this.registerModule('stem', new nn.Sequential(new nn.Conv2d(options.inChannels ?? 3, cStem, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(cStem)));
    const { cells, finalChannels, auxiliaryChannels } = buildCells(options, cStem, false);
    this.cells = this.registerModule('cells', cells);
    this.auxiliaryHead = options.auxiliary ? this.registerModule('auxiliary_head', new AuxiliaryHead(auxiliaryChannels, options.numClasses, 'cifar')) : null;
    this.globalPooling = this.registerModule('global_pooling', new nn.AdaptiveAvgPool2d(1));
    this.classifier = this.registerModule('classifier', new nn.Linear(finalChannels, options.numClasses));
  }

  forwardTrain(x: Tensor): NetworkOutput {
    const s = this.stem.forward(x);
    const { last, auxLogits } = cellsForward(this, s, s, reductionCells(this.options.layers)[1]);
    const logits = classify(this.globalPooling, this.classifier, last);
    last.dispose();
    return { logits, auxLogits };
  }

  forward(x: Tensor): Tensor {
    const { logits, auxLogits } = this.forwardTrain(x);
    auxLogits?.dispose();
    return logits;
  }

  toOnnx(g: OnnxGraph, x: string): string {
    const s = g.emit(this.stem, x);
    return networkToOnnx(g, this, s, s);
  }
}

/**
 * NetworkImageNet: two stride-2 stems (224 → 28 pixels), `layers` cells whose first preprocess
 * reduces again (reduction_prev = true), a 7×7 average pool and a linear classifier.
 */
export class NetworkImageNet extends nn.Module implements GenotypeNetwork, OnnxExportable {
  dropPathProb = 0;
  readonly stem0: nn.Sequential;
  readonly stem1: nn.Sequential;
  readonly cells: nn.ModuleList;
  readonly auxiliaryHead: AuxiliaryHead | null;
  readonly globalPooling: nn.AvgPool2d;
  readonly classifier: nn.Linear;
  constructor(readonly options: DartsNetworkOptions) {
    super();
    const C = options.initChannels;
    if (C % 2 !== 0) throw new Error(`NetworkImageNet needs an even --init-channels (its first stem conv has C/2 channels), got ${C}`);
    this.stem0 = this.registerModule(
      'stem0',
      new nn.Sequential(
        new nn.Conv2d(options.inChannels ?? 3, C / 2, 3, { stride: 2, padding: 1, bias: false }),
        new nn.BatchNorm2d(C / 2),
        new nn.ReLU(),
        new nn.Conv2d(C / 2, C, 3, { stride: 2, padding: 1, bias: false }),
        new nn.BatchNorm2d(C),
      ),
    );
    this.stem1 = this.registerModule('stem1', new nn.Sequential(new nn.ReLU(), new nn.Conv2d(C, C, 3, { stride: 2, padding: 1, bias: false }), new nn.BatchNorm2d(C)));
    const { cells, finalChannels, auxiliaryChannels } = buildCells(options, C, true);
    this.cells = this.registerModule('cells', cells);
    this.auxiliaryHead = options.auxiliary ? this.registerModule('auxiliary_head', new AuxiliaryHead(auxiliaryChannels, options.numClasses, 'imagenet')) : null;
    this.globalPooling = this.registerModule('global_pooling', new nn.AvgPool2d(7));
    this.classifier = this.registerModule('classifier', new nn.Linear(finalChannels, options.numClasses));
  }

  forwardTrain(x: Tensor): NetworkOutput {
    const s0 = this.stem0.forward(x);
    const s1 = this.stem1.forward(s0);
    const { last, auxLogits } = cellsForward(this, s0, s1, reductionCells(this.options.layers)[1]);
    const [, , h, w] = last.shape as number[];
    if (h !== 7 || w !== 7) {
      last.dispose();
      throw new Error(`NetworkImageNet expects 7×7 features before its 7×7 average pool (224×224 images), got ${h}×${w}: resize the images to 224`);
    }
    const logits = classify(this.globalPooling, this.classifier, last);
    last.dispose();
    return { logits, auxLogits };
  }

  forward(x: Tensor): Tensor {
    const { logits, auxLogits } = this.forwardTrain(x);
    auxLogits?.dispose();
    return logits;
  }

  toOnnx(g: OnnxGraph, x: string): string {
    const s0 = g.emit(this.stem0, x);
    return networkToOnnx(g, this, s0, g.emit(this.stem1, s0));
  }
}
