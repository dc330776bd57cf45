// Data-set readers against the real files (embedded Fashion-MNIST; the CIFAR-10 copy in
// ../shared/data when present) and their one-line errors on truncated, corrupt or missing files.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import * as data from '../../src/data/index.js';
import type * as torch from '../../src/torch/index.js';

function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
}

const CIFAR_DIR = resolve(repoRoot(), '../shared/data/cifar10/cifar-10-batches-bin');
const HAVE_CIFAR = existsSync(join(CIFAR_DIR, 'data_batch_1.bin'));
const NO_CIFAR = HAVE_CIFAR ? false : `no CIFAR-10 copy at ${CIFAR_DIR} (the shared data folder is absent)`;
const tmp = mkdtempSync(join(tmpdir(), 'dnas-data-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** Examples per class, from an int64 label tensor. */
function classCounts(labels: torch.Tensor, numClasses: number): number[] {
  const counts = Array(numClasses).fill(0) as number[];
  for (const l of labels.toArray() as BigInt64Array) counts[Number(l)]!++;
  return counts;
}

/** Asserts that `f` throws one line (no stack-like continuation) matching `pattern`. */
function throwsOneLine(f: () => unknown, pattern: RegExp): void {
  assert.throws(f, (e: Error) => {
    assert.match(e.message, pattern);
    assert.ok(!e.message.includes('\n'), `multi-line message: ${e.message}`);
    return true;
  });
}

describe('Fashion-MNIST (embedded IDX files)', () => {
  it('trainSplitHas60000ImagesOf28x28x1With6000PerClass', () => {
    const d = data.loadDataset('fashion-mnist', { split: 'train' });
    assert.deepEqual(d.images.shape, [60_000, 28, 28, 1]);
    assert.equal(d.images.dtype, 'uint8');
    assert.deepEqual(data.imageShape(d), [28, 28, 1]);
    assert.equal(data.datasetSize(d), 60_000);
    assert.deepEqual(classCounts(d.labels, 10), Array(10).fill(6000));
    assert.equal(d.classes.length, 10);
    assert.equal(d.classes[9], 'Ankle boot');
    // Fashion-MNIST's published statistics: mean 0.2860, std 0.3530.
    assert.ok(Math.abs(d.mean[0]! - 0.286) < 5e-4, `mean ${d.mean[0]}`);
    assert.ok(Math.abs(d.std[0]! - 0.353) < 5e-4, `std ${d.std[0]}`);
    // The first training image is an ankle boot (label 9), the second a T-shirt (label 0).
    assert.deepEqual(d.labels.narrow(0, 0, 2).tolist(), [9, 0]);
  });

  it('testSplitHas10000ImagesWith1000PerClass', () => {
    const d = data.loadDataset('fashion-mnist', { split: 'test' });
    assert.deepEqual(d.images.shape, [10_000, 28, 28, 1]);
    assert.deepEqual(classCounts(d.labels, 10), Array(10).fill(1000));
  });

  it('limitDatasetKeepsTheFirstExamples', () => {
    const d = data.loadDataset('fashion-mnist', { split: 'test' });
    const small = data.limitDataset(d, 100);
    assert.equal(data.datasetSize(small), 100);
    assert.equal(small.labels.eq(d.labels.narrow(0, 0, 100)).all().item(), 1);
    assert.equal(data.limitDataset(d, 0), d);
  });
});

describe('IDX errors', () => {
  const dir = join(tmp, 'idx');
  it('missingFileNamesThePathAndWhatToDo', () => {
    throwsOneLine(() => data.loadDataset('mnist', { dataDir: join(tmp, 'nowhere') }), /missing data file '.*nowhere\/train-images-idx3-ubyte' \(or \.gz\): get the four IDX files/);
    throwsOneLine(() => data.loadDataset('mnist'), /mnist needs --data-dir/);
  });

  it('corruptGzipBadMagicAndTruncatedDataAreReported', () => {
    mkdirSync(dir);
    // A gzip stream cut in half.
    const good = readFileSync(join(data.FASHION_MNIST_DIR, 't10k-labels-idx1-ubyte.gz'));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte.gz'), good.subarray(0, good.length >> 1));
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), gzipSync(Buffer.alloc(10)));
    throwsOneLine(() => data.readIdxFile(join(dir, 't10k-labels-idx1-ubyte'), 'hint'), /cannot read '.*t10k-labels-idx1-ubyte\.gz' \(.*\): the file is corrupt; hint/);
    // Not an IDX file (a gzip stream stored without .gz).
    throwsOneLine(() => data.readIdxFile(join(dir, 't10k-images-idx3-ubyte'), 'hint'), /is not an IDX file of unsigned bytes \(bad magic number\); hint/);
    // Header announcing 3×2×2 bytes but holding 5.
    const header = Buffer.from([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2]);
    throwsOneLine(() => data.parseIdx(Buffer.concat([header, Buffer.alloc(5)]), 'x.idx', 'hint'), /'x\.idx' has 5 data bytes but its header announces 12 \(truncated or corrupt\); hint/);
    throwsOneLine(() => data.parseIdx(header.subarray(0, 9), 'x.idx', 'hint'), /'x\.idx' is truncated \(header cut off\)/);
    const ok = data.parseIdx(Buffer.concat([header, Buffer.alloc(12, 7)]), 'x.idx', 'hint');
    assert.deepEqual(ok.shape, [3, 2, 2]);
    assert.equal(ok.data.length, 12);
  });
});

