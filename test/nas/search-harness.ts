// Tiny synthetic searches for behaviour tests: one thread, a small supernet, a temporary run
// directory, events collected, and an optional stop after N steps (a checkpoint, as Ctrl-C writes).
// The Hessian eigenvalue stays measured at its default epoch (so every search also runs the
// measurement's save-and-restore of weights, α, BN statistics and the random stream), but with 2
// power iterations instead of 20: at 20 it cost more than the rest of a tiny search (26 s of a 29 s
// sharpDARTS one). Its value is checked in diagnostics/hessian-eigen.test.ts, and that measuring
// leaves the search unchanged in search-diagnostics.test.ts.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RunDir } from '../../src/cli/run-dir.js';
import { resolveSearchConfig, type SearchConfig, type SearchOverrides } from '../../src/nas/config.js';
import { runSearch, type SearchData, type SearchEvent } from '../../src/nas/search.js';
import { openSearchData } from '../../src/nas/search-data.js';

export function tinyConfig(overrides: SearchOverrides = {}): SearchConfig {
  return resolveSearchConfig({ dataset: 'synthetic', epochs: 2, batchSize: 16, initChannels: 4, layers: 3, numThreads: 1, seed: 5, trainLimit: 256, hessianIterations: 2, ...overrides });
}

export async function search(cfg: SearchConfig, opts: { resume?: boolean; dir?: string; stopAfterSteps?: number; data?: SearchData } = {}) {
  const dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'dnas-search-'));
  const run = new RunDir(dir);
  run.create();
  const events: SearchEvent[] = [];
  let steps = 0;
  const result = await runSearch(cfg, {
    runDir: dir,
    resume: opts.resume ?? false,
    data: opts.data ?? (await openSearchData(cfg)),
    onEvent: (e) => {
      if (e.type === 'step') steps++;
      events.push(e);
      run.log(e);
    },
    logBytes: () => run.logBytes(),
    truncateLog: (b) => run.truncateLog(b),
    shouldStop: () => opts.stopAfterSteps !== undefined && steps >= opts.stopAfterSteps,
  });
  return { result, events, dir };
}

export const epochsOf = (events: SearchEvent[]) => events.filter((e): e is Extract<SearchEvent, { type: 'epoch' }> => e.type === 'epoch');
export const stepsOf = (events: SearchEvent[]) => events.filter((e): e is Extract<SearchEvent, { type: 'step' }> => e.type === 'step');

/** 2 epochs straight equal an interrupt after `stopAfterSteps` steps (a checkpoint) and a resume, bit for bit. */
export async function assertResumesBitForBit(cfg: SearchConfig, stopAfterSteps: number) {
  const whole = await search(cfg);
  const dir = mkdtempSync(join(tmpdir(), 'dnas-resume-'));
  assert.equal((await search(cfg, { dir, stopAfterSteps })).result.interrupted, true);
  const resumed = await search(cfg, { dir, resume: true });
  assert.equal(resumed.result.genotype, whole.result.genotype);
  const a = epochsOf(whole.events).at(-1)!;
  const b = epochsOf(resumed.events).at(-1)!;
  assert.deepEqual(b.archWeights, a.archWeights);
  assert.equal(b.trainLoss, a.trainLoss);
  assert.equal(b.validLoss, a.validLoss);
  return whole;
}
