import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import {
  DARTS_EVAL_OPS,
  DARTS_PRIMITIVES,
  DARTS_V1,
  DARTS_V2,
  type DartsGenotype,
  dartsCellEdges,
  dartsGenotypeFromJSON,
  dartsGenotypeToJSON,
  formatDartsGenotype,
  parseDartsGenotype,
  validateDartsGenotype,
} from '../../../src/nas/spaces/darts-genotype.js';

// Python's repr of the reference namedtuple, written out by hand.
const DARTS_V1_TEXT =
  "Genotype(normal=[('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 0), ('sep_conv_3x3', 1), " +
  "('skip_connect', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('skip_connect', 2)], normal_concat=[2, 3, 4, 5], " +
  "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 0), " +
  "('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('avg_pool_3x3', 0)], reduce_concat=[2, 3, 4, 5])";

const DARTS_V2_TEXT =
  "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), " +
  "('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)], normal_concat=[2, 3, 4, 5], " +
  "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), " +
  "('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=[2, 3, 4, 5])";

// The layout of a genotypes.py entry: keyword fields over several lines, a range() concat, a trailing comma.
const PC_DARTS_CIFAR_SOURCE = `Genotype(
  normal=[('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 0), ('dil_conv_3x3', 1),
          ('sep_conv_5x5', 0), ('sep_conv_3x3', 1), ('avg_pool_3x3', 0), ('dil_conv_3x3', 1)],
  normal_concat=range(2, 6),
  reduce=[("sep_conv_5x5", 1), ("max_pool_3x3", 0), ("sep_conv_5x5", 1), ("sep_conv_5x5", 2),
          ("sep_conv_3x3", 0), ("sep_conv_3x3", 3), ("sep_conv_3x3", 1), ("sep_conv_3x3", 2)],
  reduce_concat=range(2, 6),
)`;

const V1_JSON =
  '{"space":"darts","normal":[["sep_conv_3x3",1],["sep_conv_3x3",0],["skip_connect",0],["sep_conv_3x3",1],' +
  '["skip_connect",0],["sep_conv_3x3",1],["sep_conv_3x3",0],["skip_connect",2]],"normal_concat":[2,3,4,5],' +
  '"reduce":[["max_pool_3x3",0],["max_pool_3x3",1],["skip_connect",2],["max_pool_3x3",0],["max_pool_3x3",0],' +
  '["skip_connect",2],["skip_connect",2],["avg_pool_3x3",0]],"reduce_concat":[2,3,4,5]}';

function plain(g: DartsGenotype) {
  return {
    normal: g.normal.map(([op, input]) => [op, input]),
    normalConcat: [...g.normalConcat],
    reduce: g.reduce.map(([op, input]) => [op, input]),
    reduceConcat: [...g.reduceConcat],
  };
}

function withNormal(normal: [string, number][]): DartsGenotype {
  return { ...DARTS_V2, normal };
}

describe('DARTS genotype constants', () => {
  test('primitivesAreTheEightReferenceOpsInAlphaColumnOrder', () => {
    assert.deepEqual(
      [...DARTS_PRIMITIVES],
      ['none', 'max_pool_3x3', 'avg_pool_3x3', 'skip_connect', 'sep_conv_3x3', 'sep_conv_5x5', 'dil_conv_3x3', 'dil_conv_5x5'],
    );
    assert.deepEqual(DARTS_EVAL_OPS.slice(8), ['sep_conv_7x7', 'conv_7x1_1x7']);
  });

  test('publishedGenotypesAreFrozen', () => {
    assert.ok(Object.isFrozen(DARTS_V1) && Object.isFrozen(DARTS_V1.normal) && Object.isFrozen(DARTS_V1.normal[0]));
    assert.throws(() => (DARTS_V2.normalConcat as number[]).push(6), TypeError);
  });

  test('cellEdgesFollowAlphaRowOrder', () => {
    const edges = dartsCellEdges();
    assert.equal(edges.length, 14);
    assert.deepEqual(
      edges.slice(0, 6).map((e) => [e.node, e.input]),
      [[0, 0], [0, 1], [1, 0], [1, 1], [1, 2], [2, 0]],
    );
    assert.deepEqual(edges[13], { node: 3, input: 4 });
    assert.equal(dartsCellEdges(5).length, 20);
  });
});

