import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CosineAnnealingLR, type EpochScheduler, LambdaLR, LinearLR, LinearWarmup, type Optimizer, SGD, StepLR } from '../../src/optim/index.js';
import { assertClose, fixture, makeParams } from './problem.js';

/** The generator's optimizer: two groups with base learning rates 0.1 and 0.02. */
function twoGroupSgd(): Optimizer {
  const [p1, p2] = makeParams();
  return new SGD([{ params: [p1!], lr: 0.1 }, { params: [p2!], lr: 0.02 }], { lr: 0.1 });
}

function makeScheduler(kind: string, opt: Optimizer, o: Record<string, number>): EpochScheduler {
  switch (kind) {
    case 'CosineAnnealingLR': return new CosineAnnealingLR(opt, o as { tMax: number });
    case 'StepLR': return new StepLR(opt, o as { stepSize: number });
    case 'LinearLR': return new LinearLR(opt, o);
    default: throw new Error(`fixture names an unknown scheduler '${kind}'`);
  }
}

describe('learning-rate schedules follow torch.optim.lr_scheduler', () => {
  for (const [name, s] of Object.entries(fixture.schedulers)) {
    test(`${name}LrSequenceMatchesPyTorch`, () => {
      const opt = twoGroupSgd();
      const sched = makeScheduler(s.kind, opt, s.options);
      s.lrs.forEach((expected, epoch) => {
        if (epoch > 0) sched.step();
        assertClose(sched.getLastLr(), expected, 1e-12, `${name} epoch ${epoch}`);
        assertClose(opt.paramGroups.map((g) => g.lr), expected, 1e-12, `${name} epoch ${epoch} group lr`);
      });
    });
  }

  test('schedulerStateDictResumesMidSchedule', () => {
    const s = fixture.schedulers.cosine_eta_min!;
    const first = makeScheduler(s.kind, twoGroupSgd(), s.options);
    for (let e = 0; e < 4; e++) first.step();
    const opt = twoGroupSgd();
    const resumed = makeScheduler(s.kind, opt, s.options);
    resumed.loadStateDict(first.stateDict());
    assert.deepEqual(resumed.stateDict(), { lastEpoch: 4, baseLrs: s.lrs[0] });
    assertClose(resumed.getLastLr(), s.lrs[4]!, 1e-12, 'after load');
    resumed.step();
    assertClose(opt.paramGroups.map((g) => g.lr), s.lrs[5]!, 1e-12, 'one epoch after load');
  });

  test('theBaseLrIsTheGroupLrWhenTheFirstScheduleIsCreated', () => {
    const opt = twoGroupSgd();
    opt.paramGroups[0]!.lr = 0.4; // e.g. a learning rate changed after the optimizer was built
    const sched = new StepLR(opt, { stepSize: 1, gamma: 0.5 });
    assertClose(sched.getLastLr(), [0.4, 0.02], 1e-15, 'epoch 0');
    sched.step();
    assertClose(sched.getLastLr(), [0.2, 0.01], 1e-15, 'epoch 1');
    assert.equal(opt.paramGroups[0]!.initialLr, 0.4);
    // A second schedule on the same optimizer starts from the recorded initial lr, not the current one.
    const second = new LinearLR(opt, { startFactor: 0.5, totalIters: 2 });
    assertClose(second.getLastLr(), [0.2, 0.01], 1e-15, 'second schedule epoch 0');
  });

  test('lambdaLrScalesEachBaseLr', () => {
    const opt = twoGroupSgd();
    const sched = new LambdaLR(opt, (epoch) => 0.5 ** epoch);
    sched.step();
    sched.step();
    assertClose(sched.getLastLr(), [0.025, 0.005], 1e-15, 'epoch 2');
  });

  test('cosineFollowsTheClosedFormPastTMax', () => {
    const opt = twoGroupSgd();
    const sched = new CosineAnnealingLR(opt, { tMax: 5, etaMin: 0.001 });
    for (let t = 0; t <= 12; t++) {
      if (t > 0) sched.step();
      const expected = [0.1, 0.02].map((base) => 0.001 + ((base - 0.001) * (1 + Math.cos((Math.PI * t) / 5))) / 2);
      assert.deepEqual(sched.getLastLr(), expected, `epoch ${t}`);
    }
  });

  test('linearWarmupIsPyTorchLinearLR', () => {
    const s = fixture.schedulers.linear_custom!;
    const opt = twoGroupSgd();
    const warmup = new LinearWarmup(opt, s.options);
    assert.ok(warmup instanceof LinearLR);
    s.lrs.forEach((expected, epoch) => {
      if (epoch > 0) warmup.step();
      assertClose(warmup.getLastLr(), expected, 1e-12, `epoch ${epoch}`);
    });
  });

  test('lambdaLrResumesWithTheSameFunction', () => {
    // sharpDARTS-style: any closed form of the epoch, here a cosine raised to a power.
    const factor = (epoch: number) => ((1 + Math.cos((Math.PI * epoch) / 10)) / 2) ** 2;
    const first = new LambdaLR(twoGroupSgd(), factor);
    for (let e = 0; e < 3; e++) first.step();
    const resumed = new LambdaLR(twoGroupSgd(), factor);
    resumed.loadStateDict(JSON.parse(JSON.stringify(first.stateDict())));
    first.step();
    resumed.step();
    assert.deepEqual(resumed.getLastLr(), first.getLastLr());
  });

  test('invalidScheduleOptionsAreRejected', () => {
    assert.throws(() => new CosineAnnealingLR(twoGroupSgd(), { tMax: 0 }), /tMax must be positive, got 0/);
    assert.throws(() => new StepLR(twoGroupSgd(), { stepSize: 0 }), /stepSize must be ≥ 1/);
    assert.throws(() => new LinearLR(twoGroupSgd(), { startFactor: 0 }), /startFactor must be in \(0, 1\]/);
  });
});
