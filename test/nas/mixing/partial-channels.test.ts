import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createArchParams } from '../../../src/nas/arch.js';
import { composeMixing } from '../../../src/nas/mixing/compose.js';
import { channelShuffle, PartialChannelEdge } from '../../../src/nas/mixing/partial-channels.js';
import { softmaxSampler } from '../../../src/nas/mixing/softmax.js';
import { createDartsSpace } from '../../../src/nas/spaces/darts-space.js';
import * as torch from '../../../src/torch/index.js';
import { scaleOps } from './ops.js';

const range = (n: number, scale = 1) => Array.from({ length: n }, (_, i) => (i + 1) * scale);

describe('PC-DARTS partial channel connection', () => {
  test('partialChannelEdgeEqualsAHandComputation', () => {
    // C=4, K=2: channels 0–1 go through the mix 0.25·x + 0.75·(2x) = 1.75x, channels 2–3 bypass;
    // the shuffle with 2 groups interleaves them: [mix0, pass2, mix1, pass3].
    const edge = new PartialChannelEdge(['x1', 'x2'], scaleOps, 4, 1, 2);
    const x = torch.tensor(range(16), { dtype: 'float64' }).reshape([1, 4, 2, 2]);
    const out = edge.forward(x, { ops: torch.tensor([0.25, 0.75], { dtype: 'float64' }), active: [0, 1], inactiveAsScalars: false });
    const ch = (t: torch.Tensor, c: number) => t.select(1, c).reshape([4]).tolist() as number[];
    assert.deepEqual(ch(out, 0), ch(x, 0).map((v) => 1.75 * v));
    assert.deepEqual(ch(out, 1), ch(x, 2));
    assert.deepEqual(ch(out, 2), ch(x, 1).map((v) => 1.75 * v));
    assert.deepEqual(ch(out, 3), ch(x, 3));
  });

  test('strideTwoEdgesMaxPoolTheBypassedChannels', () => {
    const edge = new PartialChannelEdge(['x1', 'x2'], scaleOps, 4, 2, 4);
    const x = torch.tensor(Array.from({ length: 64 }, (_, i) => ((i * 37) % 23) - 11), { dtype: 'float64' }).reshape([1, 4, 4, 4]);
    const out = edge.forward(x, { ops: torch.tensor([1, 0], { dtype: 'float64' }), active: [0], inactiveAsScalars: false });
    assert.deepEqual(out.shape, [1, 4, 2, 2]);
    // K=4: channel 0 is mixed (×1 on the stride-2 subsample), channels 1–3 are 2×2 max-pooled; the
    // shuffle of 4 groups of one channel keeps the order.
    const pooled = torch.maxPool2d(x, 2, { stride: 2 });
    for (const c of [1, 2, 3]) assert.deepEqual(out.select(1, c).tolist(), pooled.select(1, c).tolist());
    assert.deepEqual(out.select(1, 0).tolist(), x.select(1, 0).slice(1, null, null, 2).slice(2, null, null, 2).tolist());
  });

  test('channelShuffleInterleavesGroups', () => {
    const x = torch.tensor(range(6), { dtype: 'float64' }).reshape([1, 6, 1, 1]);
    assert.deepEqual((channelShuffle(x, 2).reshape([6]).tolist() as number[]), [1, 4, 2, 5, 3, 6]);
    assert.deepEqual((channelShuffle(x, 3).reshape([6]).tolist() as number[]), [1, 3, 5, 2, 4, 6]);
  });

  test('aKThatDoesNotDivideTheChannelsIsAnErrorNamingTheFlag', () => {
    assert.throws(() => new PartialChannelEdge(['x1', 'x2'], scaleOps, 6, 1, 4), /--partial-channels: K=4 does not divide the 6 channels/);
  });

  test('searchNetworkHasTheReferenceParameterCounts', () => {
    // Measured with yuhuixu1993/PC-DARTS model_search.Network(C=16, num_classes=10, layers=8), K=4:
    // 299,578 weights; 112 + 112 alphas and 14 + 14 betas.
    torch.manualSeed(0);
    const space = createDartsSpace();
    const mixing = composeMixing({ sampler: softmaxSampler(), partialChannels: 4, edgeNorm: true });
    const net = space.createSupernet({ inChannels: 3, numClasses: 10, initChannels: 16, layers: 8 }, mixing);
    assert.equal(net.parameters().reduce((n, p) => n + p.numel(), 0), 299_578);
    const arch = createArchParams(space, mixing);
    assert.deepEqual(Object.fromEntries(Object.entries(arch).map(([k, v]) => [k, v.shape])), {
      alphas_normal: [14, 8],
      alphas_reduce: [14, 8],
      betas_normal: [14],
      betas_reduce: [14],
    });
    torch.tidy(() => {
      const w = mixing.cellWeights(arch, space, null, { epoch: 0, epochs: 1, step: 0, stepsPerEpoch: 1, fraction: 0 });
      assert.deepEqual(net.forward(torch.randn([2, 3, 16, 16]), w).shape, [2, 10]);
    });
  });
});
