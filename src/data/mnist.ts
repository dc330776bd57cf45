// MNIST and Fashion-MNIST from IDX files. Fashion-MNIST is embedded: Debian's
// dataset-fashion-mnist package installs it under /usr/share/datasets/fashion-mnist.
import { join } from 'node:path';
import { type Dataset, makeDataset } from './dataset.js';
import { readIdxFile } from './idx.js';

export const FASHION_MNIST_DIR = '/usr/share/datasets/fashion-mnist';
export const FASHION_MNIST_CLASSES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
export const MNIST_CLASSES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

export function loadIdxDataset(name: string, dir: string, split: 'train' | 'test', classes: readonly string[], hint: string): Dataset {
  const prefix = split === 'train' ? 'train' : 't10k';
  const images = readIdxFile(join(dir, `${prefix}-images-idx3-ubyte`), hint);
  const labels = readIdxFile(join(dir, `${prefix}-labels-idx1-ubyte`), hint);
  if (images.shape.length !== 3) throw new Error(`${name}: image file has ${images.shape.length} dimensions, expected 3 (N×H×W); ${hint}`);
  const [n, h, w] = images.shape as [number, number, number];
  if (labels.shape[0] !== n) throw new Error(`${name}: ${n} images but ${labels.shape[0]} labels in '${dir}'; ${hint}`);
  return makeDataset({ name, pixels: images.data, labels: labels.data, shape: [n, h, w, 1], classes });
}

export function loadFashionMnist(split: 'train' | 'test', dataDir?: string): Dataset {
  return loadIdxDataset('fashion-mnist', dataDir ?? FASHION_MNIST_DIR, split, FASHION_MNIST_CLASSES, "install Debian's dataset-fashion-mnist ('npx dnas setup' does, as root) or pass --data-dir with the IDX files");
}

export function loadMnist(split: 'train' | 'test', dataDir?: string): Dataset {
  if (!dataDir) throw new Error('mnist needs --data-dir: a folder with train-images-idx3-ubyte(.gz) etc. from http://yann.lecun.com/exdb/mnist/');
  return loadIdxDataset('mnist', dataDir, split, MNIST_CLASSES, 'get the four IDX files from http://yann.lecun.com/exdb/mnist/');
}
