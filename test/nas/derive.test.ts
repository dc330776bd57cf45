import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  combineEdgeNormalization,
  deriveDartsCell,
  deriveDartsGenotype,
  deriveNb201,
  deriveRomeCell,
  deriveTopTwoPairsCell,
} from '../../src/nas/derive.js';
import { DARTS_PRIMITIVES, formatDartsGenotype } from '../../src/nas/spaces/darts-genotype.js';
import { NB201_OPS, formatNb201 } from '../../src/nas/spaces/nb201-genotype.js';

const ROME_PRIMITIVES = DARTS_PRIMITIVES.filter((op) => op !== 'none');

// Columns: none, max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3, dil_conv_5x5.
const U = 0.125;
const CELL_WEIGHTS = [
  // node 0: 'none' is the largest weight on input 0, but only non-none ops count.
  [0.6, 0.05, 0.05, 0.05, 0.1, 0.05, 0.05, 0.05], // 0 -> strength 0.10 (sep_conv_3x3)
  [0.1, 0.05, 0.05, 0.4, 0.2, 0.1, 0.05, 0.05], //   1 -> strength 0.40 (skip_connect)
  // node 1: inputs 1 and 2 tie at 0.65; the lower input comes first.
  [0.3, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1], //       0 -> 0.10, ops tie, first is max_pool_3x3
  [0.05, 0.05, 0.05, 0.05, 0.05, 0.65, 0.05, 0.05], // 1 -> 0.65 (sep_conv_5x5)
  [0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.65, 0.05], // 2 -> 0.65 (dil_conv_3x3)
  // node 2
  [0.9, 0.02, 0.01, 0.01, 0.02, 0.02, 0.01, 0.01], //  0 -> 0.02
  [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.3], //         1 -> 0.30 (dil_conv_5x5)
  [0.15, 0.1, 0.35, 0.1, 0.1, 0.1, 0.05, 0.05], //     2 -> 0.35 (avg_pool_3x3)
  [0.5, 0.05, 0.05, 0.25, 0.05, 0.05, 0.03, 0.02], //  3 -> 0.25
  // node 3
  [U, U, U, U, U, U, U, U], //                         0 -> 0.125
  [0.02, 0.02, 0.02, 0.02, 0.86, 0.02, 0.02, 0.02], // 1 -> 0.86 (sep_conv_3x3)
  [U, U, U, U, U, U, U, U], //                         2 -> 0.125
  [0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.05, 0.65], // 3 -> 0.65 (dil_conv_5x5)
  [0.95, 0.01, 0.01, 0.01, 0.005, 0.005, 0.005, 0.005], // 4 -> 0.01
];

const CELL_GENE = [
  ['skip_connect', 1], ['sep_conv_3x3', 0],
  ['sep_conv_5x5', 1], ['dil_conv_3x3', 2],
  ['avg_pool_3x3', 2], ['dil_conv_5x5', 1],
  ['sep_conv_3x3', 1], ['dil_conv_5x5', 3],
];

function uniformRows(rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => 1 / cols));
}

describe('deriveDartsCell', () => {
  test('keepsTwoStrongestNonNoneEdgesPerNodeInStrengthOrder', () => {
    assert.deepEqual(deriveDartsCell(CELL_WEIGHTS, DARTS_PRIMITIVES), CELL_GENE);
  });

  test('noneNeverChosenEvenWhenItDominatesEveryEdge', () => {
    // Every edge: none 0.9; node 0's input 1 has the larger non-none weight (0.06 vs 0.05).
    const w = [
      [0.9, 0.05, 0.01, 0.01, 0.01, 0.01, 0.005, 0.005],
      [0.9, 0.01, 0.01, 0.01, 0.01, 0.01, 0.06, 0.0],
    ];
    assert.deepEqual(deriveDartsCell(w, DARTS_PRIMITIVES, 1), [['dil_conv_3x3', 1], ['max_pool_3x3', 0]]);
  });

  test('tiedEdgesKeepInputOrderLikePythonStableSort', () => {
    // All 14 edges identical: every node keeps inputs 0 and 1, and the op is the first non-none column.
    const gene = deriveDartsCell(uniformRows(14, 8), DARTS_PRIMITIVES);
    assert.deepEqual(gene, Array.from({ length: 8 }, (_, k) => ['max_pool_3x3', k % 2]));
  });

  test('spaceWithoutNoneConsidersEveryOp', () => {
    const w = [
      [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.4],
      [0.5, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05],
    ];
    assert.deepEqual(deriveDartsCell(w, ROME_PRIMITIVES, 1), [['max_pool_3x3', 1], ['dil_conv_5x5', 0]]);
  });

  test('badShapesAndValuesAreExplained', () => {
    assert.throws(() => deriveDartsCell(CELL_WEIGHTS.slice(1), DARTS_PRIMITIVES), {
      message: "deriveDartsCell: weights have 13 rows but 4 steps need 14 (one per edge); pass one cell type's weights in alpha row order",
    });
    assert.throws(() => deriveDartsCell(CELL_WEIGHTS, ROME_PRIMITIVES), {
      message: 'deriveDartsCell: weight row 0 has 8 columns but 7 primitives need 7 (one per op, in primitive order)',
    });
    const nan = CELL_WEIGHTS.map((row) => [...row]);
    (nan[5] as number[])[2] = Number.NaN;
    assert.throws(() => deriveDartsCell(nan, DARTS_PRIMITIVES), {
      message: /^deriveDartsCell: weight at row 5, column 2 is NaN; architecture weights must be finite/,
    });
    assert.throws(() => deriveDartsCell([[1], [1]], ['none'], 1), { message: /at least one op other than 'none'/ });
  });
});

