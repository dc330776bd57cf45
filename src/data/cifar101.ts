// CIFAR-10.1 (Recht et al. 2018), a new test set for CIFAR-10 classifiers, in its published NumPy
// form: cifar10.1_<version>_data.npy (uint8, N×32×32×3) and cifar10.1_<version>_labels.npy.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Dataset, makeDataset } from './dataset.js';
import { npyToNumbers, readNpy } from './npy.js';

const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

/** The CIFAR-10.1 data file in `dir` (the newest version when several are present), or null. */
export function findCifar101(dir: string): { data: string; labels: string; version: string } | null {
  if (!existsSync(dir)) return null;
  const found = readdirSync(dir)
    .map((f) => /^cifar10\.1_(v\d+)_data\.npy$/.exec(f))
    .filter((m): m is RegExpExecArray => m !== null && existsSync(join(dir, `cifar10.1_${m[1]}_labels.npy`)))
    .sort((a, b) => Number(b[1]!.slice(1)) - Number(a[1]!.slice(1)));
  const m = found[0];
  return m ? { data: join(dir, m[0]), labels: join(dir, `cifar10.1_${m[1]}_labels.npy`), version: m[1]! } : null;
}

export function loadCifar101(dir: string): Dataset {
  const files = findCifar101(dir);
  if (!files) throw new Error(`no CIFAR-10.1 files in '${dir}': expected cifar10.1_v6_data.npy and cifar10.1_v6_labels.npy (github.com/modestyachts/CIFAR-10.1, datasets/)`);
  const images = readNpy(files.data);
  const [n, h, w, c] = images.shape;
  if (images.descr !== '|u1' || images.shape.length !== 4 || c !== 3) {
    throw new Error(`'${files.data}' must hold uint8 images N×H×W×3, got '${images.descr}' of shape (${images.shape.join(', ')})`);
  }
  const labels = npyToNumbers(readNpy(files.labels));
  if (labels.length !== n) throw new Error(`'${files.labels}' has ${labels.length} labels for ${n} images`);
  const bad = labels.findIndex((l) => !Number.isInteger(l) || l < 0 || l >= 10);
  if (bad >= 0) throw new Error(`'${files.labels}' label ${bad} is ${labels[bad]}; CIFAR-10.1 labels are 0..9`);
  return makeDataset({ name: `cifar10.1-${files.version}`, pixels: images.bytes, labels, shape: [n!, h!, w!, c], classes: CIFAR10_CLASSES });
}
