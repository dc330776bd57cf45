import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { type Batch, DATASET_NAMES, DataLoader, type Dataset, dartsSplit, datasetSize, loadDataset, makeSynthetic, parseCifarRecords, parseIdx, readIdxFile } from '../../src/data/index.js';
import * as torch from '../../src/torch/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'dnas-loader-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const all = (n: number): Int32Array => Int32Array.from({ length: n }, (_, i) => i);
const bytes = (b: Batch): [Buffer, Buffer] => [Buffer.from((b.x.contiguous().data() as Float32Array).buffer), Buffer.from((b.y.data() as BigInt64Array).buffer)];

function loader(ds: Dataset, seed: number, batchSize = 10, dropLast = false): DataLoader {
  return new DataLoader(ds, all(datasetSize(ds)), { batchSize, seed, dropLast, augment: { cropPadding: 2, horizontalFlip: true, cutout: 4, mean: ds.mean, std: ds.std } });
}

/** `steps` batches as raw bytes; the torch generator is seeded so augmentation repeats too. */
function batches(l: DataLoader, steps: number): [Buffer, Buffer][] {
  return Array.from({ length: steps }, () => bytes(l.next()));
}

describe('dartsSplit', () => {
  test('halvesCifarTrainingSetInFileOrder', () => {
    const { train, valid } = dartsSplit(50000, 0.5);
    assert.equal(train.length, 25000);
    assert.equal(valid.length, 25000);
    assert.ok(train.every((v, i) => v === i), 'train is the first half in order');
    assert.ok(valid.every((v, i) => v === 25000 + i), 'valid is the second half in order');
  });

  test('rejectsPortionsOutsideTheOpenUnitInterval', () => {
    assert.throws(() => dartsSplit(100, 0), /trainPortion/);
    assert.throws(() => dartsSplit(100, 1), /trainPortion/);
    assert.throws(() => dartsSplit(1, 0.5), /empty/);
  });
});

describe('DataLoader', () => {
  const ds = makeSynthetic({ size: 95, imageSize: 8, channels: 3 });

  test('sameSeedGivesIdenticalBatchesAndADifferentSeedDifferentOnes', () => {
    torch.manualSeed(0);
    const a = batches(loader(ds, 1), 12);
    torch.manualSeed(0);
    const b = batches(loader(ds, 1), 12);
    torch.manualSeed(0);
    const c = batches(loader(ds, 2), 12);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a.map(([, y]) => y), c.map(([, y]) => y), 'a different seed shuffles differently');
  });

  test('stateAndRestoreMidEpochContinueWithIdenticalBatches', () => {
    const first = loader(ds, 5);
    torch.manualSeed(11);
    batches(first, 13); // into the second epoch (10 steps per epoch)
    const saved = JSON.parse(JSON.stringify(first.state()));
    const rng = torch.getRngState();
    const expected = batches(first, 15);

    const resumed = loader(ds, 5);
    resumed.restore(saved);
    torch.setRngState(rng);
    assert.equal(resumed.epoch, 1);
    assert.deepEqual(batches(resumed, 15), expected);
  });

  test('restoreRejectsAStateWithoutLoaderFields', () => {
    assert.throws(() => loader(ds, 0).restore({ epoch: 1 }), /no valid loader state/);
  });

  test('stepsPerEpochWithAndWithoutDropLast', () => {
    assert.equal(loader(ds, 0, 10, false).stepsPerEpoch, 10);
    assert.equal(loader(ds, 0, 10, true).stepsPerEpoch, 9);
    assert.equal(loader(ds, 0, 19, true).stepsPerEpoch, 5);
    const keep = loader(ds, 0, 10, false);
    const sizes = Array.from({ length: 11 }, () => keep.next().x.shape[0]);
    assert.deepEqual(sizes, [10, 10, 10, 10, 10, 10, 10, 10, 10, 5, 10]);
    const drop = loader(ds, 0, 10, true);
    assert.deepEqual(Array.from({ length: 10 }, () => drop.next().x.shape[0]), Array(10).fill(10));
    assert.equal(drop.epoch, 1);
  });

  test('everyExampleOnceAnEpoch', () => {
    const l = new DataLoader(ds, all(95), { batchSize: 16, seed: 3, train: false, augment: { mean: ds.mean, std: ds.std } });
    const seen: number[] = [];
    for (let i = 0; i < l.stepsPerEpoch; i++) seen.push(...Array.from(l.next().y.data() as BigInt64Array, Number));
    const counts = new Map<number, number>();
    for (const y of seen) counts.set(y, (counts.get(y) ?? 0) + 1);
    // makeSynthetic labels example i with i % 4.
    assert.deepEqual([...counts.entries()].sort((a, b) => a[0] - b[0]), [[0, 24], [1, 24], [2, 24], [3, 23]]);
  });
});

describe('data errors are one line', () => {
  const oneLine = (re: RegExp) => (e: unknown): boolean => {
    const m = (e as Error).message;
    assert.ok(!m.includes('\n'), `multi-line message: ${m}`);
    assert.match(m, re);
    return true;
  };

  test('truncatedCifarFileNamesTheFile', () => {
    const record = 1 + 3072;
    const buf = new Uint8Array(3 * record);
    for (let r = 0; r < 3; r++) buf[r * record] = r;
    assert.equal(parseCifarRecords(buf, 1, 0, 'x', 'hint').labels.length, 3);
    const file = join(tmp, 'data_batch_1.bin');
    writeFileSync(file, buf.subarray(0, 2 * record + 100));
    assert.throws(() => loadDataset('cifar10', { dataDir: tmp, split: 'train' }), oneLine(/data_batch_1\.bin.*truncated/));
  });

  test('corruptIdxFileHasBadMagic', () => {
    const bad = Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 7]);
    assert.throws(() => parseIdx(bad, 'images.idx', 'hint'), oneLine(/images\.idx.*bad magic/));
    const file = join(tmp, 'train-images-idx3-ubyte');
    writeFileSync(file, Buffer.from('not an idx file at all'));
    assert.throws(() => readIdxFile(file, 'hint'), oneLine(/train-images-idx3-ubyte.*bad magic/));
    const short = Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]);
    assert.throws(() => parseIdx(short, 'labels.idx', 'hint'), oneLine(/labels\.idx.*truncated/));
  });

  test('unknownDatasetListsTheKnownNames', () => {
    assert.throws(() => loadDataset('imagenet'), oneLine(/unknown dataset 'imagenet'/));
    assert.throws(() => loadDataset('imagenet'), (e: unknown) => DATASET_NAMES.every((n) => (e as Error).message.includes(n)));
    assert.ok(DATASET_NAMES.includes('fashion-mnist') && DATASET_NAMES.includes('cifar10'));
  });
});
