// The batch streams of a search, built from the configuration: the training set split by
// `trainPortion` into a weight half and an architecture half, both augmented like DARTS' search, or
// (trainPortion 1, single-level updates) one stream over the whole training set.
import * as data from '../data/index.js';
import * as torch from '../torch/index.js';
import type { SearchConfig } from './config.js';
import type { SearchData } from './search.js';

export async function openSearchData(cfg: SearchConfig): Promise<SearchData> {
  const full = await data.loadDatasetAsync(cfg.dataset, { dataDir: cfg.dataDir, split: 'train' });
  const dataset = data.limitDataset(full, cfg.trainLimit);
  const size = data.datasetSize(dataset);
  const [h, w, c] = data.imageShape(dataset);
  if (h !== w) throw new Error(`${cfg.dataset}: images are ${h}×${w}; the search spaces need square images`);
  // trainPortion 1 (single-level updates): every image trains both the weights and α, no split.
  const { train, valid } = cfg.trainPortion === 1 ? { train: Int32Array.from({ length: size }, (_, i) => i), valid: null } : data.dartsSplit(size, cfg.trainPortion);
  if (train.length < cfg.batchSize || (valid && valid.length < cfg.batchSize)) {
    throw new Error(`${cfg.dataset}: ${size} training images split ${train.length}/${valid?.length ?? 0} cannot fill batches of ${cfg.batchSize}; lower --batch-size or raise --train-limit`);
  }
  const augment: data.AugmentOptions = {
    cropPadding: data.defaultCropPadding(h),
    horizontalFlip: true,
    cutout: cfg.cutout,
    // sharpDARTS' train_search builds both halves of the split with its train transform, AutoAugment included.
    autoaugment: cfg.autoaugment,
    autoaugmentPolicy: cfg.autoaugmentPolicy,
    mean: dataset.mean,
    std: dataset.std,
    memoryFormat: cfg.channelsLast ? 'channelsLast' : 'contiguous',
  };
  // Batches of 1 would break batch normalisation; otherwise the last partial batch is kept, as the
  // reference does. A data-parallel search keeps it only when it splits evenly over the processes
  // with at least 2 examples each (src/nas/data-parallel.ts slices every batch into equal shards).
  const dropLast = (n: number) => {
    const tail = n % cfg.batchSize;
    return tail > 0 && (tail % cfg.worldSize !== 0 || tail / cfg.worldSize < 2);
  };
  const common = { batchSize: cfg.batchSize, shuffle: true, augment, train: true, device: cfg.device };
  return {
    inChannels: c,
    numClasses: dataset.classes.length,
    imageSize: h,
    train: new data.DataLoader(dataset, train, { ...common, seed: 2 * cfg.seed + 1, dropLast: dropLast(train.length) }),
    valid: valid && new data.DataLoader(dataset, valid, { ...common, seed: 2 * cfg.seed + 2, dropLast: dropLast(valid.length) }),
    // The diagnostics' fixed batches (from the validation part, or the training set when there is no
    // split): their own seeded order, no random augmentation, drawn on first use.
    probeBatches: () => {
      const from = valid ?? train;
      const probe = new data.DataLoader(dataset, from, { ...common, train: false, seed: 2 * cfg.seed + 3, dropLast: true });
      return Array.from({ length: Math.min(cfg.hessianBatches, Math.floor(from.length / cfg.batchSize)) }, () => {
        const b = probe.next();
        return { x: torch.keep(b.x), y: torch.keep(b.y) };
      });
    },
  };
}
