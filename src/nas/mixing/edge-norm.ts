// PC-DARTS' edge normalisation (Xu et al. 2020, §3.2): per cell type, one β per edge; each node
// weighs its incoming edges by a softmax over their βs, which stabilises the search against the
// randomness of partial channels and separates "which inputs" from "which ops".
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { ArchParams, SearchSpaceInfo } from '../types.js';

export const BETA_INIT_SCALE = 1e-3;

export function betaName(cellType: string): string {
  return `betas_${cellType}`;
}

/** β per cell type, 1e-3·N(0, 1) as in the reference. */
export function createEdgeBetas(space: SearchSpaceInfo): ArchParams {
  const out: ArchParams = {};
  for (const t of space.cellTypes) out[betaName(t)] = torch.noGrad(() => torch.randn([space.edgesPerCell]).mul_(BETA_INIT_SCALE));
  return out;
}

/** Edge index ranges [start, end) of each node, from the edges' target nodes (edges are grouped by node). */
export function nodeRanges(edgeTargets: readonly number[]): [number, number][] {
  const ranges: [number, number][] = [];
  edgeTargets.forEach((node, e) => {
    const last = ranges[ranges.length - 1];
    if (last && edgeTargets[last[0]] === node) last[1] = e + 1;
    else ranges.push([e, e + 1]);
  });
  return ranges;
}

/** [edges] weights: the softmax of β over each node's incoming edges. */
export function edgeWeights(beta: Tensor, edgeTargets: readonly number[]): Tensor {
  return torch.tidy(() => torch.cat(nodeRanges(edgeTargets).map(([s, e]) => beta.narrow(0, s, e - s).softmax(0)), 0));
}
