// The iDARTS and Single-DARTS presets, their settings and their one-line errors.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { resolveSearchConfig } from '../../src/nas/config.js';
import { createUpdate } from '../../src/nas/update/index.js';

const oneLine = (fn: () => unknown, flag: RegExp) =>
  assert.throws(fn, (e: Error) => {
    assert.match(e.message, flag);
    assert.ok(!e.message.includes('\n'), `one line: ${e.message}`);
    return true;
  });

describe('iDARTS and Single-DARTS configuration', () => {
  test('idartsPresetsAreThePapersPerSpace', () => {
    const d = resolveSearchConfig({ method: 'idarts' });
    assert.deepEqual(
      [d.update, d.innerSteps, d.neumannK, d.hessian, d.idartsReferenceRestore, d.lr, d.lrMin, d.epochs, d.batchSize, d.trainPortion, d.archLr, d.archBetas, d.archWeightDecay, d.gradClip],
      ['implicit', 5, 2, 'finite-difference', false, 0.025, 0.001, 50, 64, 0.5, 3e-4, [0.5, 0.999], 1e-3, 5],
    );
    const nb = resolveSearchConfig({ method: 'idarts', space: 'nb201' });
    assert.deepEqual([nb.update, nb.innerSteps, nb.neumannK, nb.lr, nb.lrMin, nb.epochs, nb.batchSize, nb.nesterov, nb.weightDecay, nb.momentum], ['implicit', 4, 2, 0.01, 0.001, 30, 64, true, 5e-4, 0.9]);
    assert.equal(createUpdate(nb).name, 'implicit');
  });

  test('singleDartsUsesDartsHyperparametersAndTheWholeTrainingSet', () => {
    for (const space of ['darts', 'nb201'] as const) {
      const s = resolveSearchConfig({ method: 'single-darts', space });
      const d = resolveSearchConfig({ method: 'darts', space });
      assert.deepEqual([s.update, s.trainPortion], ['single-level', 1]);
      assert.deepEqual([s.lr, s.lrMin, s.epochs, s.batchSize, s.weightDecay, s.nesterov, s.archLr, s.archBetas, s.archWeightDecay], [d.lr, d.lrMin, d.epochs, d.batchSize, d.weightDecay, d.nesterov, d.archLr, d.archBetas, d.archWeightDecay]);
      assert.equal(createUpdate(s).name, 'single-level');
    }
    // Choosing the rule on another method's preset drops the split too.
    assert.equal(resolveSearchConfig({ method: 'darts', update: 'single-level' }).trainPortion, 1);
  });

  test('badIterationCountsAndPortionsAreOneLineErrorsNamingTheFlag', () => {
    oneLine(() => resolveSearchConfig({ method: 'idarts', innerSteps: 0 }), /--inner-steps/);
    oneLine(() => resolveSearchConfig({ method: 'idarts', neumannK: -1 }), /--neumann-k/);
    oneLine(() => resolveSearchConfig({ method: 'idarts', neumannK: 1.5 }), /--neumann-k/);
    assert.equal(resolveSearchConfig({ method: 'idarts', neumannK: 0 }).neumannK, 0, 'K = 0 (one-step unrolled) is legal');
    oneLine(() => resolveSearchConfig({ method: 'single-darts', trainPortion: 0.5 }), /^--train-portion: /);
    oneLine(() => resolveSearchConfig({ method: 'single-darts', trainPortion: 1 }), /^--train-portion: /);
    oneLine(() => resolveSearchConfig({ method: 'darts', trainPortion: 1 }), /--train-portion 1 leaves no validation data/);
    oneLine(() => resolveSearchConfig({ method: 'idarts', trainPortion: 1 }), /--train-portion 1 leaves no validation data/);
  });
});
