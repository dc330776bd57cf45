// The dominant eigenvalue of the Hessian of the validation loss w.r.t. the architecture parameters:
// RobustDARTS (Zela et al., ICLR 2020, §4) shows it grows as DARTS drifts towards parameter-free
// cells, and stops the search on it. The reference forms the full Hessian and takes max(eigvals);
// we only ever need Hessian-vector products (exact, by double backward) and power iteration, so the
// cost is a few backward passes per iteration whatever the number of parameters.
import { Rng } from '../../data/rng.js';
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';

/** A Hessian-vector product: `v` and the result are aligned with (and shaped like) the parameters. */
export type HessianVectorProduct = (v: readonly Tensor[]) => Tensor[];

export interface PowerIterationOptions {
  /** Most Hessian-vector products per power iteration (the shifted second pass, when needed, gets as many). */
  iterations?: number;
  /** Stop when the Rayleigh quotient changes by less than this, relative to its size. */
  tolerance?: number;
  /** Seed of the random start vector (its own generator: torch's global random stream is not touched). */
  seed?: number;
}

/** RobustDARTS measures once per epoch on a few batches; 20 products settle the top eigenvalue to about 1e-3 there. */
export const POWER_ITERATION_DEFAULTS: Required<PowerIterationOptions> = Object.freeze({ iterations: 20, tolerance: 1e-3, seed: 0 });

export interface DominantEigenvalue {
  /** The largest (most positive) eigenvalue, RobustDARTS' max(eigvals(H)). */
  value: number;
  /** Hessian-vector products spent. */
  products: number;
  /** Whether the tolerance was met before the iteration budget ran out. */
  converged: boolean;
}

function dot(a: readonly Tensor[], b: readonly Tensor[]): number {
  let s = 0;
  a.forEach((t, i) => {
    s += torch.tidy(() => t.mul(b[i]!).sum().item());
  });
  return s;
}

function assertOptions(o: Required<PowerIterationOptions>): void {
  if (!Number.isInteger(o.iterations) || o.iterations < 1) {
    throw new Error(`dominantEigenvalue: iterations must be a positive integer, got ${String(o.iterations)}; 20 is the default`);
  }
  if (!(o.tolerance >= 0)) throw new Error(`dominantEigenvalue: tolerance must be ≥ 0, got ${String(o.tolerance)}; 1e-3 is the default`);
}

/** A unit-norm random vector shaped like `like`, from a seeded generator of our own (Box–Muller). */
function randomUnitVector(like: readonly Tensor[], seed: number): Tensor[] {
  const rng = new Rng(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - rng.next())) * Math.cos(2 * Math.PI * rng.next());
  const v = like.map((p) => {
    const values = Float64Array.from({ length: p.numel() }, gaussian);
    return torch.tensor(values, { shape: p.shape, dtype: p.dtype, device: p.device });
  });
  const norm = Math.sqrt(dot(v, v));
  return v.map((t) => torch.tidy(() => t.div(norm)));
}

/**
 * Power iteration on `op` from `start`: returns the eigenvalue of largest magnitude (as the
 * Rayleigh quotient of the last iterate). Every temporary is freed; `start` is left to the caller.
 */
function powerIteration(op: HessianVectorProduct, start: Tensor[], o: Required<PowerIterationOptions>): DominantEigenvalue {
  let v = start.map((t) => torch.keep(t.clone()));
  let value = Number.NaN;
  try {
    for (let k = 1; k <= o.iterations; k++) {
      const { quotient, next } = torch.tidy(() => {
        const hv = op(v);
        // v has unit norm, so v·Hv is the Rayleigh quotient.
        const quotient = dot(v, hv);
        const norm = Math.sqrt(dot(hv, hv));
        if (norm === 0) return { quotient, next: null };
        return { quotient, next: hv.map((t) => torch.keep(t.div(norm))) };
      });
      const previous = value;
      value = quotient;
      if (!next) return { value: 0, products: k, converged: true }; // Hv = 0: v lies in the null space of H
      v.forEach((t) => t.dispose());
      v = next;
      if (!Number.isFinite(value)) throw new Error(`dominantEigenvalue: the Hessian-vector product became ${value}; the loss is not finite at these parameters`);
      if (Math.abs(value - previous) <= o.tolerance * Math.abs(value)) return { value, products: k, converged: true };
    }
    return { value, products: o.iterations, converged: false };
  } finally {
    v.forEach((t) => t.dispose());
  }
}

