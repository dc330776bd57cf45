// Loader throughput: CIFAR-shaped batches of 64 with the DARTS search augmentation (crop with
// padding 4, horizontal flip, cutout 16, normalisation) into channels-last float batches.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as data from '../src/data/index.js';
import * as torch from '../src/torch/index.js';

const cifarDir = resolve(process.cwd(), '../shared/data/cifar10/cifar-10-batches-bin');
const dataset = existsSync(cifarDir) ? data.loadDataset('cifar10', { dataDir: cifarDir, split: 'train' }) : data.makeSynthetic({ size: 10_000, imageSize: 32, channels: 3 });
const indices = Int32Array.from({ length: data.datasetSize(dataset) }, (_, i) => i);
for (const [name, augment] of [
  ['crop+flip+cutout+normalize', { cropPadding: 4, horizontalFlip: true, cutout: 16 }],
  ['normalize', {}],
] as const) {
  const loader = new data.DataLoader(dataset, indices, { batchSize: 64, seed: 0, augment: { ...augment, mean: dataset.mean, std: dataset.std } });
  for (let i = 0; i < 10; i++) torch.tidy(() => loader.next());
  const batches = 200;
  const t0 = performance.now();
  for (let i = 0; i < batches; i++) torch.tidy(() => loader.next());
  const s = (performance.now() - t0) / 1000;
  console.log(JSON.stringify({ bench: 'loader', dataset: existsSync(cifarDir) ? 'cifar10' : 'synthetic', batch: 64, augment: name, threads: torch.getNumThreads(), images_per_s: Math.round((batches * 64) / s) }));
}
