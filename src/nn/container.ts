// Containers: Sequential chains children named '0', '1', …; ModuleList only holds them.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { ReLU } from './activation.js';
import { BatchNorm2d } from './batchnorm.js';
import { Conv2d } from './conv.js';
import { Module, plain } from './module.js';


/** A plain BatchNorm2d directly followed by a plain ReLU: Sequential runs them as one op (BatchNorm2d.forwardReLU). */
function isBatchNormReLU(a: Module, b: Module | undefined): a is BatchNorm2d {
  return torch.backends.fuseBatchNormReLU && plain(a, BatchNorm2d) && plain(b, ReLU);
}

/**
 * A plain depthwise Conv2d directly followed by a plain bias-free 1×1 Conv2d (DARTS' SepConv and
 * DilConv, MobileNet blocks): Sequential runs the pair as one torch.separableConv2d, which gives the
 * same values and gradients but recomputes the depthwise output in backward instead of keeping it.
 */
function isSeparablePair(a: Module, b: Module | undefined): b is Conv2d {
  if (!torch.backends.recomputeSeparableConv || !torch.backends.fastDepthwiseConv) return false;
  if (!plain(a, Conv2d) || !plain(b, Conv2d)) return false;
  const depthwise = a.groups === a.inChannels && a.outChannels === a.inChannels && a.bias === null;
  const [, , kh, kw] = b.weight.shape;
  const pointwise = kh === 1 && kw === 1 && b.groups === 1 && b.inChannels === a.outChannels && b.bias === null;
  const unstrided = b.stride.every((s) => s === 1) && b.padding.every((p) => p === 0);
  return depthwise && pointwise && unstrided;
}

export class Sequential extends Module {
  private readonly items: Module[] = [];
  constructor(...modules: Module[]) {
    super();
    modules.forEach((m) => this.append(m));
  }
  append(m: Module): this {
    this.registerModule(String(this.items.length), m);
    this.items.push(m);
    return this;
  }
  at(i: number): Module {
    const m = this.items[i < 0 ? this.items.length + i : i];
    if (!m) throw new RangeError(`Sequential: index ${i} out of range for ${this.items.length} modules`);
    return m;
  }
  get length(): number {
    return this.items.length;
  }
  [Symbol.iterator](): Iterator<Module> {
    return this.items[Symbol.iterator]();
  }
  forward(x: Tensor): Tensor {
    return this.forwardFrom(x, 0);
  }
  /**
   * The layers from index `start` up to (not including) `end`, for a caller that applies the first
   * ones itself (a shared ReLU) or the last (a batch norm folded into a drop-path node).
   */
  forwardFrom(x: Tensor, start: number, end = this.items.length): Tensor {
    // Intermediate outputs are released as soon as the next layer has consumed them, as Python's
    // reference counting would: autograd keeps what backward needs, so waiting for the enclosing
    // tidy() would only raise the peak memory of a training step.
    let y = x;
    for (let i = start; i < end; i++) {
      const layer = this.items[i]!;
      const pointwise = i + 1 < end ? this.items[i + 1] : undefined;
      let next: Tensor;
      if (isSeparablePair(layer, pointwise)) {
        const depthwise = layer as Conv2d;
        next = torch.separableConv2d(y, depthwise.weight, pointwise.weight, { stride: depthwise.stride, padding: depthwise.padding, dilation: depthwise.dilation });
        i++;
      } else if (isBatchNormReLU(layer, pointwise)) {
        next = layer.forwardReLU(y);
        i++;
      } else {
        next = layer.forward(y);
      }
      if (y !== x && next !== y && !y.kept) y.dispose();
      y = next;
    }
    return y;
  }
}

export class ModuleList extends Module {
  private readonly items: Module[] = [];
  constructor(modules: Module[] = []) {
    super();
    modules.forEach((m) => this.append(m));
  }
  append(m: Module): this {
    this.registerModule(String(this.items.length), m);
    this.items.push(m);
    return this;
  }
  at(i: number): Module {
    const m = this.items[i < 0 ? this.items.length + i : i];
    if (!m) throw new RangeError(`ModuleList: index ${i} out of range for ${this.items.length} modules`);
    return m;
  }
  get length(): number {
    return this.items.length;
  }
  [Symbol.iterator](): Iterator<Module> {
    return this.items[Symbol.iterator]();
  }
  forward(): Tensor {
    throw new Error('ModuleList has no forward(): iterate over its modules instead');
  }
}
