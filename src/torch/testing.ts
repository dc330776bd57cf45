// Finite-difference gradient checking for ops and models (like torch.autograd.gradcheck).
import { grad, noGrad } from './autograd.js';
import { tensor } from './creation.js';
import { tidy } from './scope.js';
import type { Tensor } from './tensor.js';

export interface GradcheckOptions {
  eps?: number;
  atol?: number;
  rtol?: number;
}

/**
 * Compares autograd's gradient of Σ fn(inputs) ⊙ r with central differences, element by element,
 * for every float64 input that requires grad. r = 1, 1.37, 1.74, … (cycling) so each output
 * element counts differently. Throws an Error naming the first mismatch.
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], o: GradcheckOptions = {}): void {
  const eps = o.eps ?? 1e-6;
  const atol = o.atol ?? 1e-5;
  const rtol = o.rtol ?? 1e-4;
  for (const t of inputs) if (t.dtype !== 'float64') throw new Error(`gradcheck needs float64 inputs, got ${t.dtype}`);
  const wrt = inputs.filter((t) => t.requiresGrad);
  const objective = (): Tensor => {
    const out = fn(...inputs);
    const n = out.numel();
    const r = tensor(Float64Array.from({ length: n }, (_, i) => 1 + (i % 7) * 0.37), { shape: out.shape });
    return out.mul(r).sum();
  };
  const analytic = tidy(() => grad([objective()], wrt, { allowUnused: true }).map((g, i) => (g ? Array.from(g.data() as Float64Array) : new Array<number>(wrt[i]!.numel()).fill(0))));
  wrt.forEach((t, k) => {
    for (let i = 0; i < t.numel(); i++) {
      const bump = (delta: number) => noGrad(() => tidy(() => t.view(-1).narrow(0, i, 1).add_(delta)));
      bump(eps);
      const up = noGrad(() => tidy(() => objective().item()));
      bump(-2 * eps);
      const down = noGrad(() => tidy(() => objective().item()));
      bump(eps);
      const numeric = (up - down) / (2 * eps);
      const a = analytic[k]![i]!;
      if (!(Math.abs(numeric - a) <= atol + rtol * Math.abs(numeric))) {
        throw new Error(`gradcheck: input ${k}, element ${i}: autograd ${a} vs finite difference ${numeric}`);
      }
    }
  });
}
