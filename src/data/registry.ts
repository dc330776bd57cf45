// Data sets by name.
import { loadCifar10, loadCifar100 } from './cifar.js';
import type { Dataset } from './dataset.js';
import { loadFashionMnist, loadMnist } from './mnist.js';
import { loadImageFolder } from './imagefolder.js';
import { makeSynthetic } from './synthetic.js';

export type Split = 'train' | 'test';
export interface LoadOptions {
  dataDir?: string;
  split?: Split;
  /** imagefolder: side every image is resized to (default: the first image's smaller side). */
  imageSize?: number;
}

const LOADERS: Record<string, (split: Split, dataDir?: string) => Dataset> = {
  'fashion-mnist': loadFashionMnist,
  mnist: loadMnist,
  cifar10: loadCifar10,
  cifar100: loadCifar100,
  synthetic: (split) => makeSynthetic({ size: split === 'train' ? 512 : 128, seed: split === 'train' ? 0 : 1 }),
};

// Decoders that only exist asynchronously (sharp) load through loadDatasetAsync.
const ASYNC_LOADERS: Record<string, (o: LoadOptions) => Promise<Dataset>> = {
  imagefolder: (o) => {
    if (!o.dataDir) throw new Error('imagefolder needs --data-dir: a folder with one sub-folder of PNG/JPEG images per class');
    return loadImageFolder(o.dataDir, { split: o.split, size: o.imageSize });
  },
};

export const DATASET_NAMES = [...Object.keys(LOADERS), ...Object.keys(ASYNC_LOADERS)];

export function loadDataset(name: string, o: LoadOptions = {}): Dataset {
  const load = LOADERS[name];
  if (!load) {
    if (ASYNC_LOADERS[name]) throw new Error(`dataset '${name}' decodes images asynchronously: open it with loadDatasetAsync`);
    throw new Error(`unknown dataset '${name}' (known: ${DATASET_NAMES.join(', ')})`);
  }
  return load(o.split ?? 'train', o.dataDir);
}

/** Any data set by name, including those whose decoders are asynchronous (imagefolder). */
export async function loadDatasetAsync(name: string, o: LoadOptions = {}): Promise<Dataset> {
  const load = ASYNC_LOADERS[name];
  return load ? load(o) : loadDataset(name, o);
}

/** Crop padding used for augmentation: DARTS' 4 pixels at 32×32, scaled with the image. */
export function defaultCropPadding(imageSize: number): number {
  return Math.max(1, Math.round(imageSize / 8));
}
