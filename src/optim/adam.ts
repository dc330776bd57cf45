// Adam (L2 weight decay added to the gradient, as torch.optim.Adam) and AdamW (decoupled decay).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Optimizer, type ParamGroup, type ParamState } from './optimizer.js';

export interface AdamOptions {
  lr?: number;
  betas?: [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
}

type AdamGroup = ParamGroup & { betas: [number, number]; eps: number; weightDecay: number; amsgrad: boolean };

export class Adam extends Optimizer {
  protected readonly decoupled: boolean = false;
  constructor(params: Tensor[] | Partial<ParamGroup>[], o: AdamOptions = {}, defaultWeightDecay = 0) {
    const d = { lr: o.lr ?? 1e-3, betas: o.betas ?? [0.9, 0.999], eps: o.eps ?? 1e-8, weightDecay: o.weightDecay ?? defaultWeightDecay, amsgrad: o.amsgrad ?? false };
    if (!(d.lr >= 0)) throw new RangeError(`Adam: invalid learning rate ${d.lr}`);
    if (d.betas.some((b) => b < 0 || b >= 1)) throw new RangeError(`Adam: betas must be in [0, 1), got [${d.betas.join(', ')}]`);
    super(params, d);
  }

  protected update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup): void {
    const g = group as AdamGroup;
    const [beta1, beta2] = g.betas;
    if (state.step === undefined) {
      state.step = 0;
      state.exp_avg = torch.keep(torch.zerosLike(p));
      state.exp_avg_sq = torch.keep(torch.zerosLike(p));
      if (g.amsgrad) state.max_exp_avg_sq = torch.keep(torch.zerosLike(p));
    }
    state.step = (state.step as number) + 1;
    const step = state.step;
    let d = grad;
    if (g.weightDecay !== 0) {
      if (this.decoupled) p.mul_(1 - g.lr * g.weightDecay);
      else d = d.add(p, { alpha: g.weightDecay });
    }
    const expAvg = state.exp_avg as Tensor;
    const expAvgSq = state.exp_avg_sq as Tensor;
    expAvg.mul_(beta1).add_(d, { alpha: 1 - beta1 });
    expAvgSq.mul_(beta2).addcmul_(d, d, { value: 1 - beta2 });
    const biasCorrection1 = 1 - beta1 ** step;
    const biasCorrection2 = 1 - beta2 ** step;
    let second = expAvgSq;
    if (g.amsgrad) {
      const max = state.max_exp_avg_sq as Tensor;
      max.maximum_(expAvgSq);
      second = max;
    }
    const denom = second.sqrt().div(Math.sqrt(biasCorrection2)).add(g.eps);
    p.addcdiv_(expAvg, denom, { value: -g.lr / biasCorrection1 });
  }
}

export class AdamW extends Adam {
  protected override readonly decoupled: boolean = true;
  constructor(params: Tensor[] | Partial<ParamGroup>[], o: AdamOptions = {}) {
    super(params, o, 1e-2);
  }
}
