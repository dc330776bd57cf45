// Tiny hand-checkable candidate ops for mixing tests: each multiplies its input by a constant (and
// counts its calls), so an edge's output can be computed by hand.
import * as nn from '../../../src/nn/index.js';
import type { Tensor } from '../../../src/torch/index.js';
import type { OpFactory } from '../../../src/nas/types.js';

export class ScaleOp extends nn.Module {
  calls = 0;
  constructor(readonly factor: number, readonly stride: number) {
    super();
  }
  forward(x: Tensor): Tensor {
    this.calls++;
    const s = this.stride === 1 ? x : x.slice(2, null, null, this.stride).slice(3, null, null, this.stride);
    const out = s.mul(this.factor);
    if (s !== x) s.dispose();
    return out;
  }
}

/** Ops named 'x1', 'x2', … multiply by their number; 'none' is DARTS' zero op name. */
export const scaleOps: OpFactory = (primitive, _channels, stride) => new ScaleOp(primitive === 'none' ? 0 : Number(primitive.slice(1)), stride);
