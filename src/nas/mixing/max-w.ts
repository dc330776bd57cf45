// sharpDARTS' Max-W weighting as a sampler (Hundt et al. 2019; model_search.py MixedOp with
// `--weighting_algorithm max_w`): w = softmax(α_edge), and each op is scaled by 1 − max w + w, so
// the strongest op runs at weight exactly 1 and the others at 1 minus their gap to it. Every op
// but 'none' is computed ('none' outputs zeros whatever its weight). On the hypercuboid a row of α
// is a whole (stride, layer) grid, so the max is over the grid, as the reference takes it there.
import { maxWWeights } from '../max-w.js';
import { activeOps, type Sampler } from './sampler.js';

export interface MaxWSamplerOptions {
  /** Stop the gradient through max w (the reference lets it flow; see max-w.ts). */
  detachMax: boolean;
}

export function maxWSampler(o: MaxWSamplerOptions): Sampler {
  return {
    name: 'max-w',
    options: { detachMax: o.detachMax },
    draw: () => null,
    opWeights(alpha, _draw, _progress, primitives) {
      const w = alpha.softmax(-1);
      const ops = maxWWeights(w, { detachMax: o.detachMax });
      w.dispose();
      return { ops, active: activeOps(primitives, alpha.shape[0]!), inactiveAsScalars: false };
    },
    scheduleValues: () => ({}),
  };
}
