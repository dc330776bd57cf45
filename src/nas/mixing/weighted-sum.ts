// A supernet edge that returns Σ_o w_o · op_o(x) over the ops worth computing.
import * as nn from '../../nn/index.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import { expectsReLUInput } from '../spaces/darts-ops.js';
import type { EdgeWeights, MixedEdgeModule, OpFactory } from '../types.js';
import { noteOpUsed } from './op-usage.js';

export class WeightedSumEdge extends nn.Module implements MixedEdgeModule {
  readonly ops: nn.ModuleList;
  /**
   * Search-time drop path (--drop-path-prob): while training, each non-identity op output is zeroed
   * per sample with this probability and the rest scaled by 1/(1−p), as quark0/darts' evaluation
   * cells do; identity is kept so a node always has a path. Set per epoch by setDropPathProb.
   */
  dropPathProb = 0;
  constructor(readonly primitives: readonly string[], makeOp: OpFactory, channels: number, readonly stride: number) {
    super();
    this.ops = this.registerModule('_ops', new nn.ModuleList(primitives.map((p) => makeOp(p, channels, stride))));
  }

  forward(x: Tensor, w: EdgeWeights): Tensor {
    // Temporaries are disposed as soon as they are consumed (autograd keeps what backward needs),
    // which keeps a search step's peak memory at what the graph itself holds.
    const outs: Tensor[] = [];
    let relu: Tensor | null = null;
    for (const o of w.active) {
      const op = this.ops.at(o) as nn.Module;
      noteOpUsed(op);
      const input = expectsReLUInput(op) ? (relu ??= x.relu()) : x;
      const raw = op.forward(input);
      const out = this.training && this.dropPathProb > 0 && !(op instanceof nn.Identity) ? nn.dropPath(raw, this.dropPathProb) : raw;
      if (out !== raw) raw.dispose();
      outs.push(out);
    }
    // One fused pass Σ w_o · out_o (torch.weightedSum), equal bit for bit to multiplying and adding
    // op by op, as quark0/darts does.
    let sum: Tensor | null = null;
    if (outs.length > 0) {
      const everyOp = w.active.length === this.primitives.length && w.active.every((o, i) => o === i);
      const index = everyOp ? null : torch.tensor([...w.active], { dtype: 'int64', device: w.ops.device });
      const weights = index ? w.ops.indexSelect(0, index) : w.ops;
      sum = torch.weightedSum(outs, weights);
      if (index) {
        index.dispose();
        weights.dispose();
      }
      for (const out of outs) if (out !== x) out.dispose();
    }
    relu?.dispose();
    // Every op inactive (e.g. a single-path sample of 'none'): the edge outputs zeros of the right shape.
    if (sum === null) sum = this.stride === 1 ? x.mul(0) : x.slice(2, null, null, this.stride).slice(3, null, null, this.stride).mul(0);
    if (w.inactiveAsScalars && w.active.length < this.primitives.length) {
      // GDAS' forward adds each unselected op's straight-through weight (value exactly 0) as a scalar:
      // the output is unchanged, and each such α receives the sum of the output's gradient.
      const all = w.ops.sum();
      let selected: Tensor | null = null;
      for (const o of w.active) {
        const s = w.ops.select(0, o);
        const next: Tensor = selected === null ? s : selected.add(s);
        if (selected !== null) {
          selected.dispose();
          s.dispose();
        }
        selected = next;
      }
      const scalars = selected === null ? all : all.sub(selected);
      const withScalars = sum.add(scalars);
      for (const t of [sum, scalars, ...(selected === null ? [] : [all, selected])]) t.dispose();
      sum = withScalars;
    }
    return sum;
  }
}

/** Sets the drop-path probability of every mixed edge of a supernet. */
export function setDropPathProb(net: nn.Module, p: number): void {
  for (const m of net.modules()) if (m instanceof WeightedSumEdge) m.dropPathProb = p;
}
