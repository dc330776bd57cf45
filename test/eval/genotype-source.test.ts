import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { genotypeJSON, resolveGenotype } from '../../src/eval/genotype-source.js';
import { PC_DARTS_CIFAR } from '../../src/eval/published-genotypes.js';
import { DARTS_V2, formatDartsGenotype } from '../../src/nas/spaces/darts-genotype.js';

describe('--genotype sources', () => {
  test('aPublishedNameGivesThePapersCell', () => {
    const g = resolveGenotype('PC_DARTS_cifar');
    assert.equal(g.space, 'darts');
    assert.equal(g.genotype, PC_DARTS_CIFAR);
    assert.deepEqual(g.genotype.normal[6], ['avg_pool_3x3', 0]);
    assert.deepEqual(resolveGenotype('DARTS').genotype, DARTS_V2);
  });

  test('bothPrintedFormsParse', () => {
    const darts = resolveGenotype(formatDartsGenotype(DARTS_V2));
    assert.equal(darts.space, 'darts');
    assert.deepEqual(darts.genotype, DARTS_V2);
    const nb201 = resolveGenotype('|nor_conv_1x1~0|+|none~0|avg_pool_3x3~1|+|skip_connect~0|nor_conv_3x3~1|none~2|');
    assert.equal(nb201.space, 'nb201');
    assert.deepEqual(nb201.genotype[1], [['none', 0], ['avg_pool_3x3', 1]]);
  });

  test('aGenotypeJsonFileAndARunDirectoryBothResolve', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnas-genotype-'));
    writeFileSync(join(dir, 'genotype.json'), JSON.stringify(genotypeJSON(resolveGenotype('DARTS_V1'))));
    assert.equal(resolveGenotype(dir).text, resolveGenotype('DARTS_V1').text);
    assert.equal(resolveGenotype(join(dir, 'genotype.json')).space, 'darts');
    writeFileSync(join(dir, 'other.json'), '{"arch": "|none~0|"}');
    assert.throws(() => resolveGenotype(join(dir, 'other.json')), /has no "space": "darts" or "nb201"; it is not a genotype\.json written by dnas search/);
  });

  test('anOpFromTheOtherSpaceIsAOneLineError', () => {
    assert.throws(() => resolveGenotype('|sep_conv_3x3~0|+|none~0|none~1|+|none~0|none~1|none~2|'), /^Error: unknown op 'sep_conv_3x3' in NB201 arch node 1 edge 0 \(known: none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3\)$/);
  });
});
