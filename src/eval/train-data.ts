// The training images of `dnas train`: the data set's train split (optionally its first N images),
// augmented as the protocols do — random crop with padding, horizontal flip, cutout after
// normalisation — in one seeded, resumable loader.
import * as data from '../data/index.js';
import type { TrainConfig } from './train-config.js';

/** The training split, limited to `trainLimit` images (0 = all). */
export async function openTrainDataset(o: { dataset: string; dataDir?: string; trainLimit: number; imageSize?: number }): Promise<data.Dataset> {
  const full = await data.loadDatasetAsync(o.dataset, { dataDir: o.dataDir, split: 'train', imageSize: o.imageSize });
  return data.limitDataset(full, o.trainLimit);
}

/** The loader a training run draws its batches from, shuffled by its own seed so a resume replays it. */
export function trainLoader(dataset: data.Dataset, cfg: TrainConfig): data.DataLoader {
  const [h, w] = data.imageShape(dataset);
  if (h !== w) throw new Error(`${cfg.dataset}: images are ${h}×${w}; the networks need square images`);
  const size = data.datasetSize(dataset);
  if (size < cfg.batchSize) throw new Error(`${cfg.dataset}: ${size} training images cannot fill a batch of ${cfg.batchSize}; lower --batch-size or raise --train-limit`);
  const all = Int32Array.from({ length: size }, (_, i) => i);
  return new data.DataLoader(dataset, all, {
    batchSize: cfg.batchSize,
    shuffle: true,
    // A last batch of one image would break batch normalisation; otherwise it is kept, as the references do.
    dropLast: size % cfg.batchSize === 1,
    seed: 2 * cfg.seed + 1,
    train: true,
    device: cfg.device,
    augment: {
      cropPadding: data.defaultCropPadding(h),
      horizontalFlip: true,
      cutout: cfg.cutout,
      mean: cfg.mean,
      std: cfg.std,
      memoryFormat: cfg.channelsLast ? 'channelsLast' : 'contiguous',
    },
  });
}
