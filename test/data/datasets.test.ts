import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Dataset, loadDataset } from '../../src/data/index.js';

/** The nearest ancestor of this file with a package.json (works compiled under dist/ or from source). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find the repository root above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  return dir;
}

const CIFAR_DIR = resolve(repoRoot(), '../shared/data/cifar10/cifar-10-batches-bin');

function classCounts(d: Dataset, numClasses: number): number[] {
  const counts = new Array<number>(numClasses).fill(0);
  for (const y of d.labels.data() as BigInt64Array) counts[Number(y)]!++;
  return counts;
}

describe('Fashion-MNIST (embedded)', () => {
  for (const [split, n, perClass] of [['train', 60000, 6000], ['test', 10000, 1000]] as const) {
    test(`${split}SplitHas${n}BalancedImages`, () => {
      const d = loadDataset('fashion-mnist', { split });
      assert.equal(d.name, 'fashion-mnist');
      assert.deepEqual(d.images.shape, [n, 28, 28, 1]);
      assert.equal(d.images.dtype, 'uint8');
      assert.deepEqual(d.labels.shape, [n]);
      assert.equal(d.classes.length, 10);
      assert.deepEqual(classCounts(d, 10), new Array(10).fill(perClass));
      assert.equal(d.mean.length, 1);
      assert.ok(d.mean[0]! > 0.2 && d.mean[0]! < 0.4 && d.std[0]! > 0.25 && d.std[0]! < 0.45, `stats ${d.mean} ${d.std}`);
    });
  }
});

describe('CIFAR-10 (shared copy)', () => {
  test('testSplitHas10000BalancedImagesAndTheMetaClassNames', (t) => {
    if (!existsSync(CIFAR_DIR)) return t.skip(`no CIFAR-10 copy at ${CIFAR_DIR}`);
    const d = loadDataset('cifar10', { dataDir: CIFAR_DIR, split: 'test' });
    assert.deepEqual(d.images.shape, [10000, 32, 32, 3]);
    assert.deepEqual(classCounts(d, 10), new Array(10).fill(1000));
    const meta = readFileSync(join(CIFAR_DIR, 'batches.meta.txt'), 'utf8').split('\n').map((s) => s.trim()).filter(Boolean);
    assert.equal(d.classes[0], 'airplane');
    assert.deepEqual([...d.classes], meta);
    assert.equal(d.mean.length, 3);
  });

  test('trainSplitReadsTheBatchesPresent', (t) => {
    if (!existsSync(CIFAR_DIR)) return t.skip(`no CIFAR-10 copy at ${CIFAR_DIR}`);
    const present = [1, 2, 3, 4, 5].filter((i) => existsSync(join(CIFAR_DIR, `data_batch_${i}.bin`))).length;
    const d = loadDataset('cifar10', { dataDir: CIFAR_DIR, split: 'train' });
    assert.equal(present, 1, 'the shared copy holds only data_batch_1.bin');
    assert.deepEqual(d.images.shape, [10000 * present, 32, 32, 3]);
    assert.equal(d.labels.shape[0], 10000 * present);
  });
});
