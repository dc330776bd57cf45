// Gradient-norm clipping (torch.nn.utils.clip_grad_norm_): scales all gradients together.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

/**
 * Clips the gradients' total `normType` norm (the norm of the per-tensor norms) to `maxNorm` and
 * returns the total before clipping. Parameters without a gradient are skipped.
 */
export function clipGradNorm(params: Tensor | Tensor[], maxNorm: number, normType = 2): number {
  const list = Array.isArray(params) ? params : [params];
  return torch.noGrad(() =>
    torch.tidy(() => {
      const grads = list.map((p) => p.grad).filter((g): g is Tensor => g !== null);
      if (grads.length === 0) return 0;
      const norms = torch.stack(grads.map((g) => g.norm(normType)));
      const total = (normType === Infinity ? norms.max() : norms.norm(normType)).item();
      // PyTorch computes clip_coef in the gradients' dtype as reciprocal(total + 1e-6) * maxNorm;
      // rounding the same way keeps float32 runs bit-identical to it.
      const round = grads[0]!.dtype === 'float32' ? Math.fround : (v: number) => v;
      const coef = round(round(1 / round(total + round(1e-6))) * round(maxNorm));
      // clamp(coef, max=1): multiplying by 1 changes nothing, so it is skipped; NaN propagates as in PyTorch.
      if (!(coef >= 1)) for (const g of grads) g.mul_(coef);
      return total;
    }),
  );
}
