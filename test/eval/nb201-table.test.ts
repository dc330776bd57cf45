import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadNb201Table, lookupNb201, nb201Lookup } from '../../src/eval/nb201-table.js';

const BEST = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|';
const ALL_SKIP = '|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|';

describe('NAS-Bench-201 table', () => {
  test('theShippedTableHoldsEveryCell', () => {
    assert.equal(loadNb201Table().size, 15_625);
  });

  test('theCifar10OptimumScores94Point37AndRanksFirst', () => {
    const e = lookupNb201(BEST);
    assert.equal(e.index, 6111);
    assert.deepEqual(e.results.cifar10, { train: 99.9947, valid: 91.6067, test: 94.3733, paramsM: 1.073466, flopsM: 153.27297, rank: 1 });
    assert.equal(e.results.cifar100.test, 73.22);
    assert.equal(e.results.cifar100.rank, 3);
    assert.equal(e.results['ImageNet16-120'].valid, 45.5556);
    assert.equal(e.results['ImageNet16-120'].flopsM, 38.32588);
  });

  test('theAllSkipCellGivesThePapersDartsRow', () => {
    assert.deepEqual(nb201Lookup(ALL_SKIP), {
      cifar10: { valid: 39.7693, test: 54.2967 },
      cifar100: { valid: 15.0333, test: 15.6067 },
      'ImageNet16-120': { valid: 16.4333, test: 16.3222 },
    });
    const e = lookupNb201(ALL_SKIP);
    assert.equal(e.index, 1835);
    assert.equal(e.results.cifar10.rank, 15_231);
    assert.equal(e.results.cifar10.paramsM, 0.073306);
  });

  test('cellsWithEqualTestAccuracyShareARank', () => {
    // Every cell whose output is cut off from its input scores 10.0% on CIFAR-10.
    const a = lookupNb201('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|').results.cifar10;
    const b = lookupNb201('|skip_connect~0|+|none~0|none~1|+|none~0|none~1|none~2|').results.cifar10;
    assert.equal(a.test, 10);
    assert.equal(b.test, 10);
    assert.equal(a.rank, b.rank);
    assert.equal(a.rank, 15_625 - 341 + 1);
  });

  test('spacingInTheArchStringDoesNotMatter', () => {
    assert.equal(lookupNb201(` ${BEST.replaceAll('|', ' | ')} `).index, 6111);
  });

  test('aMalformedArchSaysWhatAValidOneLooksLike', () => {
    assert.throws(() => lookupNb201('|conv~0|'), /NB201 arch has 1 nodes but the cell has 3 .*expected the form \|op~0\|\+\|op~0\|op~1\|\+\|op~0\|op~1\|op~2\|/);
    assert.throws(() => lookupNb201(BEST.replace('nor_conv_1x1', 'sep_conv_3x3')), /unknown op 'sep_conv_3x3' in NB201 arch node 3 edge 2 \(known: none, skip_connect/);
  });

  test('anArchMissingFromAnotherTableIsNamedWithAValidExample', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nb201-'));
    const path = join(dir, 'one.json.gz');
    const best = loadNb201Table();
    const raw = { format: 'nb201-table/1', archs: { [BEST]: { index: 6111, 'cifar10-valid': { train: 1, valid: 2, test: 3 }, cifar10: { test: 4 }, cifar100: { train: 5, valid: 6, test: 7 }, 'ImageNet16-120': { train: 8, valid: 9, test: 10 }, params_M: { cifar10: 1, cifar100: 1, 'ImageNet16-120': 1 }, flops_M: { cifar10: 2, cifar100: 2, 'ImageNet16-120': 2 } } } };
    writeFileSync(path, gzipSync(JSON.stringify(raw)));
    assert.equal(best.size, 15_625);
    assert.deepEqual(nb201Lookup(BEST, path).cifar10, { valid: 2, test: 4 });
    assert.throws(() => lookupNb201(ALL_SKIP, path), /arch '\|skip_connect~0\|.*' is not in the NAS-Bench-201 table '.*one\.json\.gz' \(1 cells\); a valid arch looks like \|nor_conv_3x3~0\|/);
  });

  test('aFileThatIsNotATableIsAOneLineError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'nb201-'));
    writeFileSync(join(dir, 'x.json'), '{"format": "other"}');
    assert.throws(() => loadNb201Table(join(dir, 'x.json')), /is not a NAS-Bench-201 table \(expected "format": "nb201-table\/1"\)/);
    assert.throws(() => loadNb201Table(join(dir, 'missing.json')), /NAS-Bench-201 table '.*missing\.json' does not exist; pass --nb201/);
  });
});
