// A supernet edge that returns Σ_o w_o · op_o(x) over the ops worth computing.
import * as nn from '../../nn/index.js';
import type { Tensor } from '../../torch/index.js';
import type { MixedEdgeModule, OpFactory } from '../types.js';

export class WeightedSumEdge extends nn.Module implements MixedEdgeModule {
  readonly ops: nn.ModuleList;
  constructor(readonly primitives: readonly string[], makeOp: OpFactory, channels: number, readonly stride: number) {
    super();
    this.ops = this.registerModule('_ops', new nn.ModuleList(primitives.map((p) => makeOp(p, channels, stride))));
  }

  forward(x: Tensor, opWeights: Tensor, active: readonly number[]): Tensor {
    let sum: Tensor | null = null;
    for (const o of active) {
      const term: Tensor = (this.ops.at(o) as nn.Module).forward(x).mul(opWeights.select(0, o));
      sum = sum === null ? term : sum.add(term);
    }
    // Every op inactive (e.g. a single-path sample of 'none'): the edge outputs zeros of the right shape.
    if (sum === null) sum = this.stride === 1 ? x.mul(0) : x.slice(2, null, null, this.stride).slice(3, null, null, this.stride).mul(0);
    return sum;
  }
}
