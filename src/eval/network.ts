// Builds the network a training configuration names: NetworkCIFAR or NetworkImageNet for a DARTS
// genotype, TinyNetwork for an NB201 cell.
import { parseDartsGenotype } from '../nas/spaces/darts-genotype.js';
import { parseNb201 } from '../nas/spaces/nb201-genotype.js';
import { type GenotypeNetwork, NetworkCIFAR, NetworkImageNet } from './darts-network.js';
import { TinyNetwork } from './nb201-network.js';
import type { NetworkKind } from './train-config.js';

export interface NetworkSpec {
  space: 'darts' | 'nb201';
  network: NetworkKind;
  genotype: string;
  numClasses: number;
  inChannels: number;
  initChannels: number;
  layers: number;
  auxiliary: boolean;
}

/** The network kind for a genotype's space and a data set: image folders get the ImageNet network. */
export function networkKindFor(space: 'darts' | 'nb201', dataset: string): NetworkKind {
  if (space === 'nb201') return 'nb201';
  return dataset === 'imagefolder' ? 'imagenet' : 'cifar';
}

export function buildNetwork(s: NetworkSpec): GenotypeNetwork {
  if (s.space === 'nb201') {
    if (s.network !== 'nb201') throw new Error(`an NB201 genotype builds the NB201 network, not '${s.network}'`);
    return new TinyNetwork({ genotype: parseNb201(s.genotype), numClasses: s.numClasses, initChannels: s.initChannels, cellsPerStage: s.layers, inChannels: s.inChannels });
  }
  if (s.network === 'nb201') throw new Error('a DARTS genotype cannot build the NB201 network; give an NB201 arch string');
  const o = { genotype: parseDartsGenotype(s.genotype), numClasses: s.numClasses, initChannels: s.initChannels, layers: s.layers, auxiliary: s.auxiliary, inChannels: s.inChannels };
  return s.network === 'imagenet' ? new NetworkImageNet(o) : new NetworkCIFAR(o);
}

/** Parameters outside the auxiliary head: the count papers report. */
export function countParameters(net: GenotypeNetwork): { total: number; withoutAuxiliary: number } {
  let total = 0;
  let aux = 0;
  for (const [name, p] of net.namedParameters()) {
    total += p.numel();
    if (name.startsWith('auxiliary_head.')) aux += p.numel();
  }
  return { total, withoutAuxiliary: total - aux };
}