describe('registry', () => {
  it('unknownDatasetListsTheKnownOnes', () => {
    throwsOneLine(() => data.loadDataset('imagenet'), /unknown dataset 'imagenet' \(known: fashion-mnist, mnist, cifar10, cifar100, synthetic, imagefolder\)/);
  });

  it('imagefolderIsOpenedAsynchronously', async () => {
    throwsOneLine(() => data.loadDataset('imagefolder', { dataDir: tmp }), /dataset 'imagefolder' decodes images asynchronously: open it with loadDatasetAsync/);
    await assert.rejects(data.loadDatasetAsync('imagefolder'), /imagefolder needs --data-dir/);
    await assert.rejects(data.loadDatasetAsync('imagenet'), /unknown dataset 'imagenet'/);
    assert.equal(data.datasetSize(await data.loadDatasetAsync('synthetic')), 512);
  });

  it('cifarNeedsADataDirAndNamesMissingFiles', () => {
    throwsOneLine(() => data.loadDataset('cifar10'), /cifar10 needs --data-dir: get cifar-10-binary\.tar\.gz/);
    throwsOneLine(() => data.loadDataset('cifar10', { dataDir: join(tmp, 'nowhere') }), /cifar10: no data_batch_1\.bin\/.*\/data_batch_5\.bin in '.*nowhere'/);
    throwsOneLine(() => data.loadDataset('cifar100', { dataDir: join(tmp, 'nowhere') }), /cifar100: missing '.*nowhere\/train\.bin'/);
  });
});

describe('MNIST-format folders', () => {
  it('readsIdxFilesGzippedOrNot', () => {
    const dir = join(tmp, 'mnist');
    mkdirSync(dir);
    // Three 2×2 images, bytes 0..11, with labels 7, 0, 3: images stored raw, labels gzipped.
    const images = Buffer.concat([Buffer.from([0, 0, 8, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 2]), Buffer.from(Array.from({ length: 12 }, (_, i) => i))]);
    const labels = Buffer.concat([Buffer.from([0, 0, 8, 1, 0, 0, 0, 3]), Buffer.from([7, 0, 3])]);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), images);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(labels));
    const d = data.loadDataset('mnist', { dataDir: dir, split: 'train' });
    assert.deepEqual(d.images.shape, [3, 2, 2, 1]);
    assert.deepEqual(d.labels.tolist(), [7, 0, 3]);
    assert.deepEqual(d.images.select(0, 2).flatten().tolist(), [8, 9, 10, 11]);
    assert.equal(d.classes.length, 10);
    throwsOneLine(() => data.loadDataset('mnist', { dataDir: dir, split: 'test' }), /missing data file '.*t10k-images-idx3-ubyte' \(or \.gz\)/);
  });
});

