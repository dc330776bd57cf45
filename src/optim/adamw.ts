// AdamW (Loshchilov & Hutter): Adam with decoupled weight decay, p ← p(1 − lr·λ) before the
// Adam step, as torch.optim.AdamW (1.13); its default λ is 1e-2.
import type { Tensor } from '../torch/index.js';
import { Adam, type AdamOptions } from './adam.js';
import type { ParamGroup } from './optimizer.js';

export class AdamW extends Adam {
  protected override readonly decoupledWeightDecay: boolean = true;
  constructor(params: Tensor[] | (Partial<ParamGroup> & { params: Tensor[] })[], o: AdamOptions = {}) {
    super(params, { ...o, weightDecay: o.weightDecay ?? 1e-2 });
  }
}