describe('deriveDartsGenotype', () => {
  test('concatIsTheLastMultiplierNodes', () => {
    const g = deriveDartsGenotype(CELL_WEIGHTS, uniformRows(14, 8), DARTS_PRIMITIVES);
    assert.deepEqual(g.normal, CELL_GENE);
    assert.deepEqual(g.normalConcat, [2, 3, 4, 5]);
    assert.deepEqual(g.reduceConcat, [2, 3, 4, 5]);
    assert.equal(
      formatDartsGenotype(g),
      "Genotype(normal=[('skip_connect', 1), ('sep_conv_3x3', 0), ('sep_conv_5x5', 1), ('dil_conv_3x3', 2), " +
        "('avg_pool_3x3', 2), ('dil_conv_5x5', 1), ('sep_conv_3x3', 1), ('dil_conv_5x5', 3)], normal_concat=[2, 3, 4, 5], " +
        "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('max_pool_3x3', 1), " +
        "('max_pool_3x3', 0), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])",
    );
    assert.deepEqual(deriveDartsGenotype(CELL_WEIGHTS, CELL_WEIGHTS, DARTS_PRIMITIVES, 4, 2).normalConcat, [4, 5]);
    assert.throws(() => deriveDartsGenotype(CELL_WEIGHTS, CELL_WEIGHTS, DARTS_PRIMITIVES, 4, 5), { message: /multiplier must be an integer in 1\.\.4/ });
  });
});

describe('combineEdgeNormalization', () => {
  test('multipliesAlphaByBetasSoftmaxedWithinEachNode', () => {
    // Per-node softmaxes chosen to be exact: node 0 -> [1/4, 3/4], node 1 -> thirds,
    // node 2 -> [0.1, 0.2, 0.3, 0.4], node 3 -> [0.1, 0.1, 0.1, 0.1, 0.6].
    const betas = [0, Math.log(3), 0, 0, 0, 0, Math.log(2), Math.log(3), Math.log(4), 0, 0, 0, 0, Math.log(6)];
    const expectedEdge = [0.25, 0.75, 1 / 3, 1 / 3, 1 / 3, 0.1, 0.2, 0.3, 0.4, 0.1, 0.1, 0.1, 0.1, 0.6];
    const w = combineEdgeNormalization(uniformRows(14, 8), betas);
    assert.equal(w.length, 14);
    w.forEach((row, e) => {
      assert.equal(row.length, 8);
      for (const v of row) assert.ok(Math.abs(v - (expectedEdge[e] as number) / 8) < 1e-12, `edge ${e}: ${v}`);
    });
  });

  test('betasCanReorderEdgesForDerivation', () => {
    // Alone, alpha prefers input 0 (0.5 vs 0.4); betas weight input 1 by 3/4, so input 1 wins 0.3 to 0.125.
    const alpha = [
      [0.1, 0.1, 0.1, 0.1, 0.5, 0.1, 0.0, 0.0],
      [0.1, 0.1, 0.1, 0.4, 0.1, 0.1, 0.05, 0.05],
    ];
    assert.deepEqual(deriveDartsCell(alpha, DARTS_PRIMITIVES, 1), [['sep_conv_3x3', 0], ['skip_connect', 1]]);
    const combined = combineEdgeNormalization(alpha, [0, Math.log(3)], 1);
    assert.deepEqual(deriveDartsCell(combined, DARTS_PRIMITIVES, 1), [['skip_connect', 1], ['sep_conv_3x3', 0]]);
  });

  test('largeBetasDoNotOverflow', () => {
    const w = combineEdgeNormalization(uniformRows(2, 2), [1000, 1000], 1);
    assert.deepEqual(w, [[0.25, 0.25], [0.25, 0.25]]);
  });

  test('wrongBetaCountIsExplained', () => {
    assert.throws(() => combineEdgeNormalization(uniformRows(14, 8), new Array(13).fill(0)), {
      message: 'combineEdgeNormalization: betas have 13 entries but 4 steps need 14 (one per edge)',
    });
  });
});

