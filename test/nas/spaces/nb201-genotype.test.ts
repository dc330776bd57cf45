import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';

import {
  NB201_OPS,
  type Nb201Genotype,
  formatNb201,
  nb201CellEdges,
  nb201FromJSON,
  nb201ToJSON,
  parseNb201,
  validateNb201,
} from '../../../src/nas/spaces/nb201-genotype.js';

// Arch strings quoted in shared/data/nb201/README.md (index 1, the optima, arch 0, named cells).
const README_ARCHS = [
  '|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|',
  '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|',
  '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|',
  '|nor_conv_3x3~0|+|nor_conv_1x1~0|nor_conv_1x1~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|',
  '|nor_conv_1x1~0|+|nor_conv_1x1~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|',
  '|avg_pool_3x3~0|+|nor_conv_1x1~0|skip_connect~1|+|nor_conv_1x1~0|skip_connect~1|skip_connect~2|',
  '|nor_conv_3x3~0|+|none~0|nor_conv_3x3~1|+|skip_connect~0|none~1|skip_connect~2|',
];

const INDEX_1_ARCH = README_ARCHS[0] as string;

function nb201TablePath(): string | undefined {
  const candidates = [process.env.DNAS_NB201, resolve(process.cwd(), '../shared/data/nb201/nb201.json')];
  return candidates.find((p): p is string => p !== undefined && existsSync(p));
}

describe('NB201 constants', () => {
  test('opsAreAutoDlOrder', () => {
    assert.deepEqual([...NB201_OPS], ['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3']);
  });

  test('cellEdgesMatchEdge2indexKeyOrder', () => {
    assert.deepEqual(
      nb201CellEdges().map((e) => e.key),
      ['1<-0', '2<-0', '2<-1', '3<-0', '3<-1', '3<-2'],
    );
    assert.deepEqual(nb201CellEdges()[4], { node: 3, input: 1, key: '3<-1' });
  });
});

describe('parseNb201 and formatNb201', () => {
  test('parsesNodesIntoOrderedIncomingEdges', () => {
    assert.deepEqual(parseNb201(INDEX_1_ARCH), [
      [['nor_conv_3x3', 0]],
      [['nor_conv_3x3', 0], ['avg_pool_3x3', 1]],
      [['skip_connect', 0], ['nor_conv_3x3', 1], ['skip_connect', 2]],
    ]);
  });

  test('readmeArchStringsRoundTrip', () => {
    for (const arch of README_ARCHS) assert.equal(formatNb201(parseNb201(arch)), arch);
  });

  test('surroundingWhitespaceIsIgnored', () => {
    assert.equal(formatNb201(parseNb201(`  ${INDEX_1_ARCH}\n`)), INDEX_1_ARCH);
  });

  test('everyBenchmarkArchRoundTrips', (t) => {
    const path = nb201TablePath();
    if (path === undefined) {
      t.skip('nb201.json not found (set DNAS_NB201 or run from the repository root next to ../shared)');
      return;
    }
    const table = JSON.parse(readFileSync(path, 'utf8')) as { ops: string[]; archs: Record<string, unknown> };
    assert.deepEqual(table.ops, [...NB201_OPS]);
    const archs = Object.keys(table.archs);
    assert.equal(archs.length, 15625);
    for (const arch of archs) assert.equal(formatNb201(parseNb201(arch)), arch);
  });
});

describe('validateNb201', () => {
  test('unknownOpNamesNodeEdgeAndKnownOps', () => {
    assert.throws(() => parseNb201('|nor_conv_3x3~0|+|nor_conv_5x5~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'), {
      message: "unknown op 'nor_conv_5x5' in NB201 arch node 2 edge 0 (known: none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3)",
    });
  });

  test('inputsMustBeListedInOrder', () => {
    assert.throws(() => parseNb201('|nor_conv_3x3~0|+|avg_pool_3x3~1|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'), {
      message: 'NB201 arch node 2 edge 0 reads input 1 but must read node 0: list inputs 0..1 in order, e.g. |op~0|op~1|',
    });
    assert.throws(() => parseNb201('|nor_conv_3x3~1|+|nor_conv_3x3~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'), {
      message: /^NB201 arch node 1 edge 0 reads input 1 but must read node 0/,
    });
  });

  test('wrongEdgeAndNodeCountsAreExplained', () => {
    assert.throws(() => parseNb201('|nor_conv_3x3~0|+|nor_conv_3x3~0|+|skip_connect~0|nor_conv_3x3~1|skip_connect~2|'), {
      message: /^NB201 arch node 2 has 1 edges but needs 2 \(one from each of nodes 0\.\.1\); expected the form /,
    });
    assert.throws(() => parseNb201('|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|'), {
      message: /^NB201 arch has 2 nodes but the cell has 3 \(nodes 1\.\.3 after the input\)/,
    });
    const fourNodes: Nb201Genotype = [...parseNb201(INDEX_1_ARCH), [['none', 0], ['none', 1], ['none', 2], ['none', 3]]];
    assert.throws(() => validateNb201(fourNodes), { message: /^NB201 arch has 4 nodes but the cell has 3/ });
    validateNb201(fourNodes, { nodes: 4 });
  });

  test('malformedStringsAreExplained', () => {
    assert.throws(() => parseNb201(''), { message: /^NB201 arch string is empty; expected the form \|op~0\|\+\|op~0\|op~1\|\+/ });
    assert.throws(() => parseNb201('nor_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|'), {
      message: /^malformed NB201 arch: node 1 "nor_conv_3x3~0\|" must start and end with '\|'/,
    });
    assert.throws(() => parseNb201('|nor_conv_3x3-0|+|none~0|none~1|+|none~0|none~1|none~2|'), {
      message: /^malformed NB201 arch: node 1 edge 0 "nor_conv_3x3-0" is not 'op~input'/,
    });
    assert.throws(() => parseNb201('|nor_conv_3x3~0||+|none~0|none~1|+|none~0|none~1|none~2|'), {
      message: /^malformed NB201 arch: node 1 edge 1 "" is not 'op~input'/,
    });
  });
});

describe('NB201 genotype JSON', () => {
  test('roundTripsThroughTheDocumentedJson', () => {
    const g = parseNb201(INDEX_1_ARCH);
    const text = JSON.stringify(nb201ToJSON(g));
    assert.equal(text, `{"space":"nb201","arch":"${INDEX_1_ARCH}"}`);
    assert.deepEqual(nb201FromJSON(text), g);
    assert.deepEqual(nb201FromJSON(JSON.parse(text)), g);
  });

  test('badJsonIsExplained', () => {
    assert.throws(() => nb201FromJSON({ space: 'darts', arch: INDEX_1_ARCH }), {
      message: 'genotype JSON has space "darts" but an NB201 genotype needs "space":"nb201"',
    });
    assert.throws(() => nb201FromJSON({ space: 'nb201' }), { message: /^NB201 genotype JSON needs "arch" as a string/ });
    assert.throws(() => nb201FromJSON('[1,'), { message: /^NB201 genotype JSON does not parse: / });
  });
});
