// ROME's topology sampler (Wang et al., ICCV 2023, §3.2, Eq. 7–8, "ROME-v2"): one β per edge; each
// intermediate node draws exactly two distinct incoming edges by Gumbel-Top2 — the two largest of
// log softmax(β) + g over the node's edges, g ~ Gumbel(0, 1) — which is sampling two edges without
// replacement with probabilities softmax(β). The forward uses the hard mask (value 1 on the two
// edges, 0 elsewhere); gradients reach β straight-through, as GDAS does for ops:
//   B = hard − soft.detach() + soft.
// The paper writes the relaxation as B~ = softmax((log softmax β + g)/τ) over the node's edges and
// never says how gradients pass the top-2 (methods.md §6.2, UNVERIFIED), so that is the default
// ('softmax'); 'successive' is the relaxed top-k of successive softmaxes (the second draw's
// probabilities with the first's mass removed, s2 = softmax((z + log(1 − s1))/τ)), whose soft
// weights sum to 2 like the hard mask. τ follows GDAS' schedule (the paper only says it decreases).
// Unselected edges are not computed: they add their weight (value 0) to the node as a scalar (see
// CellWeights.activeEdges), so their β still gets a gradient, the sum of dL/d(node), exactly as
// GDAS' unselected ops do for α.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { SearchSpaceInfo, TrainingProgress } from '../types.js';
import { nodeRanges } from './edge-norm.js';
import { gdasTau, gumbelNoise } from './gdas.js';

export type Top2Relaxation = 'softmax' | 'successive';

export interface GumbelTop2Options {
  tauMax: number;
  tauMin: number;
  relaxation?: Top2Relaxation;
  /** Source of Gumbel(0, 1) noise of β's shape; tests inject recorded noise here. */
  drawGumbel?: (beta: Tensor) => Tensor;
}

/** Edge weights of one cell type: straight-through weights and which edges run. */
export interface TopologyWeights {
  /** [edges] (or [..., edges]): value 1 on the drawn edges, 0 elsewhere; gradient through the relaxation. */
  edges: Tensor;
  /** Per edge, whether it was drawn (only for a 1-d β). */
  activeEdges: boolean[];
}

export interface TopologySampler {
  readonly name: string;
  readonly options: Record<string, unknown>;
  /** Throws when a node of the space has fewer than two incoming edges. */
  check(space: Pick<SearchSpaceInfo, 'name' | 'edgeTargets'>): void;
  draw(beta: Tensor, progress: TrainingProgress): Tensor;
  edgeWeights(beta: Tensor, draw: Tensor, progress: TrainingProgress, edgeTargets: readonly number[]): TopologyWeights;
}

/**
 * Gumbel-Top2 per node over the last axis of β (so a batch of rows [n, edges] draws n topologies
 * at once): the hard mask and its straight-through weights.
 */
export function gumbelTopTwo(beta: Tensor, gumbel: Tensor, tau: number, edgeTargets: readonly number[], relaxation: Top2Relaxation = 'softmax'): { weights: Tensor; mask: Tensor } {
  return torch.tidy(() => {
    const weights: Tensor[] = [];
    const masks: Tensor[] = [];
    for (const [s, e] of nodeRanges(edgeTargets)) {
      const n = e - s;
      const z = beta.narrow(-1, s, n).logSoftmax(-1).add(gumbel.narrow(-1, s, n));
      const hard = torch.noGrad(() => torch.zerosLike(z).scatter(-1, z.topk(Math.min(2, n), -1).indices, 1));
      const first = z.div(tau).softmax(-1);
      // The second draw of a relaxed sampling without replacement: the first draw's mass removed.
      const soft = relaxation === 'softmax' ? first : first.add(z.add(first.neg().add(1).clamp(1e-20).log()).div(tau).softmax(-1));
      weights.push(hard.sub(soft.detach()).add(soft));
      masks.push(hard);
    }
    return { weights: torch.cat(weights, -1), mask: torch.cat(masks, -1) };
  });
}

export function gumbelTop2Sampler(o: GumbelTop2Options): TopologySampler {
  if (!(o.tauMax > 0) || !(o.tauMin > 0)) throw new Error(`--tau-max/--tau-min: the Gumbel temperature must be > 0, got ${o.tauMax} and ${o.tauMin}`);
  const relaxation = o.relaxation ?? 'softmax';
  const draw = o.drawGumbel ?? gumbelNoise;
  return {
    name: 'gumbel-top2',
    options: { topology: 'gumbel-top2', top2Relaxation: relaxation },
    check(space) {
      const ranges = nodeRanges(space.edgeTargets);
      const thin = ranges.findIndex(([s, e]) => e - s < 2);
      if (thin >= 0) {
        throw new Error(
          `--topology: 'gumbel-top2' draws two distinct inputs per node, but node ${space.edgeTargets[ranges[thin]![0]]} of the '${space.name}' space has ${ranges[thin]![1] - ranges[thin]![0]} incoming edge; use --topology all-edges (ROME's nb201 preset keeps every edge)`,
        );
      }
    },
    draw(beta, _progress) {
      for (let attempt = 0; attempt < 100; attempt++) {
        const g = draw(beta);
        if (torch.noGrad(() => torch.tidy(() => g.isfinite().all().item() === 1))) return g;
        g.dispose();
      }
      throw new Error('Gumbel-Top2: 100 draws in a row gave inf or NaN noise');
    },
    edgeWeights(beta, g, progress, edgeTargets) {
      const { weights, mask } = gumbelTopTwo(beta, g, gdasTau(o, progress), edgeTargets, relaxation);
      const activeEdges = beta.dim() === 1 ? (mask.tolist() as number[]).map((v) => v > 0.5) : [];
      mask.dispose();
      return { edges: weights, activeEdges };
    },
  };
}
