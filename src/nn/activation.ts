// Activations.
import type { Tensor } from '../torch/index.js';
import { Module } from './module.js';

/**
 * max(0, x). `inplace` is accepted so PyTorch code ports unchanged, but the op is always out of
 * place: an in-place ReLU on a tensor another op saved for backward breaks autograd, and our
 * intermediates are released by tidy()/Sequential anyway, so it would save little memory.
 */
export class ReLU extends Module {
  readonly inplace: boolean;
  constructor(o: { inplace?: boolean } = {}) {
    super();
    this.inplace = o.inplace ?? false;
  }
  forward(x: Tensor): Tensor {
    return x.relu();
  }
}
