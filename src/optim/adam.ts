// Adam (Kingma & Ba) with torch.optim.Adam's (1.13, single-tensor) update: weight decay is L2,
// added to the gradient; AdamW (adamw.ts) decouples it.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Optimizer, type ParamGroup, type ParamState } from './optimizer.js';

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
  /** Ascend instead of descend. */
  maximize?: boolean;
}

type AdamGroup = ParamGroup & Required<AdamOptions>;

export class Adam extends Optimizer {
  /** Whether weight decay shrinks the parameter directly (AdamW) instead of joining the gradient. */
  protected readonly decoupledWeightDecay: boolean = false;

  constructor(params: Tensor[] | (Partial<ParamGroup> & { params: Tensor[] })[], o: AdamOptions = {}) {
    const d = { lr: o.lr ?? 1e-3, betas: [...(o.betas ?? [0.9, 0.999])] as [number, number], eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? 0, amsgrad: o.amsgrad ?? false, maximize: o.maximize ?? false };
    const name = new.target.name;
    if (!(d.lr >= 0)) throw new RangeError(`${name}: invalid learning rate ${d.lr} (give lr ≥ 0)`);
    if (!(d.eps >= 0)) throw new RangeError(`${name}: invalid eps ${d.eps}`);
    if (d.betas.length !== 2 || d.betas.some((b) => !(b >= 0 && b < 1))) throw new RangeError(`${name}: betas must be two values in [0, 1), got [${d.betas.join(', ')}]`);
    if (!(d.weightDecay >= 0)) throw new RangeError(`${name}: invalid weightDecay ${d.weightDecay}`);
    super(params, d);
  }

  // m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g², p ← p − lr/(1−β₁ᵗ) · m / (√v̂/√(1−β₂ᵗ) + ε),
  // v̂ = v or, with AMSGrad, the running maximum of v.
  protected update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup): void {
    const { lr, betas, eps, weightDecay, amsgrad, maximize } = group as AdamGroup;
    const [beta1, beta2] = betas;
    if (state.step === undefined) {
      state.step = 0;
      state.exp_avg = torch.keep(torch.zerosLike(p));
      state.exp_avg_sq = torch.keep(torch.zerosLike(p));
      if (amsgrad) state.max_exp_avg_sq = torch.keep(torch.zerosLike(p));
    }
    const step = (state.step as number) + 1;
    state.step = step;
    let g = maximize ? grad.neg() : grad;
    if (weightDecay !== 0) {
      if (this.decoupledWeightDecay) p.mul_(1 - lr * weightDecay);
      else g = g.add(p, { alpha: weightDecay });
    }
    const expAvg = state.exp_avg as Tensor;
    const expAvgSq = state.exp_avg_sq as Tensor;
    expAvg.mul_(beta1).add_(g, { alpha: 1 - beta1 });
    expAvgSq.mul_(beta2).addcmul_(g, g, { value: 1 - beta2 });
    const biasCorrection1 = 1 - beta1 ** step;
    const biasCorrection2 = 1 - beta2 ** step;
    let second = expAvgSq;
    if (amsgrad) {
      // A group switched to AMSGrad mid-run starts its maximum here.
      state.max_exp_avg_sq ??= torch.keep(torch.zerosLike(p));
      const max = state.max_exp_avg_sq as Tensor;
      max.maximum_(expAvgSq);
      second = max;
    }
    const denom = second.sqrt().div(Math.sqrt(biasCorrection2)).add_(eps);
    p.addcdiv_(expAvg, denom, { value: -lr / biasCorrection1 });
  }
}
