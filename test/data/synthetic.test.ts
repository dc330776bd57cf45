// The synthetic set: seeded, class-balanced in every prefix, and one task across splits (the test
// split's images are nearest to their own class's training mean).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as data from '../../src/data/index.js';
import * as torch from '../../src/torch/index.js';

function bytesOf(d: data.Dataset): Buffer {
  return Buffer.from(d.images.data() as Uint8Array);
}

describe('synthetic data set', () => {
  it('sameSeedSameBytesOtherSeedOtherNoise', () => {
    const o = { size: 40, imageSize: 8, channels: 3, numClasses: 4 };
    const a = data.makeSynthetic({ ...o, seed: 5 });
    assert.ok(bytesOf(a).equals(bytesOf(data.makeSynthetic({ ...o, seed: 5 }))));
    assert.ok(!bytesOf(a).equals(bytesOf(data.makeSynthetic({ ...o, seed: 6 }))));
    assert.deepEqual(a.images.shape, [40, 8, 8, 3]);
    assert.deepEqual(a.classes, ['class0', 'class1', 'class2', 'class3']);
    // Labels cycle through the classes: every prefix (the DARTS split's train side) is balanced.
    assert.deepEqual(a.labels.narrow(0, 0, 6).tolist(), [0, 1, 2, 3, 0, 1]);
  });

  it('testSplitIsTheSameTaskAsTrainSplit', () => {
    const train = data.loadDataset('synthetic', { split: 'train' });
    const test = data.loadDataset('synthetic', { split: 'test' });
    assert.deepEqual([data.datasetSize(train), data.datasetSize(test)], [512, 128]);
    const accuracy = torch.tidy(() => {
      const k = train.classes.length;
      const flat = (d: data.Dataset) => d.images.reshape([data.datasetSize(d), -1]).to('float32');
      // Class means of the training images, then each test image's nearest mean.
      const x = flat(train);
      const onehot = torch.oneHot(train.labels, k).to('float32');
      const means = onehot.t().matmul(x).div(onehot.sum(0).view([k, 1]));
      const t = flat(test);
      const distances = t.square().sum(1, true).sub(t.matmul(means.t()).mul(2)).add(means.square().sum(1).view([1, k]));
      return distances.argmin(1).eq(test.labels).to('float32').mean().item();
    });
    assert.equal(accuracy, 1);
  });
});
