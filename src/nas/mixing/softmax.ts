// DARTS' continuous relaxation (Liu et al. 2019, Eq. 2): each edge mixes its candidate ops with
// weights softmax(α_edge). 'none' outputs zeros, so its term is never computed: its output and its
// contribution to every gradient are exactly zero.
import * as torch from '../../torch/index.js';
import type { ArchParams, SearchSpaceInfo } from '../types.js';
import { activeOps, type Sampler } from './sampler.js';

export function alphaName(cellType: string): string {
  return `alphas_${cellType}`;
}

/** Row-wise softmax of each cell type's alphas as plain numbers. */
export function softmaxRows(arch: ArchParams, space: SearchSpaceInfo): Record<string, number[][]> {
  const out: Record<string, number[][]> = {};
  torch.noGrad(() =>
    torch.tidy(() => {
      for (const t of space.cellTypes) out[t] = arch[alphaName(t)]!.softmax(-1).tolist() as number[][];
    }),
  );
  return out;
}

export function softmaxSampler(): Sampler {
  return {
    name: 'softmax',
    options: {},
    draw: () => null,
    opWeights: (alpha, _draw, _progress, primitives) => ({ ops: alpha.softmax(-1), active: activeOps(primitives, alpha.shape[0]!), inactiveAsScalars: false }),
    scheduleValues: () => ({}),
  };
}
