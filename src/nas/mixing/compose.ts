// A mixing is composed of parts: a sampler (softmax, GDAS), optionally PC-DARTS' partial channel
// connection (K) and edge normalisation (β). Each part is small and tested on its own; this file
// only wires them into the Mixing interface the supernet and the update rules use.
import * as torch from '../../torch/index.js';
import type { ArchParams, CellWeights, DerivationWeights, Mixing, SearchSpaceInfo } from '../types.js';
import { betaName, createEdgeBetas, edgeWeights } from './edge-norm.js';
import { PartialChannelEdge } from './partial-channels.js';
import type { Sampler } from './sampler.js';
import { alphaName } from './softmax.js';
import { WeightedSumEdge } from './weighted-sum.js';

export interface MixingParts {
  sampler: Sampler;
  /** K of the partial channel connection; 1 = every channel goes through the mixed op. */
  partialChannels: number;
  edgeNorm: boolean;
}

export function composeMixing(parts: MixingParts): Mixing {
  const { sampler, partialChannels: k, edgeNorm } = parts;
  const name = [sampler.name, ...(k > 1 ? [`partial-channels-${k}`] : []), ...(edgeNorm ? ['edge-norm'] : [])].join('+');
  return {
    name,
    description: { sampler: sampler.name, ...sampler.options, partialChannels: k, edgeNorm },
    createExtraArchParams: (space) => (edgeNorm ? createEdgeBetas(space) : {}),
    createEdge: (primitives, makeOp, channels, stride) => (k > 1 ? new PartialChannelEdge(primitives, makeOp, channels, stride, k) : new WeightedSumEdge(primitives, makeOp, channels, stride)),
    sample(arch, space, progress) {
      const draws: Record<string, torch.Tensor> = {};
      for (const t of space.cellTypes) {
        const d = sampler.draw(arch[alphaName(t)]!, progress);
        if (d) draws[t] = d;
      }
      return Object.keys(draws).length ? draws : null;
    },
    cellWeights(arch, space, sample, progress) {
      const out: Record<string, CellWeights> = {};
      for (const t of space.cellTypes) {
        const w = sampler.opWeights(arch[alphaName(t)]!, sample?.[t] ?? null, progress, space.primitives);
        out[t] = { ...w, ...(edgeNorm ? { edges: edgeWeights(arch[betaName(t)]!, space.edgeTargets) } : {}) };
      }
      return out;
    },
    derivationWeights: (arch, space) => derivationWeights(arch, space, edgeNorm),
    scheduleValues: (progress) => sampler.scheduleValues(progress),
  };
}

/** softmax(α) per edge and, with edge normalisation, the per-node softmax of β, as plain numbers. */
export function derivationWeights(arch: ArchParams, space: SearchSpaceInfo, withEdges: boolean): DerivationWeights {
  const out: DerivationWeights = {};
  torch.noGrad(() =>
    torch.tidy(() => {
      for (const t of space.cellTypes) {
        const ops = arch[alphaName(t)]!.softmax(-1).tolist() as number[][];
        out[t] = withEdges && arch[betaName(t)] ? { ops, edges: edgeWeights(arch[betaName(t)]!, space.edgeTargets).tolist() as number[] } : { ops };
      }
    }),
  );
  return out;
}
