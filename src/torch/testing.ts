// Finite-difference gradient checking for ops and models (like torch.autograd.gradcheck).
import { grad, noGrad } from './autograd.js';
import { tensor } from './creation.js';
import { tidy } from './scope.js';
import type { Tensor } from './tensor.js';

export interface GradcheckOptions {
  /** Step of the central difference. */
  eps?: number;
  atol?: number;
  rtol?: number;
}

/**
 * Compares autograd's gradient of Σ fn(inputs) ⊙ r with central differences, element by element,
 * for every input that requires grad (all inputs must be float64 and contiguous). r = 1, 1.37,
 * 1.74, … (cycling) so each output element counts differently. Throws an Error naming the first
 * mismatch; returns true otherwise. The inputs are perturbed in place and restored.
 */
export function gradcheck(fn: (...inputs: Tensor[]) => Tensor, inputs: Tensor[], o: GradcheckOptions = {}): true {
  const eps = o.eps ?? 1e-6;
  const atol = o.atol ?? 1e-5;
  const rtol = o.rtol ?? 1e-4;
  inputs.forEach((t, k) => {
    if (t.dtype !== 'float64') throw new Error(`gradcheck needs float64 inputs, got ${t.dtype} for input ${k} (finite differences in float32 are too coarse)`);
    if (!t.isContiguous()) throw new Error(`gradcheck needs contiguous inputs; input ${k} is not (call .contiguous() first)`);
  });
  const wrt = inputs.map((t, k) => [t, k] as const).filter(([t]) => t.requiresGrad);
  if (wrt.length === 0) throw new Error('gradcheck: no input requires grad, so there is nothing to check');
  const objective = (): Tensor => {
    const out = fn(...inputs);
    const n = out.numel();
    const r = tensor(Float64Array.from({ length: n }, (_, i) => 1 + (i % 7) * 0.37), { shape: out.shape });
    return out.mul(r).sum();
  };
  const analytic = tidy(() =>
    grad([objective()], wrt.map(([t]) => t), { allowUnused: true }).map((g, i) => (g ? Array.from(g.data() as Float64Array) : new Array<number>(wrt[i]![0].numel()).fill(0))),
  );
  const value = (): number => noGrad(() => tidy(() => objective().item()));
  wrt.forEach(([t, k], j) => {
    for (let i = 0; i < t.numel(); i++) {
      const bump = (delta: number): void => noGrad(() => tidy(() => void t.view(-1).narrow(0, i, 1).add_(delta)));
      bump(eps);
      const up = value();
      bump(-2 * eps);
      const down = value();
      bump(eps);
      const numeric = (up - down) / (2 * eps);
      const a = analytic[j]![i]!;
      if (!(Math.abs(numeric - a) <= atol + rtol * Math.abs(numeric))) {
        throw new Error(`gradcheck: input ${k}, element ${i}: autograd ${a} vs finite difference ${numeric} (atol ${atol}, rtol ${rtol})`);
      }
    }
  });
  return true;
}
