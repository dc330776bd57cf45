// Fully connected layer with PyTorch's default initialisation.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { kaimingUniform_, uniform_ } from './init.js';
import { Module } from './module.js';

export class Linear extends Module {
  weight: Tensor;
  bias: Tensor | null;
  constructor(readonly inFeatures: number, readonly outFeatures: number, o: { bias?: boolean } = {}) {
    super();
    this.weight = this.registerParameter('weight', torch.empty([outFeatures, inFeatures]))!;
    this.bias = this.registerParameter('bias', (o.bias ?? true) ? torch.empty([outFeatures]) : null);
    this.resetParameters();
  }

  resetParameters(): void {
    kaimingUniform_(this.weight, { a: Math.sqrt(5) });
    if (this.bias) {
      const bound = this.inFeatures > 0 ? 1 / Math.sqrt(this.inFeatures) : 0;
      uniform_(this.bias, -bound, bound);
    }
  }

  forward(x: Tensor): Tensor {
    return torch.linear(x, this.weight, this.bias);
  }
}

/** Returns its input: a placeholder where an architecture has no op (torch.nn.Identity lives in linear.py too). */
export class Identity extends Module {
  forward(x: Tensor): Tensor {
    return x;
  }
}
