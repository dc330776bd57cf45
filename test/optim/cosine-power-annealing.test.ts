import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CosinePowerAnnealingLR, cosinePowerAnnealing, SGD } from '../../src/optim/index.js';
import { makeParams } from './problem.js';

/** Rounds to the 6 decimals methods.md §3.4 prints. */
const printed = (v: number[]): number[] => v.map((x) => Number(x.toFixed(6)));
const base = { epochs: 10, maxLr: 0.025, minLr: 1e-4 };

describe('cosine power annealing (sharpDARTS)', () => {
  test('exponentOrder2WithoutWarmupMatchesReferenceVector', () => {
    assert.deepEqual(printed(cosinePowerAnnealing({ ...base, exponentOrder: 2, warmupEpochs: 0 })), [0.025, 0.022566, 0.019006, 0.014892, 0.010773, 0.007072, 0.004057, 0.001863, 0.000541, 0.0001]);
  });

  test('exponentOrder2WithTwoWarmupEpochsMatchesReferenceVector', () => {
    assert.deepEqual(printed(cosinePowerAnnealing({ ...base, exponentOrder: 2, warmupEpochs: 2 })), [0.0084, 0.0167, 0.025, 0.020193, 0.015408, 0.010414, 0.00604, 0.00276, 0.000766, 0.0001]);
  });

  test('exponentOrder1IsPlainCosineRescaledToTheEndpoints', () => {
    assert.deepEqual(printed(cosinePowerAnnealing({ ...base, exponentOrder: 1, warmupEpochs: 0 })), [0.025, 0.023187, 0.020364, 0.016806, 0.012862, 0.008919, 0.005361, 0.002537, 0.000725, 0.0001]);
  });

  test('warmupOfTheWholeRunIsRejected', () => {
    assert.throws(() => cosinePowerAnnealing({ ...base, epochs: 5 }), /warm-up of 5 epochs leaves nothing of a 5-epoch run/);
    assert.throws(() => cosinePowerAnnealing({ ...base, exponentOrder: 0.5 }), /exponentOrder must be ≥ 1/);
  });

  test('schedulerStepsThroughTheCurveFromTheGroupsBaseLr', () => {
    const [p] = makeParams();
    const opt = new SGD([p!], { lr: 0.025 });
    const sched = new CosinePowerAnnealingLR(opt, { epochs: 10, minLr: 1e-4, warmupEpochs: 2 });
    const curve = cosinePowerAnnealing({ ...base, warmupEpochs: 2 });
    const seen = [sched.getLastLr()[0]!];
    for (let e = 1; e < 12; e++) {
      sched.step();
      seen.push(opt.paramGroups[0]!.lr);
    }
    assert.deepEqual(seen, [...curve, 1e-4, 1e-4]);
  });

  test('schedulerResumesFromItsStateDictLikeCosineAnnealing', () => {
    const make = () => new SGD([makeParams()[0]!], { lr: 0.1 });
    const first = new CosinePowerAnnealingLR(make(), { epochs: 8, warmupEpochs: 1 });
    for (let e = 0; e < 3; e++) first.step();
    const resumed = new CosinePowerAnnealingLR(make(), { epochs: 8, warmupEpochs: 1 });
    resumed.loadStateDict(first.stateDict());
    first.step();
    resumed.step();
    assert.deepEqual(resumed.getLastLr(), first.getLastLr());
  });
});
