// The seeded loader: determinism, resuming from state() mid-epoch and across epochs, drop-last,
// steps per epoch; and the DARTS train/valid split.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as data from '../../src/data/index.js';
import * as torch from '../../src/torch/index.js';

const dataset = data.makeSynthetic({ size: 50, imageSize: 8, channels: 3, numClasses: 5, seed: 3 });
const all = Int32Array.from({ length: 50 }, (_, i) => i);
const augment: data.AugmentOptions = { mean: dataset.mean, std: dataset.std, cropPadding: 1, horizontalFlip: true, cutout: 2 };

/** Label sequence and pixel sums of `steps` batches (the labels identify the shuffling, the sums the augmentation). */
function take(loader: data.DataLoader, steps: number): { labels: number[][]; sums: number[] } {
  const labels: number[][] = [];
  const sums: number[] = [];
  for (let i = 0; i < steps; i++) {
    torch.tidy(() => {
      const { x, y } = loader.next();
      labels.push(y.tolist() as number[]);
      sums.push(x.to('float64').sum().item());
    });
  }
  return { labels, sums };
}

/** Example identities (not just labels) of batches: the loader over indices whose labels are the indices. */
const idDataset: data.Dataset = { ...dataset, labels: torch.keep(torch.arange(50)) };

describe('DataLoader', () => {
  it('sameSeedGivesSameBatchesDifferentSeedDifferentOrder', () => {
    const run = (seed: number) => {
      torch.manualSeed(11);
      return take(new data.DataLoader(idDataset, all, { batchSize: 8, seed, augment }), 10);
    };
    const a = run(1);
    const b = run(1);
    assert.deepEqual(a, b);
    const c = run(2);
    assert.notDeepEqual(c.labels, a.labels);
    // Each epoch is a permutation: 6 full batches and one of 2 cover all 50 examples once.
    assert.deepEqual(a.labels.slice(0, 7).flat().sort((p, q) => p - q), Array.from({ length: 50 }, (_, i) => i));
    assert.equal(a.labels[6]!.length, 2);
    // A new epoch is reshuffled.
    assert.notDeepEqual(a.labels[7], a.labels[0]);
  });

  it('restoreContinuesWithIdenticalBatchesMidEpochAndAcrossEpochs', () => {
    for (const cut of [3, 7, 9]) {
      torch.manualSeed(5);
      const straight = new data.DataLoader(idDataset, all, { batchSize: 8, seed: 4, augment });
      take(straight, cut);
      const st = JSON.parse(JSON.stringify(straight.state())) as data.LoaderState;
      const rng = torch.getRngState();
      const expected = take(straight, 12);

      // A fresh loader (as after a restart) restored from the saved state, with torch's generator restored too.
      torch.manualSeed(999);
      const resumed = new data.DataLoader(idDataset, all, { batchSize: 8, seed: 4, augment });
      take(resumed, 2);
      resumed.restore(st);
      torch.setRngState(rng);
      assert.equal(resumed.epoch, st.epoch);
      assert.equal(resumed.position, st.position);
      assert.deepEqual(take(resumed, 12), expected, `resumed after ${cut} batches`);
    }
  });

  it('stateRecordsEpochAndPosition', () => {
    const loader = new data.DataLoader(idDataset, all, { batchSize: 8, seed: 0, augment, train: false });
    assert.deepEqual([loader.state().epoch, loader.state().position], [0, 0]);
    take(loader, 3);
    assert.deepEqual([loader.state().epoch, loader.state().position], [0, 24]);
    take(loader, 5);
    assert.deepEqual([loader.state().epoch, loader.state().position], [1, 8]);
    assert.throws(() => loader.restore({ epoch: 0 }), /cannot restore the data loader: the checkpoint has no valid loader state/);
    assert.throws(() => loader.restore({ epoch: 0, position: 51, epochSeed: 1 }), /position 51 is outside its 50 examples/);
  });

  it('dropLastSkipsTheShortBatchOtherwiseItIsKept', () => {
    const keep = new data.DataLoader(idDataset, all, { batchSize: 16, seed: 0, augment, train: false });
    const drop = new data.DataLoader(idDataset, all, { batchSize: 16, seed: 0, augment, train: false, dropLast: true });
    assert.equal(keep.stepsPerEpoch, 4);
    assert.equal(drop.stepsPerEpoch, 3);
    assert.deepEqual(take(keep, 5).labels.map((l) => l.length), [16, 16, 16, 2, 16]);
    const dropped = take(drop, 4).labels;
    assert.deepEqual(dropped.map((l) => l.length), [16, 16, 16, 16]);
    // Same seed, same first epoch order: drop-last leaves out exactly the last two of the permutation.
    assert.deepEqual(dropped.slice(0, 3), take(new data.DataLoader(idDataset, all, { batchSize: 16, seed: 0, augment, train: false }), 3).labels);
    assert.equal(drop.epoch, 1);
    assert.equal(new data.DataLoader(idDataset, all, { batchSize: 50, seed: 0, augment, dropLast: true }).stepsPerEpoch, 1);
    assert.throws(() => new data.DataLoader(idDataset, all, { batchSize: 64, seed: 0, augment, dropLast: true }), /50 examples cannot fill one batch of 64 with drop-last/);
    assert.throws(() => new data.DataLoader(idDataset, all, { batchSize: 0, augment }), /batch size must be a positive integer, got 0/);
    assert.throws(() => new data.DataLoader(idDataset, new Int32Array(0), { batchSize: 4, augment }), /the loader got no examples/);
  });

  it('foreverCrossesEpochsWithAFreshPermutationEach', () => {
    const queue = new data.DataLoader(idDataset, all, { batchSize: 25, seed: 9, augment, train: false }).forever();
    const epochs = [0, 1, 2].map(() => torch.tidy(() => [queue.next().value, queue.next().value].flatMap((b) => b.y.tolist() as number[])));
    for (const e of epochs) assert.deepEqual([...e].sort((p, q) => p - q), Array.from({ length: 50 }, (_, i) => i));
    assert.notDeepEqual(epochs[1], epochs[0]);
    assert.notDeepEqual(epochs[2], epochs[1]);
  });

  it('unshuffledLoaderServesIndicesInOrder', () => {
    const subset = Int32Array.from([4, 9, 2, 30, 31]);
    const loader = new data.DataLoader(idDataset, subset, { batchSize: 2, shuffle: false, augment, train: false });
    assert.deepEqual(take(loader, 4).labels, [[4, 9], [2, 30], [31], [4, 9]]);
  });

  it('batchesAreChannelsLastFloat32WithInt64Labels', () => {
    torch.tidy(() => {
      const loader = new data.DataLoader(dataset, all, { batchSize: 8, seed: 0, augment });
      const { x, y } = loader.next();
      assert.deepEqual(x.shape, [8, 3, 8, 8]);
      assert.equal(x.dtype, 'float32');
      assert.ok(x.isContiguous('channelsLast'));
      assert.equal(y.dtype, 'int64');
      assert.deepEqual(y.shape, [8]);
    });
  });

  it('loaderHoldsTensorMemoryFlat', () => {
    const loader = new data.DataLoader(dataset, all, { batchSize: 8, seed: 0, augment });
    take(loader, 3);
    const before = torch.memory().tensors;
    take(loader, 20);
    assert.equal(torch.memory().tensors, before);
  });
});

describe('dartsSplit', () => {
  it('halvesFiftyThousandInFileOrder', () => {
    const { train, valid } = data.dartsSplit(50_000, 0.5);
    assert.equal(train.length, 25_000);
    assert.equal(valid.length, 25_000);
    assert.deepEqual([train[0], train[24_999], valid[0], valid[24_999]], [0, 24_999, 25_000, 49_999]);
    assert.ok(train.every((v, i) => v === i));
    assert.ok(valid.every((v, i) => v === 25_000 + i));
  });

  it('floorsThePortionAndRejectsEmptySides', () => {
    const { train, valid } = data.dartsSplit(10, 0.75);
    assert.deepEqual([train.length, valid.length], [7, 3]);
    assert.throws(() => data.dartsSplit(10, 1), /trainPortion must be in \(0, 1\), got 1/);
    assert.throws(() => data.dartsSplit(1, 0.5), /leaves one side empty/);
  });
});
