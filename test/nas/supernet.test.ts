import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createArchParams } from '../../src/nas/arch.js';
import { softmaxMixing } from '../../src/nas/mixing/index.js';
import { createDartsSearchOp, DARTS_OPS } from '../../src/nas/spaces/darts-ops.js';
import { DartsSupernet, dartsSpace } from '../../src/nas/spaces/darts-space.js';
import { createNb201Op } from '../../src/nas/spaces/nb201-ops.js';
import { Nb201Supernet, nb201Space } from '../../src/nas/spaces/nb201-space.js';
import { progressAt } from '../../src/nas/types.js';
import * as torch from '../../src/torch/index.js';

const countWeights = (m: { parameters(): torch.Tensor[] }) => m.parameters().reduce((n, p) => n + p.numel(), 0);

describe('DARTS search space', () => {
  test('everyCandidateOpKeepsShapeAtStride1AndHalvesAtStride2', () => {
    torch.tidy(() => {
      const x = torch.randn([2, 8, 16, 16]);
      for (const name of Object.keys(DARTS_OPS)) {
        assert.deepEqual(createDartsSearchOp(name, 8, 1).forward(x).shape, [2, 8, 16, 16], name);
        assert.deepEqual(createDartsSearchOp(name, 8, 2).forward(x).shape, [2, 8, 8, 8], name);
      }
    });
  });

  test('supernetHasTheReferenceParameterCounts', () => {
    // Measured with quark0/darts model_search.Network(C=16, num_classes=10, layers=8) and its alphas.
    torch.manualSeed(0);
    const mixing = softmaxMixing();
    const net = new DartsSupernet({ inChannels: 3, numClasses: 10, initChannels: 16, layers: 8 }, mixing);
    assert.equal(countWeights(net), 1_930_618);
    const arch = createArchParams(dartsSpace, mixing);
    assert.equal(Object.values(arch).reduce((n, p) => n + p.numel(), 0), 224);
    assert.deepEqual(arch.alphas_normal!.shape, [14, 8]);
  });

  test('cellsAndNetworkProduceTheExpectedShapes', () => {
    torch.manualSeed(1);
    const mixing = softmaxMixing();
    const net = new DartsSupernet({ inChannels: 3, numClasses: 7, initChannels: 4, layers: 5 }, mixing);
    const arch = createArchParams(dartsSpace, mixing);
    torch.tidy(() => {
      const logits = net.forward(torch.randn([3, 3, 16, 16]), mixing.cellWeights(arch, dartsSpace, null, progressAt(0, 1)));
      assert.deepEqual(logits.shape, [3, 7]);
      // Normal cells output 4C channels at full resolution; reduction cells 4·2C at half.
      const w = mixing.cellWeights(arch, dartsSpace, null, progressAt(0, 1));
      const cells = [...net.cells] as unknown as { forward(a: torch.Tensor, b: torch.Tensor, w: unknown): torch.Tensor; reduction: boolean }[];
      const s = torch.randn([2, 12, 16, 16]);
      assert.deepEqual(cells[0]!.forward(s, s, w.normal).shape, [2, 16, 16, 16]);
      assert.equal(cells[1]!.reduction, true);
    });
  });

  test('reductionCellsSitAtOneAndTwoThirdsOfTheDepth', () => {
    const net = new DartsSupernet({ inChannels: 1, numClasses: 10, initChannels: 4, layers: 8 }, softmaxMixing());
    const reductions = ([...net.cells] as unknown as { reduction: boolean }[]).map((c, i) => (c.reduction ? i : -1)).filter((i) => i >= 0);
    assert.deepEqual(reductions, [2, 5]);
  });
});

describe('NAS-Bench-201 search space', () => {
  test('supernetHasTheReferenceParameterCounts', () => {
    // Measured with AutoDL-Projects' TinyNetworkDarts(C=16, N=5, max_nodes=4, 10 classes, affine=False).
    const mixing = softmaxMixing();
    const net = new Nb201Supernet({ inChannels: 3, numClasses: 10, initChannels: 16, layers: 5 }, mixing);
    assert.equal(countWeights(net), 1_692_826);
    const arch = createArchParams(nb201Space, mixing);
    assert.equal(Object.values(arch).reduce((n, p) => n + p.numel(), 0), 30);
    assert.deepEqual(arch.alphas_cell!.shape, [6, 5]);
  });

  test('opsAndNetworkProduceTheExpectedShapes', () => {
    torch.tidy(() => {
      const x = torch.randn([2, 8, 8, 8]);
      for (const name of nb201Space.primitives) assert.deepEqual(createNb201Op(name, 8, 1, { affine: false, trackRunningStats: true }).forward(x).shape, [2, 8, 8, 8]);
      const mixing = softmaxMixing();
      const net = new Nb201Supernet({ inChannels: 1, numClasses: 10, initChannels: 4, layers: 1 }, mixing);
      const arch = createArchParams(nb201Space, mixing);
      assert.deepEqual(net.forward(torch.randn([2, 1, 28, 28]), mixing.cellWeights(arch, nb201Space, null, progressAt(0, 1))).shape, [2, 10]);
    });
  });

  test('unknownOpIsAClearError', () => {
    assert.throws(() => createNb201Op('nor_conv_5x5', 8, 1, { affine: false, trackRunningStats: true }), /unknown NAS-Bench-201 op 'nor_conv_5x5'/);
  });
});
