// GDAS on NAS-Bench-201 against the original code (D-X-Y/AutoDL-Projects TinyNetworkGDAS and the
// step of exps/NAS-Bench-201-algos/GDAS.py): three steps of weight update on the train batch then
// architecture update on the valid batch, epoch 0 (τ = 10, lr 0.025), with the reference's Gumbel
// noise injected into our sampler (one draw per forward: forward 2s is step s's weight step, 2s + 1
// its architecture step). The fixture comes from fixtures/make_gdas_nb201_fixture.py.
//
// What the fixture shows about the reference, and how we stand to it:
// - torch 1.13's zero_grad() zero-fills gradients, so every op any earlier forward selected (weight
//   or architecture step) keeps receiving weight decay and Nesterov momentum while unselected. The
//   fixture also holds the alphas of the same run with zero_grad(set_to_none=True): they differ by
//   up to 5.1e-4 after step 2 (Adam steps are 3e-4), so the two behaviours are told apart here.
// - clip_grad_norm_(network.parameters(), 5) includes the alphas' .grad (the previous arch gradient
//   plus this backward's). Clipping is active in all 3 steps (norms 8.4, 7.1, 6.1), and the alphas
//   change the norm by at most 1.4e-6 of it, so the clipped gradients by as much: far below the
//   tolerance. We clip the weights only.
// - Ops built without their leading ReLU (see reference-names.ts), contiguous float32.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { composeMixing } from '../../../src/nas/mixing/compose.js';
import { gdasSampler } from '../../../src/nas/mixing/gdas.js';
import * as torch from '../../../src/torch/index.js';
import { assertScalarClose, assertTensorClose, compareTensors, loadReferenceFixture } from './reference-fixture.js';
import { nb201ReferenceName } from './reference-names.js';
import { assertPresetMatchesFixture, referenceRun } from './reference-run.js';

const fixture = loadReferenceFixture('gdas_nb201_fixture.safetensors');
const meta = fixture.metadata;

function runReferenceSteps(): { run: ReturnType<typeof referenceRun>; draws: () => number } {
  let draws = 0;
  // Our sampler keeps and later disposes what it is given, so it gets copies.
  const drawGumbel = () => torch.keep(fixture.get(`gumbel.${draws++}`).clone());
  const mixing = composeMixing({ sampler: gdasSampler({ tauMax: 10, tauMin: 0.1, drawGumbel }), partialChannels: 1, edgeNorm: false });
  const run = referenceRun(fixture, { method: 'gdas', space: 'nb201', initChannels: Number(meta.C), layers: Number(meta.N) }, nb201ReferenceName, { alphas_cell: 'alphas' }, { mixing });
  return { run, draws: () => draws };
}

describe('GDAS on NAS-Bench-201 against AutoDL-Projects', () => {
  test('stepsWithTheReferenceGumbelNoiseReproduceTheReferenceAlphas', () => {
    const { run, draws } = runReferenceSteps();
    assertPresetMatchesFixture(run.cfg, meta, { lr: 'lr', momentum: 'momentum', weight_decay: 'weightDecay', grad_clip: 'gradClip', arch_lr: 'archLr', arch_weight_decay: 'archWeightDecay', tau: 'tauMax' });
    assert.equal(run.cfg.nesterov, true);
    assert.equal(run.cfg.stepOrder, 'weights-first');
    for (let s = 0; s < Number(meta.steps); s++) {
      const stats = run.step(s);
      assert.equal(draws(), 2 * (s + 1), 'one Gumbel draw per forward');
      assertScalarClose(stats.trainLoss, fixture.get(`step.${s}.train_loss`), `step ${s} weight-step loss`);
      assertScalarClose(stats.validLoss!, fixture.get(`step.${s}.valid_loss`), `step ${s} architecture-step loss`);
      assertTensorClose(run.parts.arch.alphas_cell!, fixture.get(`step.${s}.alphas`), `step ${s} alphas`);
    }
    // The zero-filled-gradient behaviour is what is being matched, not the set_to_none one.
    assert.ok(!compareTensors(run.parts.arch.alphas_cell!, fixture.get('set_to_none.step.2.alphas'), 1e-5, 1e-5).ok);
  });

  // In this fixture edge 3<-1's nor_conv_3x3 is selected only by step 0's architecture forward.
  // The reference does not freeze the weights there, so that backward gives it a .grad, which
  // zero_grad() later zero-fills: weight steps 1 and 2 then apply weight decay and momentum to it.
  // Our architecture steps freeze the weights and record the ops they ran instead (op-usage.ts).
  test('weightsAfterThreeStepsMatchTheReferenceIncludingOpsOnlyAnArchitectureStepSelected', () => {
    const { run } = runReferenceSteps();
    for (let s = 0; s < Number(meta.steps); s++) run.step(s);
    for (const [name, p] of run.parts.net.namedParameters()) {
      assertTensorClose(p, fixture.get(`final.weights.${nb201ReferenceName(name)}`), `weight ${name} after ${meta.steps} steps`, 1e-5, 1e-7);
    }
  });
});
