// Containers: Sequential chains children named '0', '1', …; ModuleList only holds them.
import type { Tensor } from '../torch/index.js';
import { Module } from './module.js';

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
      const next = this.items[i]!.forward(y);
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
