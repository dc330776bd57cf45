// Flattens dims startDim..endDim into one (by default everything but the batch dim).
import type { Tensor } from '../torch/index.js';
import { Module } from './module.js';

export class Flatten extends Module {
  constructor(readonly startDim = 1, readonly endDim = -1) {
    super();
  }
  forward(x: Tensor): Tensor {
    return x.flatten(this.startDim, this.endDim);
  }
}
