import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DARTS_V2, dartsGenotypeToJSON } from '../../src/nas/spaces/darts-genotype.js';
import { cellDiagrams, renderDot } from '../../src/report/cell-diagram.js';

const count = (svg: string, cls: string) => (svg.match(new RegExp(`<g id="[^"]*" class="${cls}"`, 'g')) ?? []).length;

describe('cell diagrams', () => {
  test('aDartsGenotypeDrawsTwoCellsOfSevenNodesAndTwelveEdges', async () => {
    const cells = cellDiagrams(dartsGenotypeToJSON(DARTS_V2), 'v2');
    assert.deepEqual(cells.map((c) => [c.cell, c.nodes, c.edges]), [['normal', 7, 12], ['reduce', 7, 12]]);
    const svg = await renderDot(cells[0]!.dot);
    assert.ok(svg.startsWith('<svg'), 'no XML prolog, ready to inline');
    assert.equal(count(svg, 'node'), 7);
    assert.equal(count(svg, 'edge'), 12);
    for (const label of ['c_{k&#45;2}', 'c_{k&#45;1}', 'c_{k}', 'sep_conv_3x3', 'dil_conv_3x3', 'skip_connect']) assert.ok(svg.includes(`>${label}</text>`), label);
  });

  test('aNasBench201CellDrawsFourNodesAndSixEdgesWithNoneDashed', async () => {
    const [cell] = cellDiagrams({ space: 'nb201', arch: '|nor_conv_3x3~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_1x1~1|nor_conv_3x3~2|' }, 'x');
    assert.equal(cell!.nodes, 4);
    assert.equal(cell!.edges, 6);
    const svg = await renderDot(cell!.dot);
    assert.equal(count(svg, 'node'), 4);
    assert.equal(count(svg, 'edge'), 6);
    assert.match(svg, /stroke-dasharray/);
  });

  test('aGenotypeOfAnUnknownSpaceIsRejected', () => {
    assert.throws(() => cellDiagrams({ space: 'nasbench101' }, 'x'), /cannot draw a genotype of space "nasbench101"; known: darts, nb201/);
  });
});
