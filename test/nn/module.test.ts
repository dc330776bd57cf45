import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { BatchNorm2d, Conv2d, Dropout, Linear, Module, ModuleList, ReLU, Sequential } from '../../src/nn/index.js';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import { readFixture } from '../fixture-path.js';
import { TinyNet } from './nets.js';

const names = readFixture<{ names: { stateDict: string[]; parameters: string[]; buffers: string[]; numParameters: number } }>('nn/fixtures/nn_fixture.json').names;
const values = (t: Tensor): number[] => Array.from(t.data() as ArrayLike<number | bigint>, Number);
const dir = mkdtempSync(join(tmpdir(), 'dnas-nn-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** One training-mode forward and backward, so BatchNorm statistics and gradients are non-trivial. */
function trainStep(net: TinyNet, seed = 1): void {
  torch.manualSeed(seed);
  torch.tidy(() => net.forward(torch.randn([2, 3, 6, 6])).square().mean().backward());
}

describe('module registration and names', () => {
  test('nestedContainersGivePyTorchDottedNamesInPyTorchOrder', () => {
    const net = new TinyNet();
    assert.deepEqual(net.namedParameters().map(([n]) => n), names.parameters);
    assert.deepEqual(net.namedBuffers().map(([n]) => n), names.buffers);
    assert.deepEqual(Object.keys(net.stateDict()), names.stateDict);
    assert.equal(net.numParameters(), names.numParameters);
    assert.deepEqual(net.namedModules().map(([n]) => n), ['', 'stem', 'stem.0', 'stem.1', 'cells', 'cells.0', 'cells.0.op', 'cells.0.op.0', 'cells.0.op.1', 'cells.0.op.2', 'head', 'head.0', 'head.1', 'classifier']);
    assert.deepEqual(net.namedChildren().map(([n]) => n), ['stem', 'cells', 'head', 'classifier']);
    assert.deepEqual(net.namedParameters('model').slice(0, 2).map(([n]) => n), ['model.stem.0.weight', 'model.stem.1.weight']);
    assert.deepEqual(net.cells.namedParameters('', false), [], 'non-recursive lists only the module\'s own');
    assert.equal(net.cells.at(0).namedParameters()[0]![1], (net.cells.at(-1) as unknown as { op: Sequential }).op.at(1).parameters()[0]);
  });

  test('parameterCountsMatchPyTorch', () => {
    assert.equal(new Conv2d(3, 16, 3).numParameters(), 448);
    assert.equal(new Conv2d(3, 16, 3, { bias: false }).numParameters(), 432);
    assert.equal(new Conv2d(8, 16, 3, { groups: 4 }).numParameters(), 16 * 2 * 9 + 16);
    assert.equal(new Linear(10, 5).numParameters(), 55);
    const bn = new BatchNorm2d(8);
    assert.equal(bn.numParameters(), 16);
    assert.deepEqual(bn.namedBuffers().map(([n, t]) => [n, t.shape, t.dtype]), [
      ['running_mean', [8], 'float32'],
      ['running_var', [8], 'float32'],
      ['num_batches_tracked', [], 'int64'],
    ]);
    assert.deepEqual(values(bn.runningMean!), Array(8).fill(0));
    assert.deepEqual(values(bn.runningVar!), Array(8).fill(1));
    assert.equal(new BatchNorm2d(8, { affine: false }).numParameters(), 0);
    assert.deepEqual(Object.keys(new BatchNorm2d(8, { trackRunningStats: false }).stateDict()), ['weight', 'bias']);
  });

  test('sharedModulesAreCountedOnce', () => {
    const conv = new Conv2d(2, 2, 1);
    const seq = new Sequential(conv, new ReLU(), conv);
    assert.equal(seq.numParameters(), 6);
    assert.deepEqual(seq.namedParameters().map(([n]) => n), ['0.weight', '0.bias']);
  });

  test('dottedNamesReachParametersBuffersAndSubmodules', () => {
    const net = new TinyNet();
    const bn = net.cells.at(0).getSubmodule('op.2') as BatchNorm2d;
    assert.equal(net.getSubmodule('cells.0.op.2'), bn);
    assert.equal(net.getSubmodule(''), net);
    assert.equal(net.getParameter('cells.0.op.1.weight'), (net.getSubmodule('cells.0.op.1') as Conv2d).weight);
    assert.equal(net.getBuffer('cells.0.op.2.running_var'), bn.runningVar);
    assert.equal(net.getParameter('classifier.bias'), net.classifier.bias);
    assert.throws(() => net.getSubmodule('cells.1'), /ModuleList has no submodule '1' \(in 'cells.1'; it has: 0\)/);
    assert.throws(() => net.getParameter('stem.1.running_mean'), /no parameter 'stem.1.running_mean' \(BatchNorm2d has: weight, bias\)/);
  });

  test('registrationRejectsClashingOrDottedNamesAndNonLeafParameters', () => {
    class Probe extends Module {
      forward(x: Tensor): Tensor {
        return x;
      }
    }
    const m = new Probe();
    const w = m.registerParameter('w', torch.ones([2]))!;
    assert.ok(w.requiresGrad && w.kept);
    assert.throws(() => m.registerBuffer('w', torch.zeros([2])), /'w' is already registered as a parameter/);
    assert.throws(() => m.registerModule('a.b', new ReLU()), /invalid name 'a.b'/);
    assert.throws(() => m.registerParameter('v', w.mul(2)), /'v' is the result of '\w+'; register a leaf/);
    const created = torch.tidy(() => m.registerBuffer('b', torch.zeros([3])));
    assert.ok(!created!.isDisposed, 'buffers outlive the scope that made them');
    assert.deepEqual(Object.keys(m.stateDict()), ['w', 'b']);
  });

  test('containersIndexAndRejectOutOfRange', () => {
    const seq = new Sequential(new ReLU(), new Linear(2, 2));
    assert.equal(seq.length, 2);
    assert.ok(seq.at(-1) instanceof Linear);
    assert.throws(() => seq.at(2), /index 2 out of range for 2 modules/);
    const list = new ModuleList([new ReLU()]).append(new ReLU());
    assert.equal([...list].length, 2);
    assert.throws(() => list.forward(), /iterate over its modules/);
  });
});

describe('state dicts', () => {
  test('stateDictRoundTripsThroughSafetensorsFile', () => {
    const net = new TinyNet();
    trainStep(net);
    const file = join(dir, 'net.safetensors');
    torch.save(file, net.stateDict());
    const loaded = torch.load(file);
    assert.deepEqual(Object.keys(loaded).sort(), [...names.stateDict].sort());
    const copy = new TinyNet();
    copy.loadStateDict(loaded);
    const [a, b] = [net.stateDict(), copy.stateDict()];
    for (const k of names.stateDict) {
      assert.equal(b[k]!.dtype, a[k]!.dtype, k);
      assert.deepEqual(values(b[k]!), values(a[k]!), k);
    }
    assert.deepEqual(values((copy.stem.at(1) as BatchNorm2d).numBatchesTracked!), [1]);
    net.eval();
    copy.eval();
    torch.manualSeed(7);
    const x = torch.randn([2, 3, 6, 6]);
    assert.deepEqual(values(copy.forward(x)), values(net.forward(x)));
    assert.ok(copy.parameters().every((p) => p.requiresGrad && p.isLeaf), 'loading keeps parameters trainable leaves');
  });

  test('loadStateDictErrorsNameTheOffendingKey', () => {
    const net = new TinyNet();
    const sd = () => ({ ...new TinyNet().stateDict() });
    const missing = sd();
    delete missing['cells.0.op.2.running_var'];
    assert.throws(() => net.loadStateDict(missing), /missing key 'cells\.0\.op\.2\.running_var'/);
    const unexpected = { ...sd(), 'cells.1.op.1.weight': torch.zeros([4, 4, 3, 3]) };
    assert.throws(() => net.loadStateDict(unexpected), /unexpected key 'cells\.1\.op\.1\.weight'/);
    const wrongShape = { ...sd(), 'classifier.weight': torch.zeros([10, 5]) };
    assert.throws(() => net.loadStateDict(wrongShape), /shape mismatch for 'classifier\.weight': the model has \[10, 4\], the state dict \[10, 5\]/);
  });

  test('nonStrictLoadingSkipsMissingAndUnexpectedKeys', () => {
    const net = new TinyNet();
    const before = values(net.classifier.weight);
    net.loadStateDict({ 'classifier.bias': torch.full([10], 0.5), extra: torch.zeros([1]) }, { strict: false });
    assert.deepEqual(values(net.classifier.bias!), Array(10).fill(0.5));
    assert.deepEqual(values(net.classifier.weight), before);
  });
});

describe('modes, gradients and conversion', () => {
  test('trainAndEvalApplyRecursively', () => {
    const net = new TinyNet();
    assert.ok(net.modules().every((m) => m.training));
    assert.equal(net.eval(), net);
    assert.ok(net.modules().every((m) => !m.training));
    net.train();
    assert.ok(net.modules().every((m) => m.training));
    net.cells.train(false);
    assert.deepEqual(net.namedModules().filter(([, m]) => !m.training).map(([n]) => n), ['cells', 'cells.0', 'cells.0.op', 'cells.0.op.0', 'cells.0.op.1', 'cells.0.op.2']);
  });

  test('dropoutIsIdentityInEval', () => {
    const drop = new Dropout(0.5);
    const x = torch.ones([1000]);
    assert.ok(values(drop.forward(x)).some((v) => v === 0));
    drop.eval();
    assert.deepEqual(values(drop.forward(x)), values(x));
  });

  test('zeroGradSetsToNoneOrZeroes', () => {
    const net = new TinyNet();
    trainStep(net);
    assert.ok(net.parameters().every((p) => p.grad !== null));
    net.zeroGrad(false);
    assert.ok(net.parameters().every((p) => values(p.grad!).every((v) => v === 0)));
    net.zeroGrad();
    assert.ok(net.parameters().every((p) => p.grad === null));
  });

  test('toFloat64ConvertsFloatingTensorsAndKeepsTheRest', () => {
    const net = new TinyNet();
    const before = net.stateDict();
    const beforeValues = Object.fromEntries(Object.entries(before).map(([k, t]) => [k, values(t)]));
    net.to('float64');
    const sd = net.stateDict();
    for (const [k, t] of Object.entries(sd)) {
      assert.equal(t.dtype, k.endsWith('num_batches_tracked') ? 'int64' : 'float64', k);
      assert.deepEqual(values(t), beforeValues[k], k);
    }
    assert.ok(net.parameters().every((p) => p.requiresGrad && p.isLeaf));
    assert.equal(net.classifier.weight, sd['classifier.weight'], 'the field follows the registration');
    assert.equal(net.stem.at(1).parameters()[0], (net.stem.at(1) as BatchNorm2d).weight);
    assert.equal((net.stem.at(1) as BatchNorm2d).runningMean, sd['stem.1.running_mean']);
    const y = net.forward(torch.randn([1, 3, 4, 4], { dtype: 'float64' }));
    assert.equal(y.dtype, 'float64');
    y.sum().backward();
    assert.equal(net.classifier.weight.grad!.dtype, 'float64');
  });

  test('toReplacesTensorsWithoutLeakingHandlesOrStorage', () => {
    const net = new TinyNet();
    const start = torch.memory();
    net.to('float64');
    const f64 = torch.memory();
    assert.equal(f64.tensors, start.tensors, 'one handle per parameter and buffer');
    const floats = Object.values(net.stateDict()).filter((t) => t.dtype === 'float64').reduce((n, t) => n + t.numel(), 0);
    assert.equal(f64.bytes - start.bytes, floats * 4, 'float32 storages became float64 ones (the int64 counters stay)');
    net.to({ dtype: 'float32', memoryFormat: 'channelsLast' });
    assert.deepEqual(torch.memory(), start);
    net.to('float32');
    assert.deepEqual(torch.memory(), start, 'a no-op conversion frees what it replaces');
  });

  test('toConvertsASharedParameterOnceAndLeavesUnchangedTensorsInPlace', () => {
    // Tied weights: b's weight is a's.
    const a = new Linear(2, 2);
    const b = new Linear(2, 2);
    b.weight = b.registerParameter('weight', a.weight)!;
    const seq = new Sequential(a, b);
    const weight = a.weight;
    seq.to('float32');
    assert.equal(a.weight, weight, 'nothing to convert: the same tensor, so an optimizer built before still holds it');
    seq.to('float64');
    assert.equal(a.weight.dtype, 'float64');
    assert.equal(b.weight, a.weight, 'still tied after the conversion');
    assert.deepEqual(seq.namedParameters().map(([n]) => n), ['0.weight', '0.bias', '1.bias']);
  });

  test('toChannelsLastKeepsValuesAndGivesChannelsLastOutputs', () => {
    torch.manualSeed(3);
    const conv = new Conv2d(3, 8, 3, { padding: 1 });
    const reference = new Conv2d(3, 8, 3, { padding: 1 });
    reference.loadStateDict(conv.stateDict());
    conv.to({ memoryFormat: 'channelsLast' });
    assert.ok(conv.weight.isContiguous('channelsLast'));
    assert.ok(!conv.weight.isContiguous());
    assert.ok(conv.bias!.isContiguous(), 'only 4-D tensors change format');
    assert.deepEqual(values(conv.weight), values(reference.weight));
    const x = torch.randn([2, 3, 5, 5]);
    const xLast = x.contiguous('channelsLast');
    const y = conv.forward(xLast);
    assert.ok(y.isContiguous('channelsLast'), 'a channels-last input and weight give a channels-last output');
    const expected = values(reference.forward(x));
    values(y).forEach((v, i) => assert.ok(Math.abs(v - expected[i]!) < 1e-5, `output ${i}: ${v} vs ${expected[i]}`));

    // Through BatchNorm2d and ReLU in training mode, running statistics included.
    const block = new Sequential(conv, new BatchNorm2d(8), new ReLU());
    const referenceBlock = new Sequential(reference, new BatchNorm2d(8), new ReLU());
    const z = block.forward(xLast);
    assert.ok(z.isContiguous('channelsLast'));
    const zExpected = values(referenceBlock.forward(x));
    values(z).forEach((v, i) => assert.ok(Math.abs(v - zExpected[i]!) < 1e-5, `block output ${i}: ${v} vs ${zExpected[i]}`));
    const [stats, referenceStats] = [block.at(1).stateDict(), referenceBlock.at(1).stateDict()];
    for (const k of ['running_mean', 'running_var']) values(stats[k]!).forEach((v, i) => assert.ok(Math.abs(v - values(referenceStats[k]!)[i]!) < 1e-6, `${k}[${i}]`));
  });
});
