// End to end on real data: the embedded Fashion-MNIST, the DataLoader, a small conv net from nn and
// Adam from optim must reach ≥ 85 % test accuracy within part of one epoch.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataLoader, datasetSize, loadDataset } from '../../src/data/index.js';
import { BatchNorm2d, Conv2d, Flatten, Linear, MaxPool2d, ReLU, Sequential } from '../../src/nn/index.js';
import { Adam } from '../../src/optim/index.js';
import * as torch from '../../src/torch/index.js';

// 300 of the 468 steps of an epoch: about 0.87 test accuracy (0.85 after ~120 steps).
const STEPS = 300;
const BATCH = 128;

test('smallConvNetReaches85PercentOnFashionMnistTestSet', () => {
  torch.manualSeed(0);
  const train = loadDataset('fashion-mnist', { split: 'train' });
  const testSet = loadDataset('fashion-mnist', { split: 'test' });
  // Normalise both splits with the training statistics, without crops or flips.
  const augment = { mean: train.mean, std: train.std, cropPadding: 0, horizontalFlip: false };

  const model = new Sequential(
    new Conv2d(1, 16, 3, { padding: 1 }), new BatchNorm2d(16), new ReLU(), new MaxPool2d(2),
    new Conv2d(16, 32, 3, { padding: 1 }), new BatchNorm2d(32), new ReLU(), new MaxPool2d(2),
    new Flatten(), new Linear(32 * 7 * 7, 10),
  );
  const opt = new Adam(model.parameters(), { lr: 2e-3 });
  const loader = new DataLoader(train, Int32Array.from({ length: datasetSize(train) }, (_, i) => i), { batchSize: BATCH, seed: 0, dropLast: true, augment, train: true });
  assert.ok(STEPS <= loader.stepsPerEpoch, 'trains on at most one epoch');

  model.train();
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) {
    torch.tidy(() => {
      const { x, y } = loader.next();
      opt.zeroGrad();
      const loss = torch.crossEntropy(model.forward(x), y);
      loss.backward();
      opt.step();
      if (step % 50 === 0 || step === STEPS - 1) losses.push(loss.item());
    });
  }
  assert.ok(losses.every(Number.isFinite), `losses ${losses}`);
  assert.ok(losses.at(-1)! < losses[0]!, `loss did not fall: ${losses}`);

  model.eval();
  const evalLoader = new DataLoader(testSet, Int32Array.from({ length: datasetSize(testSet) }, (_, i) => i), { batchSize: 1000, shuffle: false, augment, train: false });
  let correct = 0;
  torch.noGrad(() => {
    for (let i = 0; i < evalLoader.stepsPerEpoch; i++) {
      correct += torch.tidy(() => {
        const { x, y } = evalLoader.next();
        return model.forward(x).argmax(1).eq(y).sum().item();
      });
    }
  });
  const accuracy = correct / datasetSize(testSet);
  assert.ok(accuracy >= 0.85, `test accuracy ${accuracy.toFixed(4)} < 0.85 (losses ${losses.map((l) => l.toFixed(3)).join(', ')})`);
});
