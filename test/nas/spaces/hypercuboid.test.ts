// sharpDARTS' HyperCuboid (MultiChannelNetwork): parameter counts measured with the reference,
// a forward pass that follows the single surviving path when the weights are peaked, Max-W at the
// network level, and the path extraction on a grid small enough to check by hand.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type * as nn from '../../../src/nn/index.js';
import { dagLongestPath, greedyPath, hypercuboidGraph, opNodeName, outNodeName } from '../../../src/nas/spaces/hypercuboid-paths.js';
import { HyperCuboidNetwork, hypercuboidChannels } from '../../../src/nas/spaces/hypercuboid.js';
import * as torch from '../../../src/torch/index.js';

const countWeights = (m: nn.Module) => m.parameters().reduce((n, p) => n + p.numel(), 0);
const numel = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

describe('HyperCuboid network', () => {
  test('parameterCountsEqualTheReferenceMultiChannelNetwork', () => {
    const small = new HyperCuboidNetwork({ initChannels: 16, numClasses: 10, layers: 8, steps: 4 });
    assert.deepEqual(small.channels, [16, 32, 64, 128]);
    assert.equal(countWeights(small), 4_224_682);
    assert.equal(numel(small.archShape), 256);
    const large = new HyperCuboidNetwork({ initChannels: 32, numClasses: 10, layers: 6, steps: 5 });
    assert.deepEqual(large.channels, [32, 64, 128, 256, 512]);
    assert.equal(countWeights(large), 24_697_802);
    assert.equal(numel(large.archShape), 300);
  });

  test('oddLayerCountsAndUnknownPrimitivesAreRejected', () => {
    assert.throws(() => new HyperCuboidNetwork({ initChannels: 4, numClasses: 2, layers: 3, steps: 2 }), /layers must be an even integer ≥ 2/);
    assert.throws(() => new HyperCuboidNetwork({ initChannels: 4, numClasses: 2, layers: 2, steps: 2, primitives: ['sep_conv_3x3'] }), /unknown primitive 'sep_conv_3x3' \(known: ResizablePool, SharpSepConv\)/);
    assert.deepEqual(hypercuboidChannels(24, 3), [16, 32, 64]);
  });

  test('peakedWeightsLeaveOnePathWhoseOpsAloneMakeTheLogits', () => {
    torch.manualSeed(0);
    torch.tidy(() => {
      const net = new HyperCuboidNetwork({ initChannels: 4, numClasses: 3, layers: 2, steps: 2, finalLinearFilters: 8 });
      net.eval();
      // Stride 1: width 4 → 8 with SharpSepConv; stride 2: width 8 → 4 with ResizablePool. The rest
      // get softmax weight e^-30, far below 1/n² = 1/64, and are skipped.
      const alphas = torch.zeros(net.archShape);
      const peaked = alphas.clone();
      torch.noGrad(() => {
        peaked.select(0, 0).select(0, 0).select(0, 0).select(0, 1).select(0, 1).fill_(30);
        peaked.select(0, 1).select(0, 0).select(0, 1).select(0, 0).select(0, 0).fill_(30);
      });
      const x = torch.randn([2, 3, 8, 8]);
      const logits = net.forward(x, net.archWeights(peaked));
      const at = (m: nn.Module, ...idx: number[]) => idx.reduce((a, i) => (a as nn.ModuleList).at(i), m);
      const chain = at(net.op_grid, 0, 1, 1, 0, 0).forward(at(net.op_grid, 0, 0, 0, 1, 1).forward(net.stem.at(0).forward(x)));
      const manual = net.classifier.forward(net.global_pooling.forward(net.base.at(0).forward(chain)).flatten(1));
      assert.ok(logits.sub(manual).abs().max().item() < 1e-5);
    });
  });

  test('opsAtOrBelowOneOverNSquaredAreSkippedUnlessAlwaysApplied', () => {
    torch.manualSeed(3);
    torch.tidy(() => {
      const o = { initChannels: 4, numClasses: 3, layers: 2, steps: 2, finalLinearFilters: 8 } as const;
      const skipping = new HyperCuboidNetwork(o);
      const always = new HyperCuboidNetwork({ ...o, alwaysApplyOps: true });
      always.loadStateDict(skipping.stateDict());
      for (const n of [skipping, always]) n.eval();
      // One op per block at weight 1, and one more stride-1 op at 0.015 < 1/64 into the same width.
      const w = torch.zeros(skipping.archShape);
      torch.noGrad(() => {
        w.select(0, 0).select(0, 0).select(0, 0).select(0, 1).select(0, 1).fill_(1);
        w.select(0, 0).select(0, 0).select(0, 1).select(0, 1).select(0, 0).fill_(0.015);
        w.select(0, 1).select(0, 0).select(0, 1).select(0, 0).select(0, 0).fill_(1);
      });
      const x = torch.randn([2, 3, 8, 8]);
      const at = (m: nn.Module, ...idx: number[]) => idx.reduce((a, i) => (a as nn.ModuleList).at(i), m);
      const chain = at(skipping.op_grid, 0, 1, 1, 0, 0).forward(at(skipping.op_grid, 0, 0, 0, 1, 1).forward(skipping.stem.at(0).forward(x)));
      const onlyChain = skipping.classifier.forward(skipping.global_pooling.forward(skipping.base.at(0).forward(chain)).flatten(1));
      // Zero-weight terms add exact zeros, so only the 0.015 op can move the logits (by about 7e-5 here).
      assert.equal(skipping.forward(x, w).sub(onlyChain).abs().max().item(), 0);
      assert.ok(always.forward(x, w).sub(onlyChain).abs().max().item() > 1e-5);
    });
  });

  test('maxWScalesEveryOpByOneMinusTheGridMaxPlusItsWeight', () => {
    torch.manualSeed(1);
    torch.tidy(() => {
      const o = { initChannels: 4, numClasses: 3, layers: 2, steps: 2, finalLinearFilters: 8, alwaysApplyOps: true } as const;
      const maxW = new HyperCuboidNetwork({ ...o, weighting: 'max_w' });
      const scalar = new HyperCuboidNetwork({ ...o, weighting: 'scalar' });
      scalar.loadStateDict(maxW.stateDict());
      for (const n of [maxW, scalar]) n.eval();
      const x = torch.randn([2, 3, 8, 8]);
      // Uniform weights 1/8: Max-W turns every one into 1 − 1/8 + 1/8 = 1.
      const uniform = maxW.archWeights(torch.zeros(maxW.archShape));
      const viaMaxW = maxW.forward(x, uniform);
      assert.ok(viaMaxW.sub(scalar.forward(x, torch.onesLike(uniform))).abs().max().item() < 1e-5);
      assert.ok(viaMaxW.sub(scalar.forward(x, uniform)).abs().max().item() > 1e-3);
    });
  });

  test('gradientsReachTheArchitectureParameters', () => {
    torch.manualSeed(2);
    torch.tidy(() => {
      const net = new HyperCuboidNetwork({ initChannels: 4, numClasses: 3, layers: 2, steps: 2, finalLinearFilters: 8 });
      const alphas = net.createAlphas();
      assert.deepEqual(alphas.shape, [2, 1, 2, 2, 2]);
      const loss = torch.crossEntropy(net.forward(torch.randn([4, 3, 8, 8]), net.archWeights(alphas)), torch.tensor([0, 1, 2, 0], { dtype: 'int64' }));
      const [g] = torch.autograd.grad([loss], [alphas]);
      assert.ok(g!.abs().sum().item() > 0);
      // Each (stride, layer) softmax block's gradient sums to zero.
      assert.ok(g!.reshape([2, -1]).sum(1).abs().max().item() < 1e-6);
    });
  });
});