/**
 * The largest eigenvalue of the symmetric operator `hvp` over tensors shaped like `like`, by power
 * iteration from a seeded random start. Plain power iteration finds the eigenvalue of largest
 * magnitude; when that one is negative, a second pass on H − μI (whose spectrum is then ≥ 0 and whose
 * dominant eigenvalue is λmax − μ) recovers λmax, the quantity RobustDARTS tracks.
 */
export function dominantEigenvalue(hvp: HessianVectorProduct, like: readonly Tensor[], options: PowerIterationOptions = {}): DominantEigenvalue {
  const o = { ...POWER_ITERATION_DEFAULTS, ...options };
  assertOptions(o);
  if (like.length === 0) throw new Error('dominantEigenvalue: no parameters given; pass the tensors the Hessian is taken with respect to');
  const start = torch.tidy(() => randomUnitVector(like, o.seed).map((t) => torch.keep(t)));
  try {
    const first = powerIteration(hvp, start, o);
    if (first.value >= 0) return first;
    const shift = first.value;
    const shifted: HessianVectorProduct = (v) => torch.tidy(() => hvp(v).map((hv, i) => hv.sub(v[i]!.mul(shift))));
    const second = powerIteration(shifted, start, o);
    return { value: second.value + shift, products: first.products + second.products, converged: first.converged && second.converged };
  } finally {
    start.forEach((t) => t.dispose());
  }
}

/**
 * Runs `fn` with the exact Hessian-vector product of the mean of `loss(batch)` over `batches` w.r.t.
 * `params`, by double backward (Pearlmutter's trick: H v = ∇(∇L · v)). The gradients ∇L are built
 * once per batch with their graph and kept until `fn` returns, so each product costs one backward
 * pass per batch instead of a forward and two backwards; memory holds one double-backward graph per
 * batch while `fn` runs. A parameter the loss does not reach contributes zeros. `loss` must build its
 * graph (no noGrad inside). Tensors `fn` creates and does not return are freed.
 */
export function withHessianVectorProduct<B, T>(loss: (batch: B) => Tensor, params: readonly Tensor[], batches: readonly B[], fn: (hvp: HessianVectorProduct) => T): T {
  if (batches.length === 0) throw new Error('hessianVectorProduct: no batches given; pass at least one batch to average the loss over');
  if (params.length === 0) throw new Error('hessianVectorProduct: no parameters given; pass the tensors the Hessian is taken with respect to');
  return torch.tidy(() => {
    const grads = batches.map((batch) => torch.autograd.grad([torch.autograd.forSecondOrder(() => loss(batch))], [...params], { createGraph: true, allowUnused: true }));
    const hvp: HessianVectorProduct = (v) => {
      if (v.length !== params.length) throw new Error(`hessianVectorProduct: got ${v.length} vector parts for ${params.length} parameters; give one per parameter`);
      return torch.tidy(() => {
        let total: Tensor[] = params.map((p) => torch.zerosLike(p));
        for (const g of grads) {
          const step = torch.tidy(() => {
            const terms = g.flatMap((gi, i) => (gi ? [gi.mul(v[i]!.detach()).sum()] : []));
            const gv = terms.length ? terms.reduce((a, b) => a.add(b)) : null;
            // A loss linear in the parameters has a constant gradient: its Hessian is zero.
            if (!gv?.requiresGrad) return params.map((p) => torch.zerosLike(p));
            const hv = torch.autograd.grad([gv], [...params], { retainGraph: true, allowUnused: true });
            return hv.map((h, i) => h ?? torch.zerosLike(params[i]!));
          });
          total = total.map((t, i) => t.add(step[i]!));
        }
        return total.map((t) => t.div(batches.length));
      });
    };
    return fn(hvp);
  });
}
