// The search loop's collapse diagnostics and early stopping: measured every epoch without changing
// the search, an early-stop rule ends the run with its checkpoint and says why.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { RunDir } from '../../src/cli/run-dir.js';
import { loadCheckpoint } from '../../src/nas/checkpoint.js';
import { resolveSearchConfig, type SearchConfig, type SearchOverrides } from '../../src/nas/config.js';
import { runSearch, type SearchEvent } from '../../src/nas/search.js';
import { openSearchData } from '../../src/nas/search-data.js';

function tinyConfig(overrides: SearchOverrides = {}): SearchConfig {
  return resolveSearchConfig({ dataset: 'synthetic', epochs: 2, batchSize: 16, initChannels: 4, layers: 3, numThreads: 1, seed: 5, trainLimit: 128, ...overrides });
}

async function search(cfg: SearchConfig) {
  const dir = mkdtempSync(join(tmpdir(), 'dnas-diag-'));
  const run = new RunDir(dir);
  run.create();
  const events: SearchEvent[] = [];
  const result = await runSearch(cfg, {
    runDir: dir,
    resume: false,
    data: await openSearchData(cfg),
    onEvent: (e) => {
      events.push(e);
      run.log(e);
    },
    logBytes: () => run.logBytes(),
    truncateLog: (b) => run.truncateLog(b),
    shouldStop: () => false,
  });
  return { result, dir, epochs: events.filter((e): e is Extract<SearchEvent, { type: 'epoch' }> => e.type === 'epoch') };
}

describe('search diagnostics', () => {
  test('diagnosticsAreLoggedEveryEpochWithoutChangingTheSearch', async () => {
    const measured = await search(tinyConfig({ hessianEvery: 2, hessianIterations: 5 }));
    const unmeasured = await search(tinyConfig({ hessianEvery: 0 }));
    const [first, second] = measured.epochs;
    assert.equal(first!.diagnostics.hessianEigenvalue, undefined, 'epoch 1 is not a measured epoch');
    assert.ok(Number.isFinite(second!.diagnostics.hessianEigenvalue), 'epoch 2 is');
    assert.equal(second!.diagnostics.edgeEntropy.normal!.length, 14);
    for (const h of second!.diagnostics.edgeEntropy.normal!) assert.ok(h > 0 && h <= Math.log(8) + 1e-12);
    // Measuring restores weights, α, BN statistics and the random stream: the searches are identical.
    assert.deepEqual(measured.epochs.map((e) => e.archWeights), unmeasured.epochs.map((e) => e.archWeights));
    assert.deepEqual(measured.epochs.map((e) => e.trainLoss), unmeasured.epochs.map((e) => e.trainLoss));
  });

  test('anEarlyStopRuleEndsTheSearchWithItsCheckpointAndReason', async () => {
    // Only skip connections and max pools to choose from: the derived normal cell soon holds ≥ 2 skips.
    const cfg = tinyConfig({ epochs: 3, primitives: ['skip_connect', 'max_pool_3x3'], earlyStop: 'skip2', hessianEvery: 0 });
    const { result, dir, epochs } = await search(cfg);
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
