// SGD with momentum, dampening, Nesterov and L2 weight decay: torch.optim.SGD's (1.13,
// single-tensor) update rule.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Optimizer, type ParamGroup, type ParamState } from './optimizer.js';

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
  /** Ascend instead of descend. */
  maximize?: boolean;
}

type SGDGroup = ParamGroup & Required<SGDOptions>;

export class SGD extends Optimizer {
  constructor(params: Tensor[] | (Partial<ParamGroup> & { params: Tensor[] })[], o: SGDOptions) {
    const d = { lr: o.lr, momentum: o.momentum ?? 0, dampening: o.dampening ?? 0, nesterov: o.nesterov ?? false, weightDecay: o.weightDecay ?? 0, maximize: o.maximize ?? false };
    if (!(d.lr >= 0)) throw new RangeError(`SGD: invalid learning rate ${d.lr} (give lr ≥ 0)`);
    if (!(d.momentum >= 0)) throw new RangeError(`SGD: invalid momentum ${d.momentum}`);
    if (!(d.weightDecay >= 0)) throw new RangeError(`SGD: invalid weightDecay ${d.weightDecay}`);
    if (d.nesterov && (d.momentum <= 0 || d.dampening !== 0)) throw new Error('SGD: Nesterov momentum requires a momentum and zero dampening');
    super(params, d);
  }

  // v ← μ v + (1 − τ) g (v₀ = g), then p ← p − lr · (g + μ v if Nesterov else v).
  protected update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup): void {
    const { lr, momentum, dampening, nesterov, weightDecay, maximize } = group as SGDGroup;
    let d = maximize ? grad.neg() : grad;
    if (weightDecay !== 0) d = d.add(p, { alpha: weightDecay });
    if (momentum !== 0) {
      let buf = state.momentum_buffer as Tensor | undefined;
      if (!buf) {
        // The first buffer is the gradient itself, undamped (torch.clone(d_p).detach()).
        buf = torch.keep(d.clone());
        state.momentum_buffer = buf;
      } else {
        buf.mul_(momentum).add_(d, { alpha: 1 - dampening });
      }
      d = nesterov ? d.add(buf, { alpha: momentum }) : buf;
    }
    p.add_(d, { alpha: -lr });
  }
}
