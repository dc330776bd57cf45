// Rebuilds the network a trained run holds, from its config.json: what `dnas export` needs.
import type { BuildNetworkForRun } from './export-run.js';
import { readTrainConfig } from './evaluate.js';
import { buildNetwork } from './network.js';

// Image side per data set; image folders record theirs in config.imageSize.
const IMAGE_SIZE: Record<string, number> = { cifar10: 32, cifar100: 32, 'fashion-mnist': 28, mnist: 28, synthetic: 16 };

export const buildNetworkForRun: BuildNetworkForRun = ({ dir }) => {
  const cfg = readTrainConfig(dir);
  const size = cfg.network === 'imagenet' ? 224 : (cfg.imageSize ?? IMAGE_SIZE[cfg.dataset]);
  if (size === undefined) throw new Error(`cannot tell the image size of data set '${cfg.dataset}' from '${dir}/config.json'`);
  return {
    network: buildNetwork(cfg),
    inputShape: [1, cfg.inChannels, size, size],
    metadata: { genotype: cfg.genotype, mean: JSON.stringify(cfg.mean), std: JSON.stringify(cfg.std), classes: String(cfg.numClasses), input: 'NCHW float32, pixels/255 normalised with mean/std' },
  };
};
