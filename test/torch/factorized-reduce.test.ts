// torch.factorizedReduceInputs copies out the pixels a FactorizedReduce's two stride-2 1×1 convs
// read (src/native/ops_factorized_reduce.cc): the values and gradients of the slices it replaces,
// bit for bit, the second derivative too; and the FactorizedReduce built on it gives the output
// and gradients of the reference's composition (strided convs on x and on x[:, :, 1:, 1:]).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { FactorizedReduce } from '../../src/nas/spaces/darts-ops.js';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';

const bits = (t: Tensor): number[] => Array.from(t.contiguous().toArray() as Float32Array | Float64Array);
const cl = (t: Tensor): Tensor => t.contiguous('channelsLast');
const slices = (x: Tensor): Tensor[] => [x.slice(2, null, null, 2).slice(3, null, null, 2), x.slice(2, 1, null, 2).slice(3, 1, null, 2)];

describe('torch.factorizedReduceInputs', () => {
  test('theTwoSubsampledInputsAndTheirGradientAreTheSlicesBitForBit', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      torch.manualSeed(17);
      const x0 = torch.randn([2, 3, 6, 4], { dtype });
      const gs = [torch.randn([2, 3, 3, 2], { dtype }), torch.randn([2, 3, 3, 2], { dtype })];
      const run = (f: (x: Tensor) => Tensor[]) => {
        const x = cl(x0).detach().requiresGrad_(true);
        const outs = f(x);
        const [g] = torch.autograd.grad(outs, [x], { gradOutputs: gs.map(cl) }) as Tensor[];
        return { outs, g: g! };
      };
      const ours = run((x) => torch.factorizedReduceInputs(x));
      const sliced = run(slices);
      ours.outs.forEach((o, i) => {
        assert.equal(o.isContiguous('channelsLast'), true);
        assert.deepEqual(o.shape, [2, 3, 3, 2]);
        assert.deepEqual(bits(o), bits(sliced.outs[i]!), `${dtype} input ${i}`);
      });
      // Pixels read by neither conv get exact zeros; the others their conv's gradient.
      assert.deepEqual(bits(ours.g), bits(sliced.g), `${dtype} gradient`);
      assert.equal(ours.g.isContiguous('channelsLast'), true);
    }
  });

  test('onlyOneInputReachingTheLossAndSecondDerivativesMatchTheSlices', () => {
    const x0 = torch.randn([2, 2, 4, 4], { dtype: 'float64' });
    const firstOnly = (f: (x: Tensor) => Tensor[]) => {
      const x = cl(x0).detach().requiresGrad_(true);
      return bits((torch.autograd.grad([f(x)[0]!.mul(3).sum()], [x]) as Tensor[])[0]!);
    };
    assert.deepEqual(firstOnly((x) => torch.factorizedReduceInputs(x)), firstOnly(slices));
    const second = (f: (x: Tensor) => Tensor[]) => {
      const x = cl(x0).detach().requiresGrad_(true);
      const [a, b] = f(x.mul(x)) as [Tensor, Tensor];
      const [g] = torch.autograd.grad([a.mul(a).sum().add(b.mul(b).mul(b).sum())], [x], { createGraph: true }) as Tensor[];
      return bits((torch.autograd.grad([g!.mul(g!).sum()], [x]) as Tensor[])[0]!);
    };
    assert.deepEqual(second((x) => torch.factorizedReduceInputs(x)), second(slices));
  });

  test('otherLayoutsAndOddSizesSlice', () => {
    const x = torch.randn([1, 2, 4, 6]);
    torch.factorizedReduceInputs(x).forEach((o, i) => assert.deepEqual(bits(o), bits(slices(x)[i]!)));
    const odd = cl(torch.randn([1, 2, 5, 4]));
    assert.deepEqual(torch.factorizedReduceInputs(odd).map((o) => o.shape), [[1, 2, 3, 2], [1, 2, 2, 2]]);
  });
});

describe('FactorizedReduce', () => {
  test('givesTheOutputAndGradientsOfStridedConvsOnTheShiftedInput', () => {
    torch.manualSeed(18);
    const fr = new FactorizedReduce(6, 8, true);
    fr.to({ dtype: 'float64', memoryFormat: 'channelsLast' });
    const x = cl(torch.randn([3, 6, 8, 8], { dtype: 'float64' })).requiresGrad_(true);
    const g = cl(torch.randn([3, 8, 4, 4], { dtype: 'float64' }));
    const params = [x, fr.conv_1.weight, fr.conv_2.weight, fr.bn.weight!, fr.bn.bias!];
    const ours = torch.autograd.grad([fr.forward(x)], params, { gradOutputs: [g] }) as Tensor[];
    // The reference: stride-2 convs on relu(x) and on relu(x)[:, :, 1:, 1:], concatenated, batch norm.
    const r = x.relu();
    const composed = fr.bn.forward(torch.cat([torch.conv2d(r, fr.conv_1.weight, { stride: 2 }), torch.conv2d(r.slice(2, 1).slice(3, 1), fr.conv_2.weight, { stride: 2 })], 1));
    const reference = torch.autograd.grad([composed], params, { gradOutputs: [g] }) as Tensor[];
    ours.forEach((o, i) => {
      const scale = reference[i]!.abs().max().item();
      assert.ok(o.sub(reference[i]!).abs().max().item() <= 1e-12 * scale, `gradient ${i}`);
    });
  });
});
