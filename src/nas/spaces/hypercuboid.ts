// sharpDARTS' Differentiable Hyperparameter Grid Search network, the "HyperCuboid" (Hundt et al.
// 2019 §4; cnn/model_search.py MultiChannelNetwork): a grid of feature maps at `steps` channel
// widths C·2^k. Each of layers/2 grid layers is a stride-1 block then a stride-2 block; in a block
// every output width sums, over every input width and primitive, weight · op(input). The weights are
// one softmax per (stride, layer) over its widths_in × widths_out × primitives block.
import * as nn from '../../nn/index.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { maxWWeights } from '../max-w.js';
import { ResizablePool, SharpSepConv } from './sharp-ops.js';

/** Name → builder of an op from cIn to cOut channels (the grid changes width, unlike a cell edge). */
export type ResizingOpTable = Record<string, (cIn: number, cOut: number, stride: number) => nn.Module>;

/** The reference's MULTICHANNELNET_OPS: affine BN, 3×3, middle width = cOut. */
export const HYPERCUBOID_OPS: ResizingOpTable = {
  ResizablePool: (cIn, cOut, stride) => new ResizablePool(cIn, cOut, 3, stride, 1, true, 'max'),
  SharpSepConv: (cIn, cOut, stride) => new SharpSepConv(cIn, cOut, 3, stride, 1, 1, true, cOut),
};

export const HYPERCUBOID_PRIMITIVES: readonly string[] = ['ResizablePool', 'SharpSepConv'];

export interface HyperCuboidOptions {
  /** Smallest width C; the widths are 2^⌊log2 C⌋ · (1, 2, …, 2^(steps−1)). */
  initChannels: number;
  numClasses: number;
  /** Must be even: the grid has layers / 2 layers of (stride 1, stride 2) blocks. */
  layers: number;
  /** Number of channel widths. */
  steps: number;
  inChannels?: number;
  /** Width of the head's SharpSepConv before the classifier (reference: 768). */
  finalLinearFilters?: number;
  primitives?: readonly string[];
  ops?: ResizingOpTable;
  /** 'max_w' scales each op by 1 − max + w, the max over the whole (stride, layer) grid. */
  weighting?: 'scalar' | 'max_w';
  /** Compute every op; otherwise ops whose weight is at most 1/n² (n = weights per softmax) are skipped, as the reference does. */
  alwaysApplyOps?: boolean;
}

/** The grid's channel widths: C = 16, steps = 4 → [16, 32, 64, 128]. */
export function hypercuboidChannels(initChannels: number, steps: number): number[] {
  if (!(initChannels >= 1) || !Number.isInteger(steps) || steps < 1) throw new Error(`HyperCuboid: initChannels must be ≥ 1 and steps a positive integer, got ${initChannels} and ${steps}`);
  const start = Math.floor(Math.log2(initChannels));
  return Array.from({ length: steps }, (_, k) => 2 ** (start + k));
}

export class HyperCuboidNetwork extends nn.Module {
  readonly channels: number[];
  readonly gridLayers: number;
  readonly primitives: readonly string[];
  /** [strides (2), grid layers, widths in, widths out, primitives]: the shape of the architecture parameters. */
  readonly archShape: [number, number, number, number, number];
  readonly minScore: number;
  readonly weighting: 'scalar' | 'max_w';
  readonly alwaysApplyOps: boolean;
  readonly stem: nn.ModuleList;
  readonly op_grid: nn.ModuleList;
  readonly base: nn.ModuleList;
  readonly global_pooling: nn.AdaptiveAvgPool2d;
  readonly classifier: nn.Linear;

