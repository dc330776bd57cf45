// Image folders decoded with sharp: classes from sorted folder names, RGB from RGB/RGBA/grey PNGs
// and JPEGs, one square size, train/test sub-folders, and one-line errors.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import sharp from 'sharp';
import * as data from '../../src/data/index.js';

const root = mkdtempSync(join(tmpdir(), 'dnas-imagefolder-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A solid w×h image written as PNG (or JPEG when the name ends in .jpg). */
async function solid(path: string, w: number, h: number, rgb: [number, number, number], channels: 3 | 4 = 3): Promise<void> {
  const img = sharp({ create: { width: w, height: h, channels, background: { r: rgb[0], g: rgb[1], b: rgb[2], alpha: 1 } } });
  await (path.endsWith('.jpg') ? img.jpeg({ quality: 100 }) : img.png()).toFile(path);
}

/** Reads pixel (row, col) of image n as [r, g, b]. */
function pixel(d: data.Dataset, n: number, row: number, col: number): number[] {
  return d.images.select(0, n).select(0, row).select(0, col).tolist() as number[];
}

describe('imagefolder', () => {
  const flat = join(root, 'flat');
  before(async () => {
    for (const c of ['dog', 'cat', 'bird']) mkdirSync(join(flat, c), { recursive: true });
    await solid(join(flat, 'cat', 'b.png'), 8, 8, [255, 0, 0]);
    await solid(join(flat, 'cat', 'a.png'), 8, 8, [0, 0, 255], 4);
    await solid(join(flat, 'dog', 'x.jpg'), 16, 16, [0, 200, 0]);
    // A greyscale 4×4 PNG: must come out as three equal channels.
    await sharp(Buffer.alloc(16, 100), { raw: { width: 4, height: 4, channels: 1 } }).png().toFile(join(flat, 'bird', 'g.png'));
    writeFileSync(join(flat, 'bird', 'notes.txt'), 'not an image');
  });

  it('loadsClassesInSortedOrderAsRgbOfTheFirstImagesSize', async () => {
    const d = await data.loadImageFolder(flat);
    assert.equal(d.name, 'imagefolder');
    assert.deepEqual(d.classes, ['bird', 'cat', 'dog']);
    // First image is bird/g.png (4×4): every image is resized to 4×4, RGB.
    assert.deepEqual(d.images.shape, [4, 4, 4, 3]);
    assert.equal(d.images.dtype, 'uint8');
    // Class-interleaved: bird/g, cat/a, dog/x, then cat/b, so every prefix (the DARTS split) mixes classes.
    assert.deepEqual(d.labels.tolist(), [0, 1, 2, 1]);
    assert.deepEqual(pixel(d, 0, 2, 3), [100, 100, 100]);
    assert.deepEqual(pixel(d, 1, 0, 0), [0, 0, 255]); // cat/a.png, RGBA without its alpha
    assert.deepEqual(pixel(d, 3, 3, 3), [255, 0, 0]); // cat/b.png
    const jpeg = pixel(d, 2, 1, 1);
    [0, 200, 0].forEach((v, c) => assert.ok(Math.abs(jpeg[c]! - v) <= 3, `jpeg pixel ${jpeg}`));
    assert.equal(d.mean.length, 3);
    assert.equal(d.std.length, 3);
  });

  it('resizesToTheRequestedSquareAndFeedsTheLoader', async () => {
    const d = await data.loadDatasetAsync('imagefolder', { dataDir: flat, imageSize: 10 });
    assert.deepEqual(d.images.shape, [4, 10, 10, 3]);
    assert.deepEqual(pixel(d, 2, 9, 9).map((v) => Math.round(v / 10)), [0, 20, 0]);
    const loader = new data.DataLoader(d, Int32Array.from([0, 1, 2, 3]), { batchSize: 4, seed: 0, augment: { mean: d.mean, std: d.std, cropPadding: 1, horizontalFlip: true } });
    const { x, y } = loader.next();
    assert.deepEqual(x.shape, [4, 3, 10, 10]);
    assert.ok(x.isContiguous('channelsLast'));
    assert.deepEqual((y.tolist() as number[]).sort(), [0, 1, 1, 2]);
  });

  it('usesTrainAndTestSubfoldersWhenPresent', async () => {
    const split = join(root, 'split');
    for (const s of ['train', 'test']) for (const c of ['a', 'b']) mkdirSync(join(split, s, c), { recursive: true });
    await solid(join(split, 'train', 'a', '1.png'), 6, 6, [10, 20, 30]);
    await solid(join(split, 'train', 'a', '2.png'), 6, 6, [10, 20, 30]);
    await solid(join(split, 'train', 'b', '1.png'), 6, 6, [40, 50, 60]);
    await solid(join(split, 'test', 'a', '1.png'), 6, 6, [10, 20, 30]);
    await solid(join(split, 'test', 'b', '1.png'), 6, 6, [40, 50, 60]);
    const train = await data.loadImageFolder(split, { split: 'train' });
    const test = await data.loadImageFolder(split, { split: 'test' });
    assert.deepEqual([train.images.shape[0], test.images.shape[0]], [3, 2]);
    assert.deepEqual(test.classes, ['a', 'b']);
    assert.deepEqual(pixel(test, 1, 5, 5), [40, 50, 60]);
    await assert.rejects(data.loadImageFolder(flat, { split: 'test' }), /imagefolder: no '.*flat\/test' folder for the test split/);
  });

  it('testFolderKeepsTheTrainingFoldersLabelNumbers', async () => {
    const dir = join(root, 'partial');
    for (const c of ['a', 'b']) mkdirSync(join(dir, 'train', c), { recursive: true });
    mkdirSync(join(dir, 'test', 'b'), { recursive: true });
    await solid(join(dir, 'train', 'a', '1.png'), 4, 4, [1, 1, 1]);
    await solid(join(dir, 'train', 'b', '1.png'), 4, 4, [2, 2, 2]);
    await solid(join(dir, 'test', 'b', '1.png'), 4, 4, [2, 2, 2]);
    // The test folder has no 'a': 'b' keeps label 1, as in training, not 0.
    const test = await data.loadImageFolder(dir, { split: 'test' });
    assert.deepEqual(test.classes, ['a', 'b']);
    assert.deepEqual(test.labels.tolist(), [1]);
    mkdirSync(join(dir, 'test', 'z'));
    await solid(join(dir, 'test', 'z', '1.png'), 4, 4, [3, 3, 3]);
    await assert.rejects(data.loadImageFolder(dir, { split: 'test' }), /imagefolder: '.*partial\/test' has class folders the training folder lacks \(z\)/);
  });

  it('dartsSplitOfAFolderGetsEveryClassOnBothSides', async () => {
    const dir = join(root, 'balanced');
    for (const c of ['a', 'b', 'c']) {
      mkdirSync(join(dir, c), { recursive: true });
      for (let i = 0; i < 4; i++) await solid(join(dir, c, `${i}.png`), 4, 4, [i, i, i]);
    }
    const d = await data.loadImageFolder(dir);
    const { train, valid } = data.dartsSplit(data.datasetSize(d), 0.5);
    const labelsOf = (idx: Int32Array) => Array.from(idx, (i) => Number((d.labels.data() as BigInt64Array)[i]));
    assert.deepEqual(labelsOf(train).sort(), [0, 0, 1, 1, 2, 2]);
    assert.deepEqual(labelsOf(valid).sort(), [0, 0, 1, 1, 2, 2]);
  });

  it('reportsMissingEmptyAndUndecodableFolders', async () => {
    await assert.rejects(data.loadImageFolder(join(root, 'nowhere')), /imagefolder: '.*nowhere' is not a folder; imagefolder wants --data-dir DIR/);
    const empty = join(root, 'empty');
    mkdirSync(join(empty, 'only'), { recursive: true });
    await assert.rejects(data.loadImageFolder(empty), /imagefolder: class folder '.*empty\/only' has no \.png\/\.jpg\/\.jpeg images/);
    const none = join(root, 'none');
    mkdirSync(none);
    await assert.rejects(data.loadImageFolder(none), /imagefolder: '.*none' has no class folders/);
    const broken = join(root, 'broken');
    mkdirSync(join(broken, 'c'), { recursive: true });
    await solid(join(broken, 'c', 'a.png'), 4, 4, [1, 2, 3]);
    writeFileSync(join(broken, 'c', 'b.png'), 'this is not a PNG');
    await assert.rejects(data.loadImageFolder(broken), (e: Error) => {
      assert.match(e.message, /imagefolder: cannot decode '.*broken\/c\/b\.png' \(.*\); is it a PNG or JPEG image\?/);
      assert.ok(!e.message.includes('\n'));
      return true;
    });
    await assert.rejects(data.loadImageFolder(flat, { size: 0 }), /image size must be a positive integer, got 0/);
  });
});
