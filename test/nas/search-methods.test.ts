// iDARTS and Single-DARTS as whole searches: the data each trains on, and resume bit for bit.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { DataLoader } from '../../src/data/index.js';
import { loadCheckpoint } from '../../src/nas/checkpoint.js';
import { openSearchData } from '../../src/nas/search-data.js';
import { assertResumesBitForBit, epochsOf, search, stepsOf, tinyConfig } from './search-harness.js';

describe('iDARTS and Single-DARTS searches', () => {
  test('idartsSearchesResumeBitForBit', async () => {
    const cfg = tinyConfig({ space: 'nb201', method: 'idarts', layers: 1, epochs: 2, trainLimit: 64, innerSteps: 2 });
    const whole = await assertResumesBitForBit(cfg, 3);
    const [first] = stepsOf(whole.events);
    // T = 2 inner weight steps per step, each on a batch of 16.
    assert.equal(first!.trainCount, 32);
    assert.ok(Number.isFinite(first!.validLoss!));
  });

  test('aNonFiniteIdartsValidationLossStopsWithAClearErrorAndKeepsTheLastCheckpoint', async () => {
    const cfg = tinyConfig({ space: 'nb201', method: 'idarts', layers: 1, epochs: 2, trainLimit: 64, innerSteps: 1 });
    const data = await openSearchData(cfg);
    // From the second epoch on the validation images are NaN: the hypergradient's first loss is NaN.
    const valid = data.valid!;
    let calls = 0;
    data.valid = {
      stepsPerEpoch: valid.stepsPerEpoch,
      state: () => valid.state(),
      restore: (st) => valid.restore(st),
      next: () => {
        const b = valid.next();
        return ++calls > data.train.stepsPerEpoch ? { x: b.x.mul(Number.NaN), y: b.y } : b;
      },
    };
    const dir = mkdtempSync(join(tmpdir(), 'dnas-methods-'));
    await assert.rejects(search(cfg, { dir, data }), /^Error: validation loss became NaN: the search diverged/);
    const ckpt = loadCheckpoint<{ epoch: number; step: number }>(dir);
    assert.deepEqual([ckpt.state.epoch, ckpt.state.step], [1, 0]);
  });

  test('singleDartsSearchesResumeBitForBit', async () => {
    await assertResumesBitForBit(tinyConfig({ space: 'nb201', method: 'single-darts', layers: 1, epochs: 2, trainLimit: 64 }), 3);
  });

  test('singleDartsTrainsWeightsAndAlphaOnEveryTrainingImage', async () => {
    const cfg = tinyConfig({ space: 'nb201', method: 'single-darts', layers: 1, epochs: 1, trainLimit: 64 });
    assert.equal(cfg.trainPortion, 1);
    const data = await openSearchData(cfg);
    assert.equal(data.valid, null, 'no validation stream');
    const loader = data.train as DataLoader;
    assert.deepEqual(Array.from(loader.indices), Array.from({ length: 64 }, (_, i) => i));
    const { events } = await search(cfg, { data });
    const steps = stepsOf(events);
    // One epoch: every image passes once through the step that trains both w and α.
    assert.equal(steps.reduce((n, s) => n + s.trainCount, 0), 64);
    assert.ok(steps.every((s) => s.validCount === undefined));
    assert.equal(epochsOf(events)[0]!.validLoss, null);
  });
});
