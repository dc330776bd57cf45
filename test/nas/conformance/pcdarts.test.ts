// PC-DARTS' search step against the original code (yuhuixu1993/PC-DARTS model_search.py +
// architect.py): partial channels (K = 4, channel shuffle, 2×2 max-pool on the bypassed channels
// of stride-2 edges) and edge-normalisation betas, three first-order steps (architecture update on
// the valid batch, then weights on the train batch) from the same weights, alphas, betas and
// batches. The fixture comes from fixtures/make_pcdarts_fixture.py.
//
// Deliberate differences the test accounts for:
// - The 15 warm-up epochs are skipped (warmupEpochs 0): the fixture's steps are architecture steps.
// - Ops built without their leading ReLU (see reference-names.ts), contiguous float32 (the CLI
//   default is channels-last).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { assertScalarClose, assertTensorClose, loadReferenceFixture } from './reference-fixture.js';
import { dartsReferenceName } from './reference-names.js';
import { assertPresetMatchesFixture, referenceRun } from './reference-run.js';

const fixture = loadReferenceFixture('pcdarts_fixture.safetensors');
const meta = fixture.metadata;
const ARCH = ['alphas_normal', 'alphas_reduce', 'betas_normal', 'betas_reduce'];

describe('PC-DARTS search steps against yuhuixu1993/PC-DARTS', () => {
  test('firstOrderStepsReproduceTheReferenceAlphasAndBetas', () => {
    const run = referenceRun(fixture, { method: 'pc-darts', space: 'darts', initChannels: Number(meta.C), layers: Number(meta.layers) }, dartsReferenceName, Object.fromEntries(ARCH.map((n) => [n, n])));
    assertPresetMatchesFixture(run.cfg, meta, { lr: 'lr', momentum: 'momentum', weight_decay: 'weightDecay', grad_clip: 'gradClip', arch_lr: 'archLr', arch_weight_decay: 'archWeightDecay', k: 'partialChannels' });
    assert.equal(run.cfg.edgeNorm, true);
    for (let s = 0; s < Number(meta.steps); s++) {
      const stats = run.step(s);
      assertScalarClose(stats.validLoss!, fixture.get(`first_order.step.${s}.valid_loss`), `step ${s} architecture-step loss`);
      assertScalarClose(stats.trainLoss, fixture.get(`first_order.step.${s}.train_loss`), `step ${s} weight-step loss`);
      for (const name of ARCH) assertTensorClose(run.parts.arch[name]!, fixture.get(`first_order.step.${s}.${name}`), `step ${s} ${name}`);
    }
  });
});
