// Data sets by name.
import { loadCifar10, loadCifar100 } from './cifar.js';
import type { Dataset } from './dataset.js';
import { loadFashionMnist, loadMnist } from './mnist.js';
import { makeSynthetic } from './synthetic.js';

export type Split = 'train' | 'test';
export interface LoadOptions {
  dataDir?: string;
  split?: Split;
}

const LOADERS: Record<string, (split: Split, dataDir?: string) => Dataset> = {
  'fashion-mnist': loadFashionMnist,
  mnist: loadMnist,
  cifar10: loadCifar10,
  cifar100: loadCifar100,
  synthetic: (split) => makeSynthetic({ size: split === 'train' ? 512 : 128, seed: split === 'train' ? 0 : 1 }),
};

export const DATASET_NAMES = Object.keys(LOADERS);

export function loadDataset(name: string, o: LoadOptions = {}): Dataset {
  const load = LOADERS[name];
  if (!load) throw new Error(`unknown dataset '${name}' (known: ${DATASET_NAMES.join(', ')})`);
  return load(o.split ?? 'train', o.dataDir);
}

/** Crop padding used for augmentation: DARTS' 4 pixels at 32×32, scaled with the image. */
export function defaultCropPadding(imageSize: number): number {
  return Math.max(1, Math.round(imageSize / 8));
}
