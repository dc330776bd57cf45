// sharpDARTS' primitive lists (cnn/genotypes.py); the order is the alpha column order. Selectable
// by name through op-tables.ts: --primitives sharp (PRIMITIVES), sharper, darts.
import { DARTS_PRIMITIVES } from './darts-genotype.js';

/** DARTS' 8 ops (quark0/darts order); with sharpOps their convs are SharpSepConvs. */
export { DARTS_PRIMITIVES };

/** The default of sharpDARTS' train_search `--primitives`: 3×3 ops only, with flood and choke widths (9 ops). */
export const PRIMITIVES: readonly string[] = Object.freeze(['none', 'max_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'dil_conv_3x3', 'flood_conv_3x3', 'dil_flood_conv_3x3', 'choke_conv_3x3', 'dil_choke_conv_3x3']);

/** The larger list (12 ops): every kernel size, flood ops, no choke ops. */
export const SHARPER_PRIMITIVES: readonly string[] = Object.freeze([
  'none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'sep_conv_7x7',
  'dil_conv_3x3', 'dil_conv_5x5', 'flood_conv_3x3', 'flood_conv_5x5', 'dil_flood_conv_3x3',
]);
