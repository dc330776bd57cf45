// sharpDARTS' op table: SharpSepConv's widths and dilation, agreement with DARTS' ops where they
// coincide, odd-size reductions, the primitive lists, supernet parameter counts measured with the
// reference code, and the published genotypes.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type * as nn from '../../../src/nn/index.js';
import { softmaxMixing } from '../../../src/nas/mixing/index.js';
import { DARTS_OPS, expectsReLUInput, FactorizedReduce } from '../../../src/nas/spaces/darts-ops.js';
import { formatDartsGenotype, parseDartsGenotype } from '../../../src/nas/spaces/darts-genotype.js';
import { createDartsSpace, type DartsSupernet } from '../../../src/nas/spaces/darts-space.js';
import { getOpTable, PRIMITIVE_LISTS, resolvePrimitives } from '../../../src/nas/spaces/op-tables.js';
import { SHARP_GENOTYPE_OPS, SHARP_GENOTYPES, SHARPSEPCONV_DARTS_MAX_W } from '../../../src/nas/spaces/sharp-genotypes.js';
import { PaddedFactorizedReduce, SHARP_OPS, type SharpSepConv, sharpOps } from '../../../src/nas/spaces/sharp-ops.js';
import { DARTS_PRIMITIVES, PRIMITIVES, SHARPER_PRIMITIVES } from '../../../src/nas/spaces/sharp-primitives.js';
import * as torch from '../../../src/torch/index.js';

const countWeights = (m: nn.Module) => m.parameters().reduce((n, p) => n + p.numel(), 0);
const shapes = (m: nn.Module) => Object.fromEntries(m.namedParameters().map(([k, p]) => [k, p.shape]));

/** Copies `from`'s parameters into `to` in registration order (their names differ when one omits the leading ReLU). */
function copyParameters(from: nn.Module, to: nn.Module): void {
  const src = from.parameters();
  const dst = to.parameters();
  assert.equal(src.length, dst.length);
  torch.noGrad(() => dst.forEach((p, i) => p.copy_(src[i]!)));
}

/** The DARTS space built from an op table and a named primitive list, as `--ops` and `--primitives` select them. */
function supernetWith(ops: string, primitives: string, C = 16, layers = 8): DartsSupernet {
  const space = createDartsSpace({ ops, primitives: [primitives] });
  return space.createSupernet({ inChannels: 3, numClasses: 10, initChannels: C, layers }, softmaxMixing()) as DartsSupernet;
}