describe('formatDartsGenotype', () => {
  test('printsDartsV1ExactlyLikePythonRepr', () => {
    assert.equal(formatDartsGenotype(DARTS_V1), DARTS_V1_TEXT);
  });

  test('printsDartsV2ExactlyLikePythonRepr', () => {
    assert.equal(formatDartsGenotype(DARTS_V2), DARTS_V2_TEXT);
  });

  test('usesDoubleQuotesOnlyForOpNamesWithASingleQuote', () => {
    const g = { normal: [["it's", 0] as const], normalConcat: [2], reduce: [], reduceConcat: [2] };
    assert.equal(formatDartsGenotype(g), `Genotype(normal=[("it's", 0)], normal_concat=[2], reduce=[], reduce_concat=[2])`);
  });
});

describe('parseDartsGenotype', () => {
  test('publishedGenotypesRoundTripThroughText', () => {
    for (const [g, text] of [
      [DARTS_V1, DARTS_V1_TEXT],
      [DARTS_V2, DARTS_V2_TEXT],
    ] as const) {
      const parsed = parseDartsGenotype(text);
      assert.deepEqual(plain(parsed), plain(g));
      assert.equal(formatDartsGenotype(parsed), text);
    }
  });

  test('readsGenotypesPyLayoutWithRangeConcatsAndDoubleQuotes', () => {
    const g = parseDartsGenotype(PC_DARTS_CIFAR_SOURCE);
    assert.deepEqual([...g.normalConcat], [2, 3, 4, 5]);
    assert.deepEqual([...g.reduceConcat], [2, 3, 4, 5]);
    assert.deepEqual(g.normal[3], ['dil_conv_3x3', 1]);
    assert.deepEqual(g.reduce[5], ['sep_conv_3x3', 3]);
    assert.equal(
      formatDartsGenotype(g),
      "Genotype(normal=[('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 0), ('dil_conv_3x3', 1), " +
        "('sep_conv_5x5', 0), ('sep_conv_3x3', 1), ('avg_pool_3x3', 0), ('dil_conv_3x3', 1)], normal_concat=[2, 3, 4, 5], " +
        "reduce=[('sep_conv_5x5', 1), ('max_pool_3x3', 0), ('sep_conv_5x5', 1), ('sep_conv_5x5', 2), " +
        "('sep_conv_3x3', 0), ('sep_conv_3x3', 3), ('sep_conv_3x3', 1), ('sep_conv_3x3', 2)], reduce_concat=[2, 3, 4, 5])",
    );
  });

  test('rangeWithStepAndSingleArgumentFollowPythonMeaning', () => {
    const text = DARTS_V1_TEXT.replace('normal_concat=[2, 3, 4, 5]', 'normal_concat=range(2, 6, 2)').replace(
      'reduce_concat=[2, 3, 4, 5]',
      'reduce_concat=range(5, 1, -1)',
    );
    const g = parseDartsGenotype(text);
    assert.deepEqual([...g.normalConcat], [2, 4]);
    assert.deepEqual([...g.reduceConcat], [5, 4, 3, 2]);
    assert.throws(() => parseDartsGenotype(DARTS_V1_TEXT.replace('normal_concat=[2, 3, 4, 5]', 'normal_concat=range(6)')), {
      message: /normal_concat index 0 at position 0 is not an intermediate node; with 4 steps use indices 2\.\.5/,
    });
  });

  test('acceptsPositionalFieldsTuplesAndSharpDartsLayout', () => {
    const text =
      "Genotype(((\"sep_conv_3x3\", 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 0), ('dil_conv_3x3', 2)), (2, 3, 4, 5),\n" +
      "reduce=[('max_pool_3x3', 0), ('max_pool_3x3', 1), ('skip_connect', 2), ('max_pool_3x3', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('max_pool_3x3', 1)], reduce_concat=range(2, 6), layout='cell')";
    assert.equal(formatDartsGenotype(parseDartsGenotype(text)), DARTS_V2_TEXT);
  });

  test('readsFiveStepNasnetGenotypeWithExtraEvalOps', () => {
    const nasnet = `Genotype(
      normal = [('sep_conv_5x5', 1), ('sep_conv_3x3', 0), ('sep_conv_5x5', 0), ('sep_conv_3x3', 0), ('avg_pool_3x3', 1),
                ('skip_connect', 0), ('avg_pool_3x3', 0), ('avg_pool_3x3', 0), ('sep_conv_3x3', 1), ('skip_connect', 1)],
      normal_concat = [2, 3, 4, 5, 6],
      reduce = [('sep_conv_5x5', 1), ('sep_conv_7x7', 0), ('max_pool_3x3', 1), ('sep_conv_7x7', 0), ('avg_pool_3x3', 1),
                ('sep_conv_5x5', 0), ('skip_connect', 3), ('avg_pool_3x3', 2), ('sep_conv_3x3', 2), ('max_pool_3x3', 1)],
      reduce_concat = [4, 5, 6],
    )`;
    const g = parseDartsGenotype(nasnet, { steps: 5 });
    assert.equal(g.normal.length, 10);
    assert.deepEqual([...g.reduceConcat], [4, 5, 6]);
    assert.throws(() => parseDartsGenotype(nasnet), { message: /normal has 10 \(op, input\) pairs but a cell with 4 intermediate nodes needs 8/ });
    assert.throws(() => parseDartsGenotype(nasnet, { steps: 5, ops: DARTS_PRIMITIVES }), {
      message: /^unknown op 'sep_conv_7x7' in genotype reduce at position 1 \(known: none, max_pool_3x3, /,
    });
  });

  test('malformedTextNamesTheCharacterAndTheExpectedForm', () => {
    assert.throws(() => parseDartsGenotype(DARTS_V1_TEXT.slice(0, -1)), {
      message: /^malformed DARTS genotype at character 418: expected ',' or '\)' but found end of text; expected Genotype\(normal=/,
    });
    assert.throws(() => parseDartsGenotype("Genotype(normal=[('sep_conv_3x3' 1)])"), {
      message: /^malformed DARTS genotype at character 34: expected ',' or '\)' but found 1;/,
    });
    assert.throws(() => parseDartsGenotype('normal=[]'), { message: /^malformed DARTS genotype at character 1: expected 'Genotype\(' but found 'normal'/ });
    assert.throws(() => parseDartsGenotype("Genotype(normal=[('sep_conv_3x3, 1)])"), { message: /unterminated string/ });
    assert.throws(() => parseDartsGenotype(`${DARTS_V1_TEXT} extra`), { message: /unexpected 'extra' after the closing '\)'/ });
    assert.throws(() => parseDartsGenotype(DARTS_V1_TEXT.replace("('skip_connect', 2)]", "('skip_connect', 2, 3)]")), {
      message: /field 'normal' at position 7 must be a pair \('op', input\) such as \('sep_conv_3x3', 0\), got \('skip_connect', 2, 3\)/,
    });
  });

  test('missingUnknownAndRepeatedFieldsAreNamed', () => {
    assert.throws(() => parseDartsGenotype(DARTS_V1_TEXT.replace(', reduce_concat=[2, 3, 4, 5]', '')), {
      message: /^DARTS genotype is missing field reduce_concat;/,
    });
    assert.throws(() => parseDartsGenotype(DARTS_V1_TEXT.replace('reduce_concat=', 'reduce_concatt=')), {
      message: "unknown DARTS genotype field 'reduce_concatt' (known: normal, normal_concat, reduce, reduce_concat)",
    });
    assert.throws(() => parseDartsGenotype(DARTS_V1_TEXT.replace('reduce_concat=', 'normal_concat=')), {
      message: "DARTS genotype field 'normal_concat' is given twice; give each field once",
    });
  });
});

describe('validateDartsGenotype', () => {
  test('acceptsPublishedGenotypes', () => {
    validateDartsGenotype(DARTS_V1, { ops: DARTS_PRIMITIVES });
    validateDartsGenotype(DARTS_V2);
  });

  test('unknownOpNamesPositionAndKnownOps', () => {
    const normal = DARTS_V1.normal.map(([op, input]) => [op, input] as [string, number]);
    normal[3] = ['sep_conv_4x4', 1];
    assert.throws(() => validateDartsGenotype(withNormal(normal)), {
      message:
        "unknown op 'sep_conv_4x4' in genotype normal at position 3 (known: none, max_pool_3x3, avg_pool_3x3, skip_connect, sep_conv_3x3, sep_conv_5x5, dil_conv_3x3, dil_conv_5x5, sep_conv_7x7, conv_7x1_1x7)",
    });
  });

  test('inputIndexMustPrecedeTheNode', () => {
    const normal = DARTS_V1.normal.map(([op, input]) => [op, input] as [string, number]);
    normal[2] = ['skip_connect', 3]; // node 1 may read 0..2
    assert.throws(() => validateDartsGenotype(withNormal(normal)), {
      message: 'input 3 in genotype normal at position 2 is out of range: node 1 may read inputs 0..2 (0 = c_{k-2}, 1 = c_{k-1}, 2+j = node j)',
    });
    normal[2] = ['skip_connect', -1];
    assert.throws(() => validateDartsGenotype(withNormal(normal)), { message: /^input -1 in genotype normal at position 2 is out of range/ });
    normal[2] = ['skip_connect', 1.5];
    assert.throws(() => validateDartsGenotype(withNormal(normal)), { message: /^input 1\.5 in genotype normal/ });
  });

  test('eachNodeNeedsExactlyTwoInputs', () => {
    const normal = DARTS_V1.normal.slice(0, 7).map(([op, input]) => [op, input] as [string, number]);
    assert.throws(() => validateDartsGenotype(withNormal(normal)), {
      message:
        'DARTS genotype normal has 7 (op, input) pairs but a cell with 4 intermediate nodes needs 8; give exactly two pairs per node (or set steps to match)',
    });
  });

  test('concatMustListDistinctIntermediateNodes', () => {
    assert.throws(() => validateDartsGenotype({ ...DARTS_V1, reduceConcat: [2, 3, 6] }), {
      message: 'DARTS genotype reduce_concat index 6 at position 2 is not an intermediate node; with 4 steps use indices 2..5',
    });
    assert.throws(() => validateDartsGenotype({ ...DARTS_V1, normalConcat: [2, 2] }), {
      message: 'DARTS genotype normal_concat lists node 2 twice; list each node once',
    });
    assert.throws(() => validateDartsGenotype({ ...DARTS_V1, normalConcat: [] }), { message: /normal_concat must be a non-empty list/ });
  });

  test('rejectsNonPositiveSteps', () => {
    assert.throws(() => validateDartsGenotype(DARTS_V1, { steps: 0 }), { message: /steps must be a positive integer, got 0/ });
  });
});

describe('DARTS genotype JSON', () => {
  test('dartsV1SerialisesToTheDocumentedJson', () => {
    assert.equal(JSON.stringify(dartsGenotypeToJSON(DARTS_V1)), V1_JSON);
  });

  test('publishedGenotypesRoundTripThroughJson', () => {
    for (const g of [DARTS_V1, DARTS_V2]) {
      const text = JSON.stringify(dartsGenotypeToJSON(g));
      assert.deepEqual(plain(dartsGenotypeFromJSON(text)), plain(g));
      assert.deepEqual(plain(dartsGenotypeFromJSON(JSON.parse(text))), plain(g));
      assert.equal(formatDartsGenotype(dartsGenotypeFromJSON(text)), formatDartsGenotype(g));
    }
  });

  test('jsonWithExtraKeysIsAccepted', () => {
    const obj = { ...dartsGenotypeToJSON(DARTS_V2), string: formatDartsGenotype(DARTS_V2) };
    assert.equal(formatDartsGenotype(dartsGenotypeFromJSON(obj)), DARTS_V2_TEXT);
  });

  test('badJsonIsExplained', () => {
    assert.throws(() => dartsGenotypeFromJSON('{"space":"darts",'), { message: /^DARTS genotype JSON does not parse: / });
    assert.throws(() => dartsGenotypeFromJSON({ space: 'nb201', arch: '|skip_connect~0|' }), {
      message: 'genotype JSON has space "nb201" but a DARTS genotype needs "space":"darts"',
    });
    const { normal_concat: _dropped, ...rest } = dartsGenotypeToJSON(DARTS_V1);
    assert.throws(() => dartsGenotypeFromJSON(rest), { message: 'DARTS genotype JSON needs "normal_concat" as an array, got undefined' });
    const bad = dartsGenotypeToJSON(DARTS_V1);
    bad.reduce[3] = ['sep_conv_4x4', 0];
    assert.throws(() => dartsGenotypeFromJSON(bad), { message: /^unknown op 'sep_conv_4x4' in genotype reduce at position 3 / });
  });
});