  constructor(o: HyperCuboidOptions) {
    super();
    if (!Number.isInteger(o.layers) || o.layers < 2 || o.layers % 2 !== 0) throw new Error(`HyperCuboid: layers must be an even integer ≥ 2 (each grid layer is a stride-1 and a stride-2 block), got ${o.layers}`);
    const ops = o.ops ?? HYPERCUBOID_OPS;
    this.primitives = o.primitives ?? HYPERCUBOID_PRIMITIVES;
    for (const p of this.primitives) if (!ops[p]) throw new Error(`HyperCuboid: unknown primitive '${p}' (known: ${Object.keys(ops).join(', ')})`);
    this.channels = hypercuboidChannels(o.initChannels, o.steps);
    this.gridLayers = o.layers / 2;
    const widths = this.channels.length;
    this.archShape = [2, this.gridLayers, widths, widths, this.primitives.length];
    const perSoftmax = widths * widths * this.primitives.length;
    this.minScore = 1 / (perSoftmax * perSoftmax);
    this.weighting = o.weighting ?? 'scalar';
    this.alwaysApplyOps = o.alwaysApplyOps ?? false;
    const inChannels = o.inChannels ?? 3;
    const final = o.finalLinearFilters ?? 768;
    this.stem = this.registerModule('stem', new nn.ModuleList(this.channels.map((c) => new nn.Sequential(new nn.Conv2d(inChannels, c, 3, { padding: 1, bias: false }), new nn.BatchNorm2d(c)))));
    const grid = () =>
      new nn.ModuleList(
        [1, 2].map(
          (stride) =>
            new nn.ModuleList(this.channels.map((cIn) => new nn.ModuleList(this.channels.map((cOut) => new nn.ModuleList(this.primitives.map((p) => ops[p]!(cIn, cOut, stride))))))),
        ),
      );
    this.op_grid = this.registerModule('op_grid', new nn.ModuleList(Array.from({ length: this.gridLayers }, () => grid())));
    this.base = this.registerModule('base', new nn.ModuleList(this.channels.map((c) => new SharpSepConv(c, final, 3, 1, 1, 1, true, final))));
    this.global_pooling = this.registerModule('global_pooling', new nn.AdaptiveAvgPool2d(1));
    this.classifier = this.registerModule('classifier', new nn.Linear(final, o.numClasses));
  }

  private op(layer: number, stride: number, cIn: number, cOut: number, primitive: number): nn.Module {
    const at = (m: nn.Module, i: number) => (m as nn.ModuleList).at(i);
    return at(at(at(at(this.op_grid.at(layer), stride), cIn), cOut), primitive);
  }

  /** Fresh architecture parameters, 1e-3 · N(0, 1) of shape archShape, as the reference initialises them. */
  createAlphas(): Tensor {
    return torch.randn(this.archShape).mul(1e-3).requiresGrad_(true);
  }

  /** One softmax per (stride, layer) over its widths_in × widths_out × primitives block. */
  archWeights(alphas: Tensor): Tensor {
    const [s, l] = this.archShape;
    if (alphas.shape.join() !== this.archShape.join()) throw new Error(`HyperCuboid: alphas must have shape [${this.archShape.join(', ')}], got [${alphas.shape.join(', ')}]`);
    return torch.tidy(() => alphas.reshape([s, l, -1]).softmax(-1).reshape(this.archShape));
  }

  /** Logits for x given the softmaxed weights of archWeights. */
  forward(x: Tensor, weights: Tensor): Tensor {
    const [, layers, widths, , prims] = this.archShape;
    const values = torch.noGrad(() => weights.detach().data()) as Float32Array;
    const valueAt = (s: number, l: number, i: number, o: number, p: number) => values[(((s * layers + l) * widths + i) * widths + o) * prims + p]!;
    return torch.tidy(() => {
      let states: (Tensor | null)[] = this.channels.map((_, i) => this.stem.at(i).forward(x));
      for (let l = 0; l < layers; l++) {
        for (const s of [0, 1]) {
          const block = weights.select(0, s).select(0, l);
          const scaled = this.weighting === 'max_w' ? maxWWeights(block, { dim: null }) : block;
          const inputs = states;
          states = this.channels.map((_, o) => {
            let sum: Tensor | null = null;
            for (let i = 0; i < widths; i++) {
              const input = inputs[i];
              if (!input) continue;
              for (let p = 0; p < prims; p++) {
                if (!this.alwaysApplyOps && !(valueAt(s, l, i, o, p) > this.minScore)) continue;
                const term = this.op(l, s, i, o, p).forward(input).mul(scaled.select(0, i).select(0, o).select(0, p));
                sum = sum === null ? term : sum.add(term);
              }
            }
            return sum;
          });
        }
      }
      let head: Tensor | null = null;
      states.forEach((t, i) => {
        if (!t) return;
        const out = this.base.at(i).forward(t);
        head = head === null ? out : head.add(out);
      });
      if (head === null) throw new Error('HyperCuboid: every path was skipped (all weights at or below 1/n²); set alwaysApplyOps or re-initialise the alphas');
      return this.classifier.forward(this.global_pooling.forward(head).flatten(1));
    });
  }
}