describe('sharpDARTS ops', () => {
  test('sharpSepConvPutsDilationOnlyInTheFirstDepthwiseConvAndWidensTheMiddle', () => {
    const op = SHARP_OPS.dil_flood_conv_3x3!(8, 1, true, false) as SharpSepConv;
    assert.deepEqual(shapes(op), {
      'op.1.weight': [8, 1, 3, 3],
      'op.2.weight': [32, 8, 1, 1],
      'op.3.weight': [32],
      'op.3.bias': [32],
      'op.5.weight': [32, 1, 3, 3],
      'op.6.weight': [8, 32, 1, 1],
      'op.7.weight': [8],
      'op.7.bias': [8],
    });
    const first = op.op.at(1) as nn.Conv2d;
    const second = op.op.at(5) as nn.Conv2d;
    assert.deepEqual([first.dilation, second.dilation, second.padding], [[2, 2], [1, 1], [1, 1]]);
  });

  test('chokeOpsUseMidChannelsAndOtherOpsIgnoreIt', () => {
    const table = sharpOps({ midChannels: 12 });
    assert.deepEqual(table.choke_conv_3x3!(16, 1, false, true).namedParameters()[1]![1].shape, [12, 16, 1, 1]);
    assert.deepEqual(SHARP_OPS.dil_choke_conv_3x3!(16, 1, false, true).namedParameters()[1]![1].shape, [32, 16, 1, 1]);
    assert.equal(countWeights(table.sep_conv_3x3!(16, 1, false, true)), countWeights(SHARP_OPS.sep_conv_3x3!(16, 1, false, true)));
    assert.throws(() => sharpOps({ midChannels: 0 }), /sharpOps: midChannels must be a positive integer, got 0/);
  });

  test('sharpSepConvWithFullMiddleWidthComputesDartsSepConv', () => {
    torch.manualSeed(1);
    torch.tidy(() => {
      const sharp = SHARP_OPS.sep_conv_5x5!(6, 2, true, false);
      const darts = DARTS_OPS.sep_conv_5x5!(6, 2, true, false);
      copyParameters(darts, sharp);
      const x = torch.randn([2, 6, 9, 9]);
      assert.ok(sharp.forward(x).sub(darts.forward(x)).abs().max().item() < 1e-6);
    });
  });

  test('preActivatedOpsExpectReLUInputAndMatchTheFullOp', () => {
    torch.manualSeed(2);
    torch.tidy(() => {
      const x = torch.randn([2, 4, 8, 8]);
      for (const name of ['choke_conv_3x3', 'dil_conv_5x5', 'flood_conv_5x5']) {
        const full = SHARP_OPS[name]!(4, 1, false, false);
        const pre = SHARP_OPS[name]!(4, 1, false, true);
        assert.equal(expectsReLUInput(pre), true, name);
        assert.equal(expectsReLUInput(full), false, name);
        copyParameters(full, pre);
        assert.ok(pre.forward(x.relu()).sub(full.forward(x)).abs().max().item() < 1e-6, name);
      }
      assert.equal(expectsReLUInput(SHARP_OPS.skip_connect!(4, 2, false, true)), true);
      assert.equal(expectsReLUInput(SHARP_OPS.max_pool_3x3!(4, 2, false, true)), false);
    });
  });

  test('everyOpKeepsOddAndEvenSizesAtStride1AndHalvesThemRoundingUpAtStride2', () => {
    torch.tidy(() => {
      for (const size of [7, 8]) {
        const x = torch.randn([2, 4, size, size]);
        const half = Math.ceil(size / 2);
        for (const [name, make] of Object.entries(SHARP_OPS)) {
          assert.deepEqual(make(4, 1, false, false).forward(x).shape, [2, 4, size, size], `${name} stride 1 size ${size}`);
          assert.deepEqual(make(4, 2, false, false).forward(x).shape, [2, 4, half, half], `${name} stride 2 size ${size}`);
        }
      }
    });
  });

  test('paddedFactorizedReduceEqualsDartsOnEvenSizesAndReadsThePaddingOnOdd', () => {
    torch.manualSeed(3);
    torch.tidy(() => {
      const padded = new PaddedFactorizedReduce(4, 6, true);
      const darts = new FactorizedReduce(4, 6, true);
      copyParameters(darts, padded);
      const even = torch.randn([2, 4, 6, 6]);
      assert.ok(padded.forward(even).sub(darts.forward(even)).abs().max().item() < 1e-6);
      // On 5×5 the shifted branch's last row and column read the zero padding (ReLU(0) = 0).
      const odd = torch.ones([1, 4, 5, 5]);
      const weightsOnly = new PaddedFactorizedReduce(4, 2, true);
      torch.noGrad(() => {
        weightsOnly.conv_1.weight.fill_(1);
        weightsOnly.conv_2.weight.fill_(1);
      });
      weightsOnly.eval();
      const out = weightsOnly.forward(odd);
      const eps = Math.sqrt(1 + 1e-5);
      assert.deepEqual(out.select(1, 0).mul(eps).round().flatten().tolist(), Array(9).fill(4));
      assert.deepEqual(out.select(1, 1).mul(eps).round().view([3, 3]).tolist(), [[4, 4, 0], [4, 4, 0], [0, 0, 0]]);
    });
  });

  test('avgPoolCountsThePaddingAsTheReferenceDoes', () => {
    torch.tidy(() => {
      const out = SHARP_OPS.avg_pool_3x3!(1, 1, false, false).forward(torch.ones([1, 1, 3, 3]));
      assert.deepEqual(out.mul(9).round().view([3, 3]).tolist(), [[4, 6, 4], [6, 9, 6], [4, 6, 4]]);
    });
  });
});

describe('sharpDARTS primitive lists', () => {
  test('listsHaveTheReferenceOrderAndSelectByName', () => {
    assert.equal(PRIMITIVES.length, 9);
    assert.equal(SHARPER_PRIMITIVES.length, 12);
    assert.equal(DARTS_PRIMITIVES.length, 8);
    assert.equal(PRIMITIVE_LISTS.sharp, PRIMITIVES);
    assert.equal(PRIMITIVE_LISTS.sharper, SHARPER_PRIMITIVES);
    const sharp = getOpTable('sharp');
    assert.deepEqual(resolvePrimitives(['sharper'], sharp), [...SHARPER_PRIMITIVES]);
    assert.deepEqual(resolvePrimitives(['darts'], sharp), [...DARTS_PRIMITIVES]);
    // The DARTS op table cannot build sharpDARTS' flood and choke ops.
    assert.throws(() => resolvePrimitives(['sharp'], getOpTable('darts')), /--primitives: unknown op 'flood_conv_3x3' for the 'darts' op table/);
  });

  // Measured with sharpDARTS' model_search.Network(C=16, num_classes=10, layers=8, steps=4) and its
  // two alpha tensors (14 edges × ops each), choke mid-channels 32.
  const references: [string, string, string, number, number][] = [
    ['PRIMITIVES with sharp ops', 'sharp', 'sharp', 5_867_642, 252],
    ['SHARPER_PRIMITIVES with sharp ops', 'sharp', 'sharper', 9_707_002, 336],
    ['DARTS_PRIMITIVES with sharp ops', 'sharp', 'darts', 2_527_354, 224],
    ['DARTS_PRIMITIVES with DARTS ops', 'darts', 'darts', 1_930_618, 224],
  ];
  for (const [name, ops, primitives, weights, alphas] of references) {
    test(`supernetOf${name.replaceAll(' ', '_')}HasTheReferenceParameterCounts`, () => {
      assert.equal(countWeights(supernetWith(ops, primitives)), weights);
      const space = createDartsSpace({ ops, primitives: [primitives] });
      assert.equal(space.cellTypes.length * space.edgesPerCell * space.primitives.length, alphas);
    });
  }

  test('smallSharpSupernetRunsForwardWithPreActivatedEdges', () => {
    torch.manualSeed(4);
    torch.tidy(() => {
      const net = supernetWith('sharp', 'sharp', 4, 3);
      const w = torch.randn([14, PRIMITIVES.length]).softmax(-1);
      const active = Array.from({ length: 14 }, () => PRIMITIVES.map((_, i) => i).slice(1));
      const logits = net.forward(torch.randn([2, 3, 8, 8]), { normal: { ops: w, active }, reduce: { ops: w, active } });
      assert.deepEqual(logits.shape, [2, 10]);
      assert.ok(logits.isfinite().all().item());
    });
  });
});

