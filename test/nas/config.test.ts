import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseSearchConfig, resolveSearchConfig } from '../../src/nas/config.js';
import { METHODS } from '../../src/nas/methods.js';
import { SEARCH_SETTINGS } from '../../src/nas/settings.js';
import { PRIMITIVE_LISTS } from '../../src/nas/spaces/op-tables.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

describe('search configuration', () => {
  test('pcDartsPresetIsThePapersRecipe', () => {
    const c = resolveSearchConfig({ method: 'pc-darts' });
    assert.deepEqual(
      [c.mixing, c.partialChannels, c.edgeNorm, c.batchSize, c.lr, c.lrMin, c.archLr, c.warmupEpochs, c.order, c.derive, c.stepOrder],
      ['softmax', 4, true, 256, 0.1, 0, 6e-4, 15, 1, 'darts-top2', 'arch-first'],
    );
  });

  test('gdasPresetsFollowAutoDLPerSpace', () => {
    const nb = resolveSearchConfig({ method: 'gdas', space: 'nb201' });
    assert.deepEqual([nb.mixing, nb.batchSize, nb.epochs, nb.tauMax, nb.tauMin, nb.weightDecay, nb.nesterov, nb.stepOrder, nb.derive], ['gdas', 64, 250, 10, 0.1, 5e-4, true, 'weights-first', 'argmax']);
    const darts = resolveSearchConfig({ method: 'gdas' });
    assert.deepEqual([darts.batchSize, darts.derive, darts.primitives], [256, 'darts-top2', [...PRIMITIVE_LISTS.darts!]]);
  });

  test('configRecordsEveryPartAndRoundTripsThroughJSON', () => {
    for (const method of Object.keys(METHODS)) {
      for (const space of Object.keys(METHODS[method]!.spaces)) {
        const c = resolveSearchConfig({ method, space: space as 'darts' | 'nb201' });
        assert.deepEqual(Object.keys(c).sort(), Object.keys(SEARCH_SETTINGS).filter((k) => k !== 'dataDir').sort(), `${method}/${space}`);
        for (const part of ['mixing', 'update', 'derive', 'lrSchedule', 'archOptimizer', 'ops']) assert.equal(typeof (c as Record<string, unknown>)[part], 'string');
        assert.deepEqual(parseSearchConfig(JSON.parse(JSON.stringify(c))), c);
      }
    }
  });

  test('partsCombineAcrossMethods', () => {
    const c = resolveSearchConfig({ method: 'darts', mixing: 'gdas', partialChannels: 2, edgeNorm: true });
    assert.deepEqual([c.mixing, c.partialChannels, c.edgeNorm, c.lr], ['gdas', 2, true, 0.025]);
  });

  test('primitivesTakeANamedListOrOpNames', () => {
    assert.deepEqual(resolveSearchConfig({ primitives: ['darts-no-none'] }).primitives, PRIMITIVE_LISTS['darts-no-none']);
    assert.deepEqual(resolveSearchConfig({ primitives: ['skip_connect', 'sep_conv_3x3'] }).primitives, ['skip_connect', 'sep_conv_3x3']);
    assert.throws(() => resolveSearchConfig({ primitives: ['sep_conv_3x3', 'sep_conv_4x4'] }), /--primitives: unknown op 'sep_conv_4x4' for the 'darts' op table/);
    assert.throws(() => resolveSearchConfig({ primitives: ['sep_conv_3x3'] }), /--primitives: a search needs at least two candidate ops, got 1/);
    assert.throws(() => resolveSearchConfig({ space: 'nb201', primitives: ['sep_conv_3x3', 'none'] }), /--primitives: unknown op 'sep_conv_3x3' for the 'nb201' op table/);
  });

  test('badSettingsAreOneLineErrorsNamingTheFlag', () => {
    assert.throws(() => resolveSearchConfig({ method: 'pc-darts', initChannels: 18 }), /--partial-channels 4 does not divide --init-channels 18/);
    assert.throws(() => resolveSearchConfig({ method: 'gdas', tauMin: 0 }), /invalid configuration: --tau-min: expected a number > 0/);
    assert.throws(() => resolveSearchConfig({ mixing: 'random' as 'gdas' }), /--mixing: expected one of softmax, gdas/);
    assert.throws(() => resolveSearchConfig({ method: 'enas' }), /--method: unknown method 'enas' \(known: darts, pc-darts, gdas/);
    assert.throws(() => parseSearchConfig({ ...resolveSearchConfig({}), sampler: 'x' }), /unknown setting 'sampler'/);
  });

  test('everySettingWithAFlagIsACommandLineOption', () => {
    const help = spawnSync(process.execPath, [MAIN, 'search', '--help'], { encoding: 'utf8' }).stdout;
    for (const s of Object.values(SEARCH_SETTINGS)) if (s.flag) assert.ok(help.includes(`--${s.flag}`), `--${s.flag} in --help`);
    for (const m of Object.keys(METHODS)) assert.ok(help.includes(m));
  });

  test('badFlagsAreOneLineErrorsNamingTheFlag', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [MAIN, 'search', ...args], { encoding: 'utf8' }).stderr.trim().split('\n')[0]!;
    assert.match(run('--mixing', 'random'), /--mixing <name>.*expected one of softmax, gdas.*got 'random'/);
    assert.match(run('--tau-max', '0'), /--tau-max <x>.*expected a number > 0, got '0'/);
    assert.match(run('--method', 'pc-darts', '--partial-channels', '3'), /--partial-channels 3 does not divide --init-channels 16/);
    assert.match(run('--primitives', 'sep_conv_3x3'), /--primitives: a search needs at least two candidate ops/);
  });
});