describe('deriveNb201', () => {
  test('perEdgeArgmaxIncludingNone', () => {
    // Rows 1<-0, 2<-0, 2<-1, 3<-0, 3<-1, 3<-2; columns none, skip, conv1x1, conv3x3, avg_pool.
    const w = [
      [0.1, 0.1, 0.2, 0.5, 0.1], // nor_conv_3x3
      [0.6, 0.1, 0.1, 0.1, 0.1], // none wins and is kept: the edge is cut
      [0.1, 0.1, 0.1, 0.6, 0.1], // nor_conv_3x3
      [0.1, 0.5, 0.1, 0.2, 0.1], // skip_connect
      [0.2, 0.2, 0.2, 0.2, 0.2], // tie: first column, none
      [0.1, 0.4, 0.1, 0.1, 0.3], // skip_connect
    ];
    const g = deriveNb201(w, NB201_OPS);
    // The ResNet-like cell of the benchmark (index 11472).
    assert.equal(formatNb201(g), '|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|');
    assert.deepEqual(g[1], [['none', 0], ['nor_conv_3x3', 1]]);
  });

  test('rawAlphasGiveTheSameArchAsSoftmax', () => {
    const raw = [
      [-1, 2, 0, 1, 0.5],
      [3, -2, 0, 0, 0],
      [0, 0, 0, 0, 0.001],
      [0, 0, 5, 0, 0],
      [0, 0, 0, 0.2, 0.1],
      [-5, -4, -3, -2, -1],
    ];
    assert.equal(formatNb201(deriveNb201(raw, NB201_OPS)), '|skip_connect~0|+|none~0|avg_pool_3x3~1|+|nor_conv_1x1~0|nor_conv_3x3~1|avg_pool_3x3~2|');
  });

  test('wrongShapeIsExplained', () => {
    assert.throws(() => deriveNb201(uniformRows(14, 5), NB201_OPS), {
      message: "deriveNb201: weights have 14 rows but 3 nodes need 6 (one per edge); pass one cell type's weights in alpha row order",
    });
    assert.throws(() => deriveNb201(uniformRows(6, 8), NB201_OPS), { message: /weight row 0 has 8 columns but 5 ops need 5/ });
  });
});

describe('deriveTopTwoPairsCell', () => {
  test('bothPairsMayComeFromTheSameInput', () => {
    const w = [
      [0.3, 0.3, 0.05, 0.05, 0.28, 0.0, 0.01, 0.01], // max_pool 0.30, sep_conv_3x3 0.28
      [0.5, 0.01, 0.01, 0.25, 0.1, 0.05, 0.04, 0.04], // skip 0.25
    ];
    assert.deepEqual(deriveTopTwoPairsCell(w, DARTS_PRIMITIVES, 1), [['max_pool_3x3', 0], ['sep_conv_3x3', 0]]);
  });

  test('tiedPairsKeepInputThenOpOrder', () => {
    const w = [
      [0.4, 0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05],
      [0.4, 0.05, 0.05, 0.1, 0.1, 0.1, 0.1, 0.1],
    ];
    // Five pairs tie at 0.1 on each input; the first two enumerated (input 0, primitive order) win.
    assert.deepEqual(deriveTopTwoPairsCell(w, DARTS_PRIMITIVES, 1), [['max_pool_3x3', 0], ['avg_pool_3x3', 0]]);
  });
});

describe('deriveRomeCell', () => {
  test('topologyFromBetasOpsFromAlpha', () => {
    // node 0: both inputs kept, beta order puts input 1 first; node 1: inputs 0 and 2 tie, input 1 dropped.
    const alpha = [
      [0.1, 0.1, 0.1, 0.1, 0.1, 0.1, 0.4],
      [0.1, 0.1, 0.4, 0.1, 0.1, 0.1, 0.1],
      [0.1, 0.1, 0.1, 0.4, 0.1, 0.1, 0.1],
      [0.9, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0],
      [0.1, 0.1, 0.1, 0.1, 0.4, 0.1, 0.1],
    ];
    const betas = [0.1, 0.2, 0.3, -1, 0.3];
    assert.deepEqual(deriveRomeCell(alpha, betas, ROME_PRIMITIVES, 2), [
      ['skip_connect', 1],
      ['dil_conv_5x5', 0],
      ['sep_conv_3x3', 0],
      ['sep_conv_5x5', 2],
    ]);
  });

  test('noneIsSkippedWhenThePrimitivesHaveIt', () => {
    const alpha = [
      [0.9, 0.0, 0.0, 0.1, 0.0, 0.0, 0.0, 0.0],
      [0.9, 0.0, 0.0, 0.0, 0.0, 0.05, 0.05, 0.0],
    ];
    assert.deepEqual(deriveRomeCell(alpha, [0, 0], DARTS_PRIMITIVES, 1), [['skip_connect', 0], ['sep_conv_5x5', 1]]);
  });
});
