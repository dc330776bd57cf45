import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { checkEarlyStop, earliestEarlyStop, type EpochMeasurement } from '../../../src/nas/diagnostics/early-stop.js';

const eigenHistory = (values: (number | undefined)[]): EpochMeasurement[] =>
  values.map((v, epoch) => (v === undefined ? { epoch } : { epoch, hessianEigenvalue: v }));

describe('early-stop rules', () => {
  test('skip2FiresAtTheFirstEpochWhoseNormalCellHoldsTwoSkipConnects', () => {
    const history = [0, 1, 1, 2, 3].map((skipConnects, epoch) => ({ epoch, skipConnects }));
    const r = earliestEarlyStop('skip2', history);
    assert.equal(r.fired, true);
    assert.equal(r.epoch, 3);
    assert.match(r.reason, /normal cell holds 2 skip_connect at epoch 3/);
    assert.equal(checkEarlyStop('skip2', history.slice(0, 3)).fired, false);
  });

  test('eigenRuleFiresWhenTheWindowMeanRisesBeyondThresholdTimesTheMeanDeltaMeasurementsEarlier', () => {
    // Flat at 1 for epochs 0..15, then 2, 3, 4, ... With RobustDARTS' defaults (window 5, delta 4,
    // factor 1.3, start epoch 10): at epoch 16 the mean centred at 14 is 1.2 (ratio 1.2), at epoch 17
    // the mean centred at 15 is 1.6 against 1 at epoch 11.
    const values = Array.from({ length: 25 }, (_, e) => (e < 16 ? 1 : e - 14));
    const r = earliestEarlyStop('eigen', eigenHistory(values));
    assert.equal(r.fired, true);
    assert.equal(r.epoch, 17);
    assert.equal(r.rollbackEpoch, 11);
    assert.match(r.reason, /mean 1\.6 at epoch 15 is 1\.6× the mean 1 at epoch 11/);
    assert.equal(checkEarlyStop('eigen', eigenHistory(values.slice(0, 17))).fired, false);
  });

  test('eigenRuleWaitsUntilTheComparedMeanIsCentredAtStartEpoch', () => {
    // A jump at epoch 4 is over (the means agree again) by the time the default start epoch allows a stop.
    const values = Array.from({ length: 20 }, (_, e) => (e < 4 ? 1 : 5));
    assert.equal(earliestEarlyStop('eigen', eigenHistory(values)).fired, false);
    const early = earliestEarlyStop('eigen', eigenHistory(values), { startEpoch: 0 });
    assert.equal(early.fired, true);
    assert.equal(early.epoch, 6); // mean of [1, 1, 5, 5, 5] = 3.4 at epoch 4 vs mean of [1, 1, 1] at epoch 0
    assert.equal(early.rollbackEpoch, 0);
  });

  test('eigenRuleCountsMeasurementsNotEpochsWhenTheEigenvalueIsMeasuredEveryOtherEpoch', () => {
    // Measured on even epochs (RobustDARTS' --report_freq_hessian 2): 1, 1, 1, 1, 1, 1, 1, 3, 3, ...
    const values = Array.from({ length: 30 }, (_, e) => (e % 2 ? undefined : e < 14 ? 1 : 3));
    const history = eigenHistory(values);
    const r = earliestEarlyStop('eigen', history);
    // At epoch 14 (8 measurements) the mean centred at epoch 10 is 1.4 (1,1,1,1,3) against 1 at epoch 2:
    // but epoch 2 is before the start epoch. The first allowed comparison, at epoch 22, sets the mean centred
    // at epoch 18 (3, 3, 3, 3, 3 → 3) against the one centred at epoch 10 (1, 1, 1, 1, 3 → 1.4): ratio 2.1.
    assert.equal(r.fired, true);
    assert.equal(r.epoch, 22);
    assert.equal(r.rollbackEpoch, 10);
    assert.equal(checkEarlyStop('eigen', history.slice(0, 24)).fired, false, 'an unmeasured epoch never fires');
  });

  test('anUnknownRuleIsRejectedWithTheKnownOnes', () => {
    assert.throws(() => checkEarlyStop('patience', []), /^Error: unknown early-stop rule 'patience' \(known: skip2, eigen\)$/);
  });

  test('badOptionsAreRejectedNamingTheOption', () => {
    assert.throws(() => checkEarlyStop('eigen', [], { window: 0 }), /window must be a positive integer, got 0/);
    assert.throws(() => checkEarlyStop('eigen', [], { threshold: -1 }), /threshold must be > 0/);
  });
});
