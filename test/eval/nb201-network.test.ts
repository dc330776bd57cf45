import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Rng } from '../../src/data/rng.js';
import { InferCell, TinyNetwork } from '../../src/eval/nb201-network.js';
import { loadNb201Table } from '../../src/eval/nb201-table.js';
import { countMacs } from '../../src/eval/macs.js';
import { parseNb201 } from '../../src/nas/spaces/nb201-genotype.js';
import type { Tensor } from '../../src/torch/index.js';
import * as torch from '../../src/torch/index.js';
import { readFixture } from '../fixture-path.js';

const BEST = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|';
const ALL_SKIP = '|skip_connect~0|+|skip_connect~0|skip_connect~1|+|skip_connect~0|skip_connect~1|skip_connect~2|';
const ALL_NONE = '|none~0|+|none~0|none~1|+|none~0|none~1|none~2|';

function release(tensors: Tensor[]): void {
  for (const t of tensors) t.dispose();
}

function tinyNetwork(arch: string): TinyNetwork {
  return new TinyNetwork({ genotype: parseNb201(arch), numClasses: 10, initChannels: 16, cellsPerStage: 5 });
}

/** The table's parameter count (millions, 6 decimals) and ours rounded the same way. */
const asTable = (count: number) => Number((count / 1e6).toFixed(6));

describe('NAS-Bench-201 network', () => {
  test('theOptimumHasTheReferenceStateDictAndTheTablesParamsAndFlops', () => {
    const fixture = readFixture<{ nb201_best: { arch: string; keys: [string, number[]][]; params: number } }>('eval/fixtures/eval_fixture.json').nb201_best;
    assert.equal(fixture.arch, BEST);
    const net = tinyNetwork(BEST);
    assert.deepEqual(Object.entries(net.stateDict()).map(([k, t]) => [k, t.shape]), fixture.keys);
    assert.equal(net.numParameters(), fixture.params);
    const row = loadNb201Table().lookup(BEST).results.cifar10;
    assert.equal(asTable(net.numParameters()), row.paramsM);
    assert.equal(Number((countMacs(net, [3, 32, 32], { linearBias: true }) / 1e6).toFixed(5)), row.flopsM);
    release([...net.parameters(), ...net.buffers()]);
  });

  test('everyCellOfASeededSampleHasTheParameterCountTheTableGives', () => {
    const table = loadNb201Table();
    const archs = table.archs();
    const rng = new Rng(2024);
    const sample = new Set([BEST, ALL_SKIP]);
    while (sample.size < 602) sample.add(archs[Math.floor(rng.next() * archs.length)]!);
    // A TinyNetwork's parameters are its skeleton's (stem, ResNet blocks, head: a cell of 'none' ops
    // has none) plus N copies of the cell at each of the three widths. Full networks for a few cells
    // check that decomposition; the cells alone are built for the whole sample, which keeps it fast.
    const skeletonNet = tinyNetwork(ALL_NONE);
    const skeleton = skeletonNet.numParameters();
    release([...skeletonNet.parameters(), ...skeletonNet.buffers()]);
    const viaCells = (arch: string) => {
      let count = skeleton;
      for (const width of [16, 32, 64]) {
        const cell = new InferCell(parseNb201(arch), width);
        count += 5 * cell.numParameters();
        release([...cell.parameters(), ...cell.buffers()]);
      }
      return count;
    };
    for (const arch of [...sample].slice(0, 8)) {
      const net = tinyNetwork(arch);
      assert.equal(net.numParameters(), viaCells(arch), `full network and cells disagree for ${arch}`);
      release([...net.parameters(), ...net.buffers()]);
    }
    for (const arch of sample) {
      const { paramsM } = table.lookup(arch).results.cifar10;
      assert.equal(asTable(viaCells(arch)), paramsM, `params of ${arch}`);
    }
    assert.equal(asTable(viaCells(ALL_SKIP)), 0.073306);
  });

  test('aSkipOnlyCellOutputsItsInputAndKeepsItAlive', () => {
    const cell = new InferCell(parseNb201(ALL_SKIP), 2);
    const x = torch.randn([1, 2, 3, 3]);
    const y = cell.forward(x);
    // node1 = x, node2 = x + x, node3 = x + x + 2x = 4x.
    assert.deepEqual(Array.from(y.toArray() as Float32Array), Array.from(x.mul(4).toArray() as Float32Array));
    assert.equal(x.isDisposed, false);
  });
});
