import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { loadCheckpoint } from '../../src/nas/checkpoint.js';
import { openSearchData } from '../../src/nas/search-data.js';
import type * as torch from '../../src/torch/index.js';
import { search, stepsOf, tinyConfig } from './search-harness.js';

function bytesOf(t: torch.Tensor): Buffer {
  const d = t.data();
  return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
}

describe('search loop', () => {
  test('resumedRunEqualsUninterruptedRunBitForBit', async () => {
    // 6 steps an epoch (96 images, half for the weights, batches of 8).
    const cfg = tinyConfig({ trainLimit: 96, batchSize: 8 });
    const base = mkdtempSync(join(tmpdir(), 'dnas-search-'));
    const whole = await search(cfg, { dir: join(base, 'whole') });
    assert.equal(whole.result.interrupted, false);
    // Stop mid-epoch (step 2 of 6) and at the epoch boundary, resuming each time.
    const split = join(base, 'split');
    const first = await search(cfg, { dir: split, stopAfterSteps: 2 });
    assert.equal(first.result.interrupted, true);
    const second = await search(cfg, { dir: split, resume: true, stopAfterSteps: 4 });
    assert.equal(second.result.interrupted, true);
    assert.deepEqual(stepsOf(second.events).map((e) => [e.epoch, e.step]).at(-1), [0, 5], 'the second stop is at the end of epoch 0');
    const third = await search(cfg, { dir: split, resume: true });
    assert.equal(third.result.interrupted, false);
    assert.equal(third.result.genotype, whole.result.genotype);

    const a = loadCheckpoint<{ epoch: number }>(join(base, 'whole'));
    const b = loadCheckpoint<{ epoch: number }>(split);
    assert.equal(a.state.epoch, 2);
    assert.deepEqual(Object.keys(b.tensors).sort(), Object.keys(a.tensors).sort());
    for (const name of Object.keys(a.tensors)) assert.ok(bytesOf(a.tensors[name]!).equals(bytesOf(b.tensors[name]!)), `tensor ${name} differs`);
    // The log of the resumed run reads like the uninterrupted one: same step events in order.
    const steps = (dir: string) => readFileSync(join(dir, 'log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l)).filter((e) => e.type === 'step').map((e) => [e.epoch, e.step, e.trainLoss]);
    assert.deepEqual(steps(split), steps(join(base, 'whole')));
  });

  test('searchLogsEpochsWithArchitectureWeightsAndGenotypes', async () => {
    const cfg = tinyConfig({ epochs: 1, space: 'nb201', layers: 1, stepOrder: 'weights-first' });
    const { result, events } = await search(cfg);
    const epoch = events.find((e) => e.type === 'epoch');
    assert.ok(epoch && epoch.type === 'epoch');
    assert.equal(epoch.archWeights.cell!.length, 6);
    for (const row of epoch.archWeights.cell!) assert.ok(Math.abs(row.reduce((s, v) => s + v, 0) - 1) < 1e-6, 'softmax rows sum to 1');
    assert.match(result.genotype, /^\|[a-z_0-9]+~0\|\+\|[a-z_0-9]+~0\|[a-z_0-9]+~1\|\+\|[a-z_0-9]+~0\|[a-z_0-9]+~1\|[a-z_0-9]+~2\|$/);
    assert.equal(stepsOf(events).length, 8, '128 training images in batches of 16');
  });

  test('nonFiniteLossStopsWithAClearErrorAndKeepsTheLastCheckpoint', async () => {
    // 2 steps an epoch: the first epoch ends with its checkpoint, the second fails at its first step.
    const cfg = tinyConfig({ epochs: 2, trainLimit: 64 });
    const dir = mkdtempSync(join(tmpdir(), 'dnas-search-'));
    const data = await openSearchData(cfg);
    // From the second epoch on, the training images are NaN: the loss turns NaN at once.
    const train = data.train;
    let calls = 0;
    data.train = {
      stepsPerEpoch: train.stepsPerEpoch,
      state: () => train.state(),
      restore: (s) => train.restore(s),
      next: () => {
        const b = train.next();
        return ++calls > train.stepsPerEpoch ? { x: b.x.mul(Number.NaN), y: b.y } : b;
      },
    };
    await assert.rejects(search(cfg, { dir, data }), /training loss became NaN: the search diverged; lower the learning rate/);
    const ckpt = loadCheckpoint<{ epoch: number; step: number }>(dir);
    assert.deepEqual([ckpt.state.epoch, ckpt.state.step], [1, 0]);
    for (const [name, t] of Object.entries(ckpt.tensors)) {
      if (t.dtype === 'float32') assert.ok(t.isfinite().all().item() === 1, `${name} is finite`);
    }
  });
});
