// CIFAR-10 and CIFAR-100 from the standard binary distributions: records of label byte(s) then
// 3072 bytes in CHW order (https://www.cs.toronto.edu/~kriz/cifar.html).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Dataset, makeDataset } from './dataset.js';

const PIXELS = 32 * 32 * 3;
const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
const CIFAR10_HINT = 'get cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html and unpack it into --data-dir';
const CIFAR100_HINT = 'get cifar-100-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html and unpack it into --data-dir';
const CIFAR10_REDOWNLOAD = 're-download cifar-10-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html';
const CIFAR100_REDOWNLOAD = 're-download cifar-100-binary.tar.gz from https://www.cs.toronto.edu/~kriz/cifar.html';

/**
 * Parses records (labelBytes label bytes + 3072 CHW pixels), keeping label byte `labelIndex`. A size
 * that is no whole number of records is reported as `<dataset>: '<source>' has … (truncated or corrupt; <hint>)`.
 */
export function parseCifarRecords(buf: Uint8Array, labelBytes: number, labelIndex: number, source: string, hint: string, dataset = 'cifar'): { pixels: Uint8Array; labels: Uint8Array } {
  const record = labelBytes + PIXELS;
  if (buf.byteLength === 0 || buf.byteLength % record !== 0) {
    throw new Error(`${dataset}: '${source}' has ${buf.byteLength} bytes, not a multiple of ${record} (truncated or corrupt; ${hint})`);
  }
  const n = buf.byteLength / record;
  const pixels = new Uint8Array(n * PIXELS);
  const labels = new Uint8Array(n);
  const plane = 32 * 32;
  for (let r = 0; r < n; r++) {
    const base = r * record;
    labels[r] = buf[base + labelIndex]!;
    const src = base + labelBytes;
    const dst = r * PIXELS;
    // CHW on disk → HWC in memory, the layout augmentation and channels-last want.
    for (let p = 0; p < plane; p++) {
      pixels[dst + 3 * p] = buf[src + p]!;
      pixels[dst + 3 * p + 1] = buf[src + plane + p]!;
      pixels[dst + 3 * p + 2] = buf[src + 2 * plane + p]!;
    }
  }
  return { pixels, labels };
}

function readAll(dataset: string, files: string[], labelBytes: number, labelIndex: number, hint: string): { pixels: Uint8Array; labels: Uint8Array } {
  const parts = files.map((f) => parseCifarRecords(readFileSync(f), labelBytes, labelIndex, f, hint, dataset));
  const n = parts.reduce((s, p) => s + p.labels.length, 0);
  const pixels = new Uint8Array(n * PIXELS);
  const labels = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    pixels.set(p.pixels, o * PIXELS);
    labels.set(p.labels, o);
    o += p.labels.length;
  }
  return { pixels, labels };
}

/** Where data warnings go: stderr by default, one line each. */
export type Warn = (message: string) => void;
const toStderr: Warn = (m) => process.stderr.write(`${m}\n`);

/**
 * CIFAR-10 from `dataDir` (or its cifar-10-batches-bin/). A training split with fewer than the five
 * batch files still loads — a partial copy is a legitimate way to get a quick look — but never
 * silently: `warn` names the missing files and how many images are used instead of 50,000.
 */
export function loadCifar10(split: 'train' | 'test', dataDir?: string, warn: Warn = toStderr): Dataset {
  if (!dataDir) throw new Error(`cifar10 needs --data-dir: ${CIFAR10_HINT}`);
  const dir = existsSync(join(dataDir, 'cifar-10-batches-bin')) ? join(dataDir, 'cifar-10-batches-bin') : dataDir;
  const names = split === 'train' ? [1, 2, 3, 4, 5].map((i) => `data_batch_${i}.bin`) : ['test_batch.bin'];
  const files = names.map((n) => join(dir, n)).filter((f) => existsSync(f));
  if (files.length === 0) throw new Error(`cifar10: no ${names.join('/')} in '${dir}'; ${CIFAR10_HINT}`);
  const { pixels, labels } = readAll('cifar10', files, 1, 0, CIFAR10_REDOWNLOAD);
  const missing = names.filter((n) => !existsSync(join(dir, n)));
  if (missing.length) {
    warn(`cifar10: warning: only ${files.length} of ${names.length} training batch files in '${dir}' (missing ${missing.join(', ')}): using ${labels.length} training images instead of 50000; ${CIFAR10_HINT}`);
  }
  let classes = CIFAR10_CLASSES;
  const meta = join(dir, 'batches.meta.txt');
  if (existsSync(meta)) {
    const names = readFileSync(meta, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
    if (names.length === 10) classes = names;
  }
  return makeDataset({ name: 'cifar10', pixels, labels, shape: [labels.length, 32, 32, 3], classes });
}

export function loadCifar100(split: 'train' | 'test', dataDir?: string): Dataset {
  if (!dataDir) throw new Error(`cifar100 needs --data-dir: ${CIFAR100_HINT}`);
  const dir = existsSync(join(dataDir, 'cifar-100-binary')) ? join(dataDir, 'cifar-100-binary') : dataDir;
  const file = join(dir, split === 'train' ? 'train.bin' : 'test.bin');
  if (!existsSync(file)) throw new Error(`cifar100: missing '${file}'; ${CIFAR100_HINT}`);
  // Each record holds the coarse label, then the fine label: the 100-class task uses the fine one.
  const { pixels, labels } = readAll('cifar100', [file], 2, 1, CIFAR100_REDOWNLOAD);
  let classes = Array.from({ length: 100 }, (_, i) => String(i));
  const meta = join(dir, 'fine_label_names.txt');
  if (existsSync(meta)) {
    const names = readFileSync(meta, 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
    if (names.length === 100) classes = names;
  }
  return makeDataset({ name: 'cifar100', pixels, labels, shape: [labels.length, 32, 32, 3], classes });
}
