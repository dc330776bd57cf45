// DARTS' continuous relaxation (Liu et al. 2019, Eq. 2): each edge mixes its candidate ops with
// weights softmax(α_edge). 'none' outputs zeros, so its term is never computed: its output and its
// contribution to every gradient are exactly zero.
import * as torch from '../../torch/index.js';
import type { ArchParams, CellWeights, Mixing, SearchSpaceInfo } from '../types.js';
import { WeightedSumEdge } from './weighted-sum.js';

export function activeOps(primitives: readonly string[], edges: number, skip: readonly string[] = ['none']): number[][] {
  const row = primitives.map((_, i) => i).filter((i) => !skip.includes(primitives[i]!));
  return Array.from({ length: edges }, () => row);
}

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

export function softmaxMixing(): Mixing {
  return {
    name: 'softmax',
    createExtraArchParams: () => ({}),
    createEdge: (primitives, makeOp, channels, stride) => new WeightedSumEdge(primitives, makeOp, channels, stride),
    cellWeights(arch: ArchParams, space: SearchSpaceInfo): Record<string, CellWeights> {
      const out: Record<string, CellWeights> = {};
      const active = activeOps(space.primitives, space.edgesPerCell);
      for (const t of space.cellTypes) out[t] = { ops: arch[alphaName(t)]!.softmax(-1), active };
      return out;
    },
    derivationWeights: softmaxRows,
  };
}
