// Containers: Sequential chains children named '0', '1', …; ModuleList only holds them.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Conv2d } from './conv.js';
import { Module } from './module.js';

/**
 * A plain depthwise Conv2d directly followed by a plain bias-free 1×1 Conv2d (DARTS' SepConv and
 * DilConv, MobileNet blocks): Sequential runs the pair as one torch.separableConv2d, which gives the
 * same values and gradients but recomputes the depthwise output in backward instead of keeping it.
 * Subclasses of Conv2d are left alone: they may compute something else.
 */
function isSeparablePair(a: Module, b: Module | undefined): b is Conv2d {
  if (!torch.backends.recomputeSeparableConv || !torch.backends.fastDepthwiseConv) return false;
  if (!(a instanceof Conv2d) || !(b instanceof Conv2d) || a.constructor !== Conv2d || b.constructor !== Conv2d) return false;
  const depthwise = a.groups === a.inChannels && a.outChannels === a.inChannels && a.bias === null;
  const [, , kh, kw] = b.weight.shape;
  const pointwise = kh === 1 && kw === 1 && b.groups === 1 && b.inChannels === a.outChannels && b.bias === null;
  const plain = b.stride.every((s) => s === 1) && b.padding.every((p) => p === 0);
  return depthwise && pointwise && plain;
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
  /** The layers from index `start` on, for a caller that applied the first ones itself (a shared ReLU). */
  forwardFrom(x: Tensor, start: number): Tensor {
    // Intermediate outputs are released as soon as the next layer has consumed them, as Python's
    // reference counting would: autograd keeps what backward needs, so waiting for the enclosing
    // tidy() would only raise the peak memory of a training step.
    let y = x;
    for (let i = start; i < this.items.length; i++) {
      const layer = this.items[i]!;
      const pointwise = this.items[i + 1];
      let next: Tensor;
      if (isSeparablePair(layer, pointwise)) {
        const depthwise = layer as Conv2d;
        next = torch.separableConv2d(y, depthwise.weight, pointwise.weight, { stride: depthwise.stride, padding: depthwise.padding, dilation: depthwise.dilation });
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
