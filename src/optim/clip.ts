// Gradient-norm clipping (torch.nn.utils.clip_grad_norm_): scales all gradients together.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

/** Clips the gradients' total `normType` norm to `maxNorm`; returns the norm before clipping. */
export function clipGradNorm(params: Tensor[], maxNorm: number, normType = 2): number {
  return torch.noGrad(() =>
    torch.tidy(() => {
      const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
      if (grads.length === 0) return 0;
      const norms = torch.stack(grads.map((g) => g.norm(normType)));
      const total = (normType === Infinity ? norms.max() : norms.norm(normType)).item();
      const coef = maxNorm / (total + 1e-6);
      if (coef < 1) for (const g of grads) g.mul_(coef);
      return total;
    }),
  );
}
