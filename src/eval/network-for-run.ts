// Rebuilds the network a trained run holds, from its config.json: what `dnas export` (and later
// `dnas eval`) need. The networks built from a genotype (NetworkCIFAR, NetworkImageNet, NB201's
// TinyNetwork) are wired in here; until then a run cannot be exported.
import type { BuildNetworkForRun } from './export-run.js';

export const buildNetworkForRun: BuildNetworkForRun = ({ dir }) => {
  throw new Error(`cannot rebuild the network of '${dir}': this build of dnas has no networks built from a genotype yet (src/eval/network-for-run.ts)`);
};
