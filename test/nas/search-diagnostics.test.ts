// The search loop's collapse diagnostics and early stopping: measured every epoch without changing
// the search, an early-stop rule ends the run with its checkpoint and says why.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { loadCheckpoint } from '../../src/nas/checkpoint.js';
import type { SearchConfig, SearchOverrides } from '../../src/nas/config.js';
import { epochsOf, search, tinyConfig } from './search-harness.js';

// 2 steps an epoch.
const diagnosticsConfig = (overrides: SearchOverrides = {}): SearchConfig => tinyConfig({ trainLimit: 64, ...overrides });

describe('search diagnostics', () => {
  test('diagnosticsAreLoggedEveryEpochWithoutChangingTheSearch', async () => {
    // Measured after epoch 2 of 3, so epoch 3 shows whether measuring changed what the search sees;
    // GDAS, because its steps draw from torch's random stream (a DARTS search would follow the same
    // trajectory even if the measurement left the stream moved).
    const measured = await search(diagnosticsConfig({ method: 'gdas', epochs: 3, hessianEvery: 2, hessianIterations: 5 }));
    const unmeasured = await search(diagnosticsConfig({ method: 'gdas', epochs: 3, hessianEvery: 0 }));
    const [first, second, third] = epochsOf(measured.events);
    assert.equal(first!.diagnostics.hessianEigenvalue, undefined, 'epoch 1 is not a measured epoch');
    assert.ok(Number.isFinite(second!.diagnostics.hessianEigenvalue), 'epoch 2 is');
    assert.equal(third!.diagnostics.hessianEigenvalue, undefined, 'epoch 3 is not');
    assert.equal(second!.diagnostics.edgeEntropy.normal!.length, 14);
    for (const h of second!.diagnostics.edgeEntropy.normal!) assert.ok(h > 0 && h <= Math.log(8) + 1e-12);
    // Measuring restores weights, α, BN statistics and the random stream: the searches are identical.
    assert.deepEqual(epochsOf(measured.events).map((e) => e.archWeights), epochsOf(unmeasured.events).map((e) => e.archWeights));
    assert.deepEqual(epochsOf(measured.events).map((e) => e.trainLoss), epochsOf(unmeasured.events).map((e) => e.trainLoss));
  });

  test('anEarlyStopRuleEndsTheSearchWithItsCheckpointAndReason', async () => {
    // Only skip connections and max pools to choose from: the derived normal cell soon holds ≥ 2 skips.
    const cfg = diagnosticsConfig({ epochs: 3, primitives: ['skip_connect', 'max_pool_3x3'], earlyStop: 'skip2', hessianEvery: 0 });
    const { result, dir, events } = await search(cfg);
    const epochs = epochsOf(events);
    assert.equal(result.earlyStop?.rule, 'skip2');
    assert.equal(result.epochsDone, epochs.length);
    assert.ok(epochs.length < 3);
    const last = epochs.at(-1)!;
    assert.equal(last.earlyStop?.fired, true);
    assert.match(last.earlyStop!.reason, /skip/);
    assert.ok(last.diagnostics.skipConnects >= 2);
    assert.equal(loadCheckpoint<{ epoch: number }>(dir).state.epoch, epochs.length);
    assert.equal(result.genotype, last.genotype);
  });
});
