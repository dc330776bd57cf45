// Genotypes published with the papers, by the names their code uses, so `dnas train --genotype
// DARTS_V2` retrains a paper's cell. Adding one (sharpDARTS, ROME, …) is one entry here.
import { DARTS_V1, DARTS_V2, type DartsGenotype } from '../nas/spaces/darts-genotype.js';
import type { Nb201Genotype } from '../nas/spaces/nb201-genotype.js';
import { parseNb201 } from '../nas/spaces/nb201-genotype.js';

export type PublishedGenotype =
  | { space: 'darts'; genotype: DartsGenotype; source: string }
  | { space: 'nb201'; genotype: Nb201Genotype; source: string };

const cell = (pairs: [string, number][]) => pairs.map(([op, input]) => [op, input] as const);
const CONCAT = [2, 3, 4, 5];

/** PC-DARTS' CIFAR-10 cell (yuhuixu1993/PC-DARTS genotypes.py, alias PCDARTS). */
export const PC_DARTS_CIFAR: DartsGenotype = {
  normal: cell([['sep_conv_3x3', 1], ['skip_connect', 0], ['sep_conv_3x3', 0], ['dil_conv_3x3', 1], ['sep_conv_5x5', 0], ['sep_conv_3x3', 1], ['avg_pool_3x3', 0], ['dil_conv_3x3', 1]]),
  normalConcat: CONCAT,
  reduce: cell([['sep_conv_5x5', 1], ['max_pool_3x3', 0], ['sep_conv_5x5', 1], ['sep_conv_5x5', 2], ['sep_conv_3x3', 0], ['sep_conv_3x3', 3], ['sep_conv_3x3', 1], ['sep_conv_3x3', 2]]),
  reduceConcat: CONCAT,
};

/** PC-DARTS' cell searched on ImageNet (genotypes.py PC_DARTS_image). */
export const PC_DARTS_IMAGE: DartsGenotype = {
  normal: cell([['skip_connect', 1], ['sep_conv_3x3', 0], ['sep_conv_3x3', 0], ['skip_connect', 1], ['sep_conv_3x3', 1], ['sep_conv_3x3', 3], ['sep_conv_3x3', 1], ['dil_conv_5x5', 4]]),
  normalConcat: CONCAT,
  reduce: cell([['sep_conv_3x3', 0], ['skip_connect', 1], ['dil_conv_5x5', 2], ['max_pool_3x3', 1], ['sep_conv_3x3', 2], ['sep_conv_3x3', 1], ['sep_conv_5x5', 0], ['sep_conv_3x3', 3]]),
  reduceConcat: CONCAT,
};

export const PUBLISHED_GENOTYPES: Record<string, PublishedGenotype> = {
  DARTS_V1: { space: 'darts', genotype: DARTS_V1, source: 'quark0/darts cnn/genotypes.py (first order)' },
  DARTS_V2: { space: 'darts', genotype: DARTS_V2, source: 'quark0/darts cnn/genotypes.py (second order)' },
  DARTS: { space: 'darts', genotype: DARTS_V2, source: 'quark0/darts cnn/genotypes.py (alias of DARTS_V2)' },
  PC_DARTS_cifar: { space: 'darts', genotype: PC_DARTS_CIFAR, source: 'yuhuixu1993/PC-DARTS genotypes.py' },
  PCDARTS: { space: 'darts', genotype: PC_DARTS_CIFAR, source: 'yuhuixu1993/PC-DARTS genotypes.py (alias of PC_DARTS_cifar)' },
  PC_DARTS_image: { space: 'darts', genotype: PC_DARTS_IMAGE, source: 'yuhuixu1993/PC-DARTS genotypes.py' },
  // The NAS-Bench-201 optimum on CIFAR-10 test (94.37%) and the cell DARTS collapses to there.
  NB201_BEST_CIFAR10: { space: 'nb201', genotype: parseNb201('|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'), source: 'NAS-Bench-201 table, best cifar10.test' },
  NB201_ALL_SKIP: { space: 'nb201', genotype: parseNb201('|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|'), source: 'the DARTS collapse on NAS-Bench-201 (AutoDL issues #58, #110)' },
};

export function getPublishedGenotype(name: string): PublishedGenotype | undefined {
  return PUBLISHED_GENOTYPES[name];
}
