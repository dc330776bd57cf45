// The sharpDARTS genotypes in effect in its cnn/genotypes.py (Hundt et al. 2019), in our DARTS
// genotype form. Their concats are range(2, 6) there; their 5th field layout='cell' carries no
// information for a cell genotype, so it is not kept.
import type { DartsGenotype } from './darts-genotype.js';
import { SHARP_OPS } from './sharp-ops.js';

/** Op names a sharpDARTS genotype may use: every entry of the sharp op table. */
export const SHARP_GENOTYPE_OPS: readonly string[] = Object.freeze(Object.keys(SHARP_OPS));

const concat = [2, 3, 4, 5] as const;

/** sharpDARTS' headline search (PRIMITIVES, scalar weighting), the reference's CHOKE_FLOOD_DIL_IS_SEP_CONV. */
export const SHARP_DARTS: DartsGenotype = {
  normal: [['choke_conv_3x3', 0], ['choke_conv_3x3', 1], ['skip_connect', 0], ['choke_conv_3x3', 1], ['skip_connect', 0], ['skip_connect', 1], ['skip_connect', 0], ['skip_connect', 1]],
  normalConcat: concat,
  reduce: [['max_pool_3x3', 0], ['skip_connect', 1], ['max_pool_3x3', 0], ['skip_connect', 2], ['max_pool_3x3', 0], ['skip_connect', 2], ['skip_connect', 2], ['flood_conv_3x3', 0]],
  reduceConcat: concat,
};

/** The DARTS primitives searched with SharpSepConv ops, the reference's DARTS_PRIMITIVES_DIL_IS_SEPCONV (the README's SharpSepConvDARTS). */
export const SHARPSEPCONV_DARTS: DartsGenotype = {
  normal: [['sep_conv_3x3', 0], ['sep_conv_3x3', 1], ['sep_conv_3x3', 0], ['sep_conv_3x3', 2], ['skip_connect', 0], ['sep_conv_3x3', 1], ['skip_connect', 0], ['sep_conv_3x3', 1]],
  normalConcat: concat,
  reduce: [['max_pool_3x3', 0], ['skip_connect', 1], ['skip_connect', 2], ['avg_pool_3x3', 0], ['skip_connect', 2], ['avg_pool_3x3', 0], ['skip_connect', 2], ['skip_connect', 3]],
  reduceConcat: concat,
};

/** The same space searched with Max-W weighting; the reference defines the name twice and this is the later, effective one. */
export const SHARPSEPCONV_DARTS_MAX_W: DartsGenotype = {
  normal: [['dil_conv_3x3', 0], ['dil_conv_5x5', 1], ['sep_conv_3x3', 2], ['dil_conv_5x5', 1], ['avg_pool_3x3', 2], ['sep_conv_3x3', 0], ['avg_pool_3x3', 4], ['max_pool_3x3', 3]],
  normalConcat: concat,
  reduce: [['max_pool_3x3', 0], ['skip_connect', 1], ['sep_conv_5x5', 0], ['skip_connect', 2], ['sep_conv_5x5', 0], ['dil_conv_5x5', 3], ['sep_conv_5x5', 4], ['skip_connect', 3]],
  reduceConcat: concat,
};

export const SHARP_GENOTYPES: Readonly<Record<string, DartsGenotype>> = { SHARP_DARTS, SHARPSEPCONV_DARTS, SHARPSEPCONV_DARTS_MAX_W };

export function getSharpGenotype(name: string): DartsGenotype {
  const g = SHARP_GENOTYPES[name];
  if (!g) throw new Error(`unknown sharpDARTS genotype '${name}' (known: ${Object.keys(SHARP_GENOTYPES).join(', ')})`);
  return g;
}
