// Mixings by name, built from a config's parts.
import type { Mixing } from '../types.js';
import { composeMixing } from './compose.js';
import { gdasSampler } from './gdas.js';
import { gumbelTop2Sampler, type Top2Relaxation, type TopologySampler } from './gumbel-top2.js';
import { maxWSampler } from './max-w.js';
import type { Sampler } from './sampler.js';
import { softmaxSampler } from './softmax.js';

export interface MixingSettings {
  mixing: string;
  partialChannels: number;
  edgeNorm: boolean;
  tauMax: number;
  tauMin: number;
  /** Which edges of a cell run: 'all-edges' (default) or ROME's 'gumbel-top2'. */
  topology?: string;
  top2Relaxation?: Top2Relaxation;
  /** max-w only (absent: the reference's undetached max). */
  maxWDetach?: boolean;
}

export const SAMPLERS: Record<string, (s: MixingSettings) => Sampler> = {
  softmax: () => softmaxSampler(),
  gdas: (s) => gdasSampler({ tauMax: s.tauMax, tauMin: s.tauMin }),
  'max-w': (s) => maxWSampler({ detachMax: s.maxWDetach ?? false }),
};

/** Topology samplers by name; 'all-edges' (every edge runs) is the absence of one. */
export const TOPOLOGIES: Record<string, (s: MixingSettings) => TopologySampler | undefined> = {
  'all-edges': () => undefined,
  'gumbel-top2': (s) => gumbelTop2Sampler({ tauMax: s.tauMax, tauMin: s.tauMin, relaxation: s.top2Relaxation }),
};

export function createMixing(s: MixingSettings): Mixing {
  const make = SAMPLERS[s.mixing];
  if (!make) throw new Error(`--mixing: unknown mixing '${s.mixing}' (known: ${Object.keys(SAMPLERS).join(', ')})`);
  const topology = TOPOLOGIES[s.topology ?? 'all-edges'];
  if (!topology) throw new Error(`--topology: unknown topology sampler '${s.topology}' (known: ${Object.keys(TOPOLOGIES).join(', ')})`);
  const t = topology(s);
  return composeMixing({ sampler: make(s), partialChannels: s.partialChannels, edgeNorm: s.edgeNorm, ...(t ? { topology: t } : {}) });
}

export { composeMixing, type MixingParts } from './compose.js';
export { softmaxSampler, softmaxRows, alphaName } from './softmax.js';
export { maxWSampler, type MaxWSamplerOptions } from './max-w.js';
export { gdasSampler, gdasTau, gumbelNoise, type GdasOptions } from './gdas.js';
export { gumbelTop2Sampler, gumbelTopTwo, type GumbelTop2Options, type Top2Relaxation, type TopologySampler } from './gumbel-top2.js';
export { activeOps, type Sampler, type OpWeights } from './sampler.js';
export { PartialChannelEdge, channelShuffle } from './partial-channels.js';
export { betaName, createEdgeBetas, edgeWeights, nodeRanges } from './edge-norm.js';
export { WeightedSumEdge, setDropPathProb } from './weighted-sum.js';

/** DARTS' mixing: softmax over all ops of every edge. */
export function softmaxMixing(): Mixing {
  return composeMixing({ sampler: softmaxSampler(), partialChannels: 1, edgeNorm: false });
}