describe('HyperCuboid path extraction', () => {
  // Widths [4, 8], one grid layer, primitives A and B: w[stride][layer][cIn][cOut][primitive]. The
  // three expected paths were also produced by networkx 3.6 dag_longest_path and the reference's
  // gen_greedy_path on the same graph built as MultiChannelNetwork builds it.
  const weights = [
    [[[[0.1, 0.2], [0.05, 0.3]], [[0.15, 0.05], [0.1, 0.05]]]],
    [[[[0.3, 0.1], [0.1, 0.05]], [[0.05, 0.2], [0.25, 0.05]]]],
  ];
  const graph = () => hypercuboidGraph({ channels: [4, 8], gridLayers: 1, primitives: ['A', 'B'] }, weights);
  const tail = (c: number) => [outNodeName(0, c, 2), `SharpSepConv${c}`, 'add-SharpSep', 'global_pooling', 'Linear'];

  test('longestPathTakesTheChainOfLargestSummedWeight', () => {
    // Chains through width k: best stride-1 op into k plus best stride-2 op out of k: via 4: 0.2 + 0.3, via 8: 0.3 + 0.25.
    assert.deepEqual(dagLongestPath(graph()), [
      'Source', 'Conv3x3_0', 'BatchNorm_0', opNodeName(0, 1, 4, 8, 'B', 1), outNodeName(0, 8, 1), opNodeName(0, 2, 8, 8, 'A', 0), ...tail(8),
    ]);
  });

  test('bottomUpGreedyStartsAtTheFirstHeadAndClimbsTheHeaviestOps', () => {
    assert.deepEqual(greedyPath(graph(), 'bottom_up'), [
      'Source', 'Conv3x3_0', 'BatchNorm_0', opNodeName(0, 1, 4, 4, 'B', 1), outNodeName(0, 4, 1), opNodeName(0, 2, 4, 4, 'A', 0), ...tail(4),
    ]);
  });

  test('topDownGreedyFollowsTheFirstOpBecauseItsChoicesCarryNoWeight', () => {
    assert.deepEqual(greedyPath(graph(), 'top_down'), ['Conv3x3_0', 'BatchNorm_0', opNodeName(0, 1, 4, 4, 'A', 0), outNodeName(0, 4, 1), opNodeName(0, 2, 4, 4, 'A', 0), ...tail(4)]);
  });

  test('malformedWeightsAreRejected', () => {
    assert.throws(() => hypercuboidGraph({ channels: [4, 8], gridLayers: 2, primitives: ['A', 'B'] }, weights), /weights need shape \[2, 2, 2, 2, 2\]; missing \[0, 1, 0, 0, 0\]/);
  });
});