describe('sharpDARTS genotypes', () => {
  // Verbatim entries of sharpDARTS' cnn/genotypes.py (the later SHARPSEPCONV_DARTS_MAX_W is in effect).
  const published: Record<string, string> = {
    SHARP_DARTS:
      "Genotype(normal=[('choke_conv_3x3', 0), ('choke_conv_3x3', 1), ('skip_connect', 0), ('choke_conv_3x3', 1), ('skip_connect', 0), ('skip_connect', 1), ('skip_connect', 0), ('skip_connect', 1)], normal_concat=range(2, 6), reduce=[('max_pool_3x3', 0), ('skip_connect', 1), ('max_pool_3x3', 0), ('skip_connect', 2), ('max_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 2), ('flood_conv_3x3', 0)], reduce_concat=range(2, 6), layout='cell')",
    SHARPSEPCONV_DARTS:
      "Genotype(normal=[('sep_conv_3x3', 0), ('sep_conv_3x3', 1), ('sep_conv_3x3', 0), ('sep_conv_3x3', 2), ('skip_connect', 0), ('sep_conv_3x3', 1), ('skip_connect', 0), ('sep_conv_3x3', 1)], normal_concat=range(2, 6), reduce=[('max_pool_3x3', 0), ('skip_connect', 1), ('skip_connect', 2), ('avg_pool_3x3', 0), ('skip_connect', 2), ('avg_pool_3x3', 0), ('skip_connect', 2), ('skip_connect', 3)], reduce_concat=range(2, 6), layout='cell')",
    SHARPSEPCONV_DARTS_MAX_W:
      "Genotype(normal=[('dil_conv_3x3', 0), ('dil_conv_5x5', 1), ('sep_conv_3x3', 2), ('dil_conv_5x5', 1), ('avg_pool_3x3', 2), ('sep_conv_3x3', 0), ('avg_pool_3x3', 4), ('max_pool_3x3', 3)], normal_concat=range(2, 6), reduce=[('max_pool_3x3', 0), ('skip_connect', 1), ('sep_conv_5x5', 0), ('skip_connect', 2), ('sep_conv_5x5', 0), ('dil_conv_5x5', 3), ('sep_conv_5x5', 4), ('skip_connect', 3)], reduce_concat=range(2, 6), layout='cell')",
  };
  for (const [name, text] of Object.entries(published)) {
    test(`${name}ParsesToTheRegistryEntryAndRoundTrips`, () => {
      const g = parseDartsGenotype(text, { ops: SHARP_GENOTYPE_OPS });
      assert.deepEqual(g, SHARP_GENOTYPES[name]);
      const printed = formatDartsGenotype(g);
      assert.deepEqual(parseDartsGenotype(printed, { ops: SHARP_GENOTYPE_OPS }), g);
      assert.equal(formatDartsGenotype(parseDartsGenotype(printed, { ops: SHARP_GENOTYPE_OPS })), printed);
    });
  }

  test('sharpOpNamesNeedTheSharpOpList', () => {
    assert.throws(() => parseDartsGenotype(published.SHARP_DARTS!), /unknown op 'choke_conv_3x3' in genotype normal at position 0/);
    assert.equal(formatDartsGenotype(SHARPSEPCONV_DARTS_MAX_W).startsWith("Genotype(normal=[('dil_conv_3x3', 0), ('dil_conv_5x5', 1)"), true);
  });
});
