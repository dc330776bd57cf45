// A mixing is composed of parts: a sampler (softmax, GDAS), optionally PC-DARTS' partial channel
// connection (K) and edge normalisation (β), or ROME's topology sampler (β, two edges per node). Each part is small and tested on its own; this file
// only wires them into the Mixing interface the supernet and the update rules use.
import * as torch from '../../torch/index.js';
import type { ArchParams, CellWeights, DerivationWeights, Mixing, SearchSpaceInfo } from '../types.js';
import { betaName, createEdgeBetas, edgeWeights } from './edge-norm.js';
import type { TopologySampler } from './gumbel-top2.js';
import { PartialChannelEdge } from './partial-channels.js';
import type { Sampler } from './sampler.js';
import { alphaName } from './softmax.js';
import { WeightedSumEdge } from './weighted-sum.js';

export interface MixingParts {
  sampler: Sampler;
  /** K of the partial channel connection; 1 = every channel goes through the mixed op. */
  partialChannels: number;
  edgeNorm: boolean;
  /** Which edges of a cell run (ROME's Gumbel-Top2); absent: all of them. */
  topology?: TopologySampler;
}

/** The phase-sample key of a cell type's topology draw (op draws are keyed by the cell type). */
export const topologyKey = (cellType: string) => `topology_${cellType}`;

export function composeMixing(parts: MixingParts): Mixing {
  const { sampler, partialChannels: k, edgeNorm, topology } = parts;
  if (edgeNorm && topology) throw new Error(`--edge-norm and --topology ${topology.name} both weigh a node's edges by β; choose one`);
  const name = [sampler.name, ...(k > 1 ? [`partial-channels-${k}`] : []), ...(edgeNorm ? ['edge-norm'] : []), ...(topology ? [topology.name] : [])].join('+');
  return {
    name,
    description: { sampler: sampler.name, ...sampler.options, partialChannels: k, edgeNorm, ...(topology ? topology.options : { topology: 'all-edges' }) },
    createExtraArchParams(space) {
      topology?.check(space);
      return edgeNorm || topology ? createEdgeBetas(space) : {};
    },
    createEdge: (primitives, makeOp, channels, stride) => (k > 1 ? new PartialChannelEdge(primitives, makeOp, channels, stride, k) : new WeightedSumEdge(primitives, makeOp, channels, stride)),
    sample(arch, space, progress) {
      const draws: Record<string, torch.Tensor> = {};
      for (const t of space.cellTypes) {
        const d = sampler.draw(arch[alphaName(t)]!, progress);
        if (d) draws[t] = d;
        if (topology) draws[topologyKey(t)] = topology.draw(arch[betaName(t)]!, progress);
      }
      return Object.keys(draws).length ? draws : null;
    },
    cellWeights(arch, space, sample, progress) {
      const out: Record<string, CellWeights> = {};
      for (const t of space.cellTypes) {
        const w = sampler.opWeights(arch[alphaName(t)]!, sample?.[t] ?? null, progress, space.edgePrimitives?.[t] ?? space.primitives);
        if (topology) {
          const draw = sample?.[topologyKey(t)];
          if (!draw) throw new Error(`${topology.name} needs the phase sample: call beginPhase before the forward`);
          out[t] = { ...w, ...topology.edgeWeights(arch[betaName(t)]!, draw, progress, space.edgeTargets) };
        } else out[t] = { ...w, ...(edgeNorm ? { edges: edgeWeights(arch[betaName(t)]!, space.edgeTargets) } : {}) };
      }
      return out;
    },
    derivationWeights: (arch, space) => derivationWeights(arch, space, edgeNorm || topology !== undefined),
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
