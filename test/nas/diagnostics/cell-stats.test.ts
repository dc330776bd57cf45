import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { countParameterFreeOps, countSkipConnects, edgeEntropy, edgeMargin } from '../../../src/nas/diagnostics/cell-stats.js';
import { DARTS_V1, DARTS_V2, dartsGenotypeToJSON } from '../../../src/nas/spaces/darts-genotype.js';

const close = (a: number, b: number) => Math.abs(a - b) < 1e-12;

describe('cell statistics', () => {
  test('countsParameterFreeOpsAndSkipsInTheNormalCellOfThePublishedDartsGenotypes', () => {
    // DARTS V1's normal cell holds three skip_connect, V2's two; neither holds a pool.
    assert.equal(countParameterFreeOps(dartsGenotypeToJSON(DARTS_V1)), 3);
    assert.equal(countSkipConnects(dartsGenotypeToJSON(DARTS_V1)), 3);
    assert.equal(countParameterFreeOps(dartsGenotypeToJSON(DARTS_V2)), 2);
    // The reduction cells (all pools and skips) do not count.
    assert.equal(countParameterFreeOps({ ...dartsGenotypeToJSON(DARTS_V2), normal: DARTS_V2.reduce }), 8);
  });

  test('countsNoneSkipAndPoolsInANasBench201Cell', () => {
    const arch = '|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|';
    assert.equal(countParameterFreeOps({ space: 'nb201', arch }), 3);
    assert.equal(countSkipConnects({ space: 'nb201', arch }), 1);
  });

  test('rejectsAGenotypeOfNoKnownSpace', () => {
    assert.throws(() => countParameterFreeOps({ normal: [] }), /genotype JSON must be \{"space":"darts"/);
  });

  test('entropyIsLnOfTheOpCountForAnUndecidedEdgeAndZeroForADecidedOne', () => {
    const h = edgeEntropy([[0.25, 0.25, 0.25, 0.25], [0, 1, 0, 0], [2, 2]]);
    assert.ok(close(h[0]!, Math.log(4)));
    assert.equal(h[1], 0);
    assert.ok(close(h[2]!, Math.log(2)), 'rows are renormalised');
  });

  test('marginIsTheStrongestMinusTheSecondStrongestOpWeight', () => {
    const m = edgeMargin([[0.2, 0.5, 0.3], [0.4, 0.4, 0.2]]);
    assert.ok(close(m[0]!, 0.2));
    assert.equal(m[1], 0);
  });

  test('rejectsARowWithANegativeOrMissingWeight', () => {
    assert.throws(() => edgeEntropy([[0.5, -0.1]]), /edge 0 must be a non-empty row of finite, non-negative op weights/);
    assert.throws(() => edgeMargin([[0.5], []]), /edge 1/);
  });
});