describe('CIFAR-100 binary', () => {
  it('keepsTheFineLabelOfEachRecordAndReportsTruncation', () => {
    const dir = join(tmp, 'cifar100', 'cifar-100-binary');
    mkdirSync(dir, { recursive: true });
    // Two records: (coarse 3, fine 57) and (coarse 1, fine 99), each followed by 3072 pixel bytes.
    const rec = new Uint8Array(2 * 3074);
    rec.set([3, 57], 0);
    rec.set([1, 99], 3074);
    rec[2] = 200; // red of pixel (0, 0) of the first image
    writeFileSync(join(dir, 'train.bin'), rec);
    const d = data.loadDataset('cifar100', { dataDir: dirname(dir), split: 'train' });
    assert.deepEqual(d.labels.tolist(), [57, 99]);
    assert.deepEqual(d.images.shape, [2, 32, 32, 3]);
    assert.deepEqual(d.images.select(0, 0).select(0, 0).select(0, 0).tolist(), [200, 0, 0]);
    assert.equal(d.classes.length, 100);
    writeFileSync(join(dir, 'test.bin'), rec.subarray(0, 3074 + 5));
    throwsOneLine(
      () => data.loadDataset('cifar100', { dataDir: dir, split: 'test' }),
      /^cifar100: '.*test\.bin' has 3079 bytes, not a multiple of 3074 \(truncated or corrupt; re-download cifar-100-binary\.tar\.gz from https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar\.html\)$/,
    );
  });
});

describe('CIFAR-10 binary', () => {
  it('parsesRecordsFromCHWIntoHWC', () => {
    const rec = new Uint8Array(2 * 3073);
    rec[0] = 7;
    for (let p = 0; p < 3072; p++) rec[1 + p] = p % 251;
    rec[3073] = 2;
    const { pixels, labels } = data.parseCifarRecords(rec, 1, 0, 'mem', 'hint');
    assert.deepEqual([...labels], [7, 2]);
    // Pixel (row 1, column 2), channel c lives at CHW offset c·1024 + 34.
    assert.deepEqual([...pixels.subarray(3 * 34, 3 * 34 + 3)], [34, (1024 + 34) % 251, (2048 + 34) % 251]);
  });

  it('truncatedFileIsAOneLineError', { skip: NO_CIFAR }, () => {
    const dir = join(tmp, 'cifar-truncated');
    const full = readFileSync(join(CIFAR_DIR, 'data_batch_1.bin'));
    mkdirSync(dir);
    writeFileSync(join(dir, 'data_batch_1.bin'), full.subarray(0, 3073 * 10 + 100));
    throwsOneLine(() => data.loadDataset('cifar10', { dataDir: dir }), /^cifar10: '.*data_batch_1\.bin' has 30830 bytes, not a multiple of 3073 \(truncated or corrupt; re-download cifar-10-binary\.tar\.gz from https:\/\/www\.cs\.toronto\.edu\/~kriz\/cifar\.html\)$/);
  });

  it('dataBatch1Has10000RecordsAndTestBatch1000PerClass', { skip: NO_CIFAR }, () => {
    const train = data.loadDataset('cifar10', { dataDir: CIFAR_DIR, split: 'train' });
    assert.deepEqual(train.images.shape.slice(1), [32, 32, 3]);
    assert.equal(train.images.shape[0]! % 10_000, 0);
    const batch1 = data.parseCifarRecords(readFileSync(join(CIFAR_DIR, 'data_batch_1.bin')), 1, 0, 'data_batch_1.bin', '');
    assert.equal(batch1.labels.length, 10_000);
    const test = data.loadDataset('cifar10', { dataDir: CIFAR_DIR, split: 'test' });
    assert.deepEqual(test.images.shape, [10_000, 32, 32, 3]);
    assert.deepEqual(classCounts(test.labels, 10), Array(10).fill(1000));
    const names = readFileSync(join(CIFAR_DIR, 'batches.meta.txt'), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
    assert.deepEqual(test.classes, names);
    assert.deepEqual(test.classes.slice(0, 3), ['airplane', 'automobile', 'bird']);
    // CIFAR-10's published training statistics are about (0.491, 0.482, 0.447) / (0.247, 0.243, 0.262).
    [0.491, 0.482, 0.447].forEach((m, c) => assert.ok(Math.abs(train.mean[c]! - m) < 0.02, `mean ${c}: ${train.mean[c]}`));
    [0.247, 0.243, 0.262].forEach((s, c) => assert.ok(Math.abs(train.std[c]! - s) < 0.02, `std ${c}: ${train.std[c]}`));
    // The parent folder (holding cifar-10-batches-bin) works as --data-dir too.
    assert.equal(data.datasetSize(data.loadDataset('cifar10', { dataDir: dirname(CIFAR_DIR), split: 'test' })), 10_000);
  });
});
