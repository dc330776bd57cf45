// Input-pipeline figures, one JSON line each: images per second of a DARTS-style CIFAR loader
// (crop with 4 pixels of padding, flip, cutout 16, normalisation, channels-last float32 batches of 64;
// once more with sharpDARTS' AutoAugment added),
// from the real CIFAR copy in ../shared/data when present, else synthetic 32×32×3 images.
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as data from '../src/data/index.js';
import * as torch from '../src/torch/index.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(resolve(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function openDataset(): data.Dataset {
  const dir = resolve(repoRoot(), '../shared/data/cifar10/cifar-10-batches-bin');
  if (existsSync(resolve(dir, 'data_batch_1.bin'))) return data.loadDataset('cifar10', { dataDir: dir, split: 'train' });
  return data.makeSynthetic({ size: 10_000, imageSize: 32, channels: 3, numClasses: 10 });
}

function loaderBench(dataset: data.Dataset, augmentName: string, augment: data.AugmentOptions, train: boolean): void {
  const batch = 64;
  const loader = new data.DataLoader(dataset, Int32Array.from({ length: data.datasetSize(dataset) }, (_, i) => i), { batchSize: batch, seed: 0, augment, train });
  const steps = 100;
  const rates: number[] = [];
  for (let rep = 0; rep < 6; rep++) {
    let images = 0;
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < steps; i++) {
      const b = loader.next();
      images += b.x.shape[0]!;
      b.x.dispose();
      b.y.dispose();
    }
    rates.push(images / (Number(process.hrtime.bigint() - t0) / 1e9));
  }
  console.log(JSON.stringify({ bench: 'loader', dataset: dataset.name, batch, augment: augmentName, threads: torch.getNumThreads(), images_per_s: Math.round(median(rates.slice(1))) }));
}

const dataset = openDataset();
const base = { mean: dataset.mean, std: dataset.std, memoryFormat: 'channelsLast' as const };
loaderBench(dataset, 'crop+flip+cutout+normalize', { ...base, cropPadding: 4, horizontalFlip: true, cutout: 16 }, true);
loaderBench(dataset, 'crop+flip+autoaugment+cutout+normalize', { ...base, cropPadding: 4, horizontalFlip: true, autoaugment: true, cutout: 16 }, true);
loaderBench(dataset, 'normalize', base, false);
