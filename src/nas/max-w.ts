// sharpDARTS' Max-W weighting (Hundt et al. 2019, §3.3 of methods.md): the softmax weights w of an
// edge become w' = 1 − max(w) + w, so the strongest op always has weight exactly 1 and the others
// 1 minus their gap to it. A pure function; the mixing part decides where it applies.
import type { Tensor } from '../torch/index.js';

export interface MaxWOptions {
  /**
   * Stop the gradient through max(w). The reference lets it flow (MixedOp); a comment in its
   * hypercuboid says it should not, hence the option. Default false, as the code runs.
   */
  detachMax?: boolean;
  /** Dimension the max runs over (default −1: each row is one edge); null takes the max of the whole tensor (the hypercuboid's per-layer grid). */
  dim?: number | null;
}

/** w' = 1 − max(w) + w over `dim`; with ties, the max's gradient is shared evenly between them. */
export function maxWWeights(w: Tensor, o: MaxWOptions = {}): Tensor {
  const dim = o.dim === undefined ? -1 : o.dim;
  const max = dim === null ? w.amax() : w.amax(dim, true);
  const m = o.detachMax ? max.detach() : max;
  const out = w.sub(m).add(1);
  if (m !== max) m.dispose();
  max.dispose();
  return out;
}
