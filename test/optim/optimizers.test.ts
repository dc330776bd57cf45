import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { Adam, AdamW, CosineAnnealingLR, type Optimizer, optimizerStateFromTensors, optimizerStateToTensors, SGD } from '../../src/optim/index.js';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import { assertClose, backwardLoss, fixture, flat, makeParams, type Trajectory } from './problem.js';

const TOL = 1e-10;

function makeOptimizer(t: Trajectory, params: Tensor[]): Optimizer {
  const groups = t.groups ? t.groups.map((g, i) => ({ params: [params[i]!], ...g })) : params;
  const o = t.options as never;
  switch (t.kind) {
    case 'SGD': return new SGD(groups, o);
    case 'Adam': return new Adam(groups, o);
    case 'AdamW': return new AdamW(groups, o);
  }
}

/** One training step as the generator takes it: zero, backward, step (then the schedule, if any). */
function step(opt: Optimizer, params: Tensor[], sched?: CosineAnnealingLR): number {
  opt.zeroGrad();
  const loss = backwardLoss(params);
  opt.step();
  sched?.step();
  return loss;
}

const dir = mkdtempSync(join(tmpdir(), 'dnas-optim-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('optimizers reproduce torch.optim trajectories (float64)', () => {
  for (const [name, t] of Object.entries(fixture.optimizers)) {
    test(`${name}MatchesPyTorch`, () => {
      const params = makeParams();
      const opt = makeOptimizer(t, params);
      const sched = t.scheduler ? new CosineAnnealingLR(opt, { tMax: t.scheduler.tMax, etaMin: t.scheduler.etaMin }) : undefined;
      for (let k = 0; k < fixture.problem.steps; k++) {
        assertClose(opt.paramGroups.map((g) => g.lr), t.lrs[k]!, TOL, `${name} step ${k} lr`);
        const loss = step(opt, params, sched);
        assertClose([loss], [t.losses[k]!], TOL, `${name} step ${k} loss`);
        flat(params).forEach((p, i) => assertClose(p, t.trajectory[k]![i]!, TOL, `${name} step ${k} param ${i}`));
      }
    });
  }
});

describe('optimizer state dicts', () => {
  test('stateDictUsesPyTorchStateNamesAndParameterIndices', () => {
    const params = makeParams();
    const sgd = new SGD([{ params: [params[0]!] }, { params: [params[1]!], lr: 0.01 }], { lr: 0.05, momentum: 0.9 });
    step(sgd, params);
    const sd = sgd.stateDict();
    assert.deepEqual(Object.keys(sd.state), ['0', '1']);
    assert.deepEqual(Object.keys(sd.state['0']!), ['momentum_buffer']);
    assert.deepEqual(sd.paramGroups.map((g) => g.params), [[0], [1]]);
    assert.deepEqual(sd.paramGroups.map((g) => g.lr), [0.05, 0.01]);

    const adam = new Adam(params, { amsgrad: true });
    step(adam, params);
    assert.deepEqual(Object.keys(adam.stateDict().state['1']!).sort(), ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step']);
    assert.equal(adam.stateDict().state['1']!.step, 1);
  });

  // Run `split` steps, hand the state to a fresh optimizer over copies of the parameters, and check
  // that both continue bit-identically and along PyTorch's trajectory.
  for (const [name, via] of [
    ['sgd_nesterov', 'stateDict'],
    ['adam_amsgrad', 'stateDict'],
    ['adamw_weight_decay', 'safetensors'],
    ['sgd_momentum_cosine', 'safetensors'],
    ['sgd_two_groups', 'safetensors'],
  ] as const) {
    test(`${name}ResumedThrough${via === 'stateDict' ? 'LoadStateDict' : 'SafetensorsFile'}ContinuesIdentically`, () => {
      const t = fixture.optimizers[name]!;
      const split = 3;
      const params = makeParams();
      const opt = makeOptimizer(t, params);
      const sched = t.scheduler ? new CosineAnnealingLR(opt, { tMax: t.scheduler.tMax, etaMin: t.scheduler.etaMin }) : undefined;
      for (let k = 0; k < split; k++) step(opt, params, sched);

      const resumedParams = params.map((p) => torch.keep(torch.noGrad(() => p.detach().clone()).requiresGrad_(true)));
      const resumed = makeOptimizer(t, resumedParams);
      const resumedSched = t.scheduler ? new CosineAnnealingLR(resumed, { tMax: t.scheduler.tMax, etaMin: t.scheduler.etaMin }) : undefined;
      if (via === 'stateDict') {
        resumed.loadStateDict(opt.stateDict());
      } else {
        // One checkpoint file: tensors under a prefix beside other entries, the rest as JSON metadata.
        const { tensors, meta } = optimizerStateToTensors(opt.stateDict(), 'optimizer.');
        const file = join(dir, `${name}.safetensors`);
        const weights = { 'net.p1': params[0]!, 'net.p2': params[1]! };
        torch.save(file, { ...weights, ...tensors }, { optimizer: JSON.stringify(meta), scheduler: JSON.stringify(sched?.stateDict() ?? null) });
        const loaded = torch.loadFile(file);
        resumed.loadStateDict(optimizerStateFromTensors(loaded.tensors, JSON.parse(loaded.metadata.optimizer!), 'optimizer.'));
        const schedState = JSON.parse(loaded.metadata.scheduler!);
        if (schedState) resumedSched!.loadStateDict(schedState);
      }

      for (let k = split; k < fixture.problem.steps; k++) {
        step(opt, params, sched);
        step(resumed, resumedParams, resumedSched);
        const [a, b] = [flat(params), flat(resumedParams)];
        assert.deepEqual(b, a, `step ${k}: the resumed optimizer diverged from the uninterrupted one`);
        b.forEach((p, i) => assertClose(p, t.trajectory[k]![i]!, TOL, `${name} resumed step ${k} param ${i}`));
      }
    });
  }

  test('loadStateDictRejectsAStateFromADifferentParameterLayout', () => {
    const params = makeParams();
    const one = new SGD([params[0]!, params[1]!], { lr: 0.1, momentum: 0.9 });
    const two = new SGD([{ params: [params[0]!] }, { params: [params[1]!] }], { lr: 0.1, momentum: 0.9 });
    assert.throws(() => two.loadStateDict(one.stateDict()), /1 parameter groups, the optimizer 2/);
    const single = new SGD([params[0]!], { lr: 0.1 });
    assert.throws(() => single.loadStateDict(one.stateDict()), /group 0 has 2 parameters in the state, 1 in the optimizer/);
  });

  test('splitStateKeepsPyTorchNamesAndJsonOnlyForPlainValues', () => {
    const params = makeParams();
    const adam = new Adam([{ params: [params[0]!] }, { params: [params[1]!], lr: 0.01 }], { amsgrad: true });
    step(adam, params);
    const { tensors, meta } = optimizerStateToTensors(adam.stateDict(), 'opt.');
    assert.deepEqual(Object.keys(tensors).sort(), ['opt.0.exp_avg', 'opt.0.exp_avg_sq', 'opt.0.max_exp_avg_sq', 'opt.1.exp_avg', 'opt.1.exp_avg_sq', 'opt.1.max_exp_avg_sq']);
    assert.deepEqual(meta.scalars, { '0': { step: 1 }, '1': { step: 1 } });
    assert.deepEqual(JSON.parse(JSON.stringify(meta)), meta, 'the metadata survives JSON');
    const back = optimizerStateFromTensors({ ...tensors, 'net.weight': params[0]! }, meta, 'opt.');
    assert.deepEqual(Object.keys(back.state['1']!).sort(), ['exp_avg', 'exp_avg_sq', 'max_exp_avg_sq', 'step']);
    assert.deepEqual(back.paramGroups.map((g) => g.lr), [1e-3, 0.01]);
    assert.throws(() => optimizerStateFromTensors({ 'opt.x.exp_avg': params[0]! }, meta, 'opt.'), /'opt.x.exp_avg' is not named 'opt.<index>.<key>'/);
  });

  test('loadStateDictRejectsStateOfAnotherShape', () => {
    const params = makeParams();
    const sgd = new SGD(params, { lr: 0.1, momentum: 0.9 });
    step(sgd, params);
    const swapped = new SGD([params[1]!, params[0]!], { lr: 0.1, momentum: 0.9 });
    assert.throws(() => swapped.loadStateDict(sgd.stateDict()), /state 'momentum_buffer' of parameter 0 has shape \[2, 3\], the parameter \[3\]/);
  });

  test('loadStateDictCopiesTheStateAndRestoresHyperparameters', () => {
    const params = makeParams();
    const adam = new Adam(params, { lr: 0.1, betas: [0.8, 0.9] });
    step(adam, params);
    const other = new Adam(params, { lr: 0.5 });
    other.loadStateDict(adam.stateDict());
    assert.equal(other.paramGroups[0]!.lr, 0.1);
    assert.deepEqual(other.paramGroups[0]!.betas, [0.8, 0.9]);
    assert.notEqual(other.state.get(params[0]!)!.exp_avg, adam.state.get(params[0]!)!.exp_avg, 'a copy, not the same tensor');
    assert.deepEqual(flat([other.state.get(params[0]!)!.exp_avg as Tensor]), flat([adam.state.get(params[0]!)!.exp_avg as Tensor]));
  });

  test('zeroGradClearsOrZeroesGradients', () => {
    const params = makeParams();
    const opt = new SGD(params, { lr: 0.1 });
    backwardLoss(params);
    opt.zeroGrad(false);
    for (const p of params) assert.ok((p.grad!.data() as Float64Array).every((v) => v === 0));
    opt.zeroGrad();
    for (const p of params) assert.equal(p.grad, null);
  });
});

describe('optimizer construction and memory', () => {
  test('duplicateOrNonLeafParametersAreRejected', () => {
    const [p1, p2] = makeParams();
    assert.throws(() => new SGD([{ params: [p1!] }, { params: [p1!, p2!] }], { lr: 0.1 }), /parameter 0 of group 1 appears in more than one parameter group/);
    const derived = p1!.mul(2);
    assert.throws(() => new Adam([derived]), /can't optimize a non-leaf tensor/);
    assert.throws(() => new SGD([], { lr: 0.1 }), /empty parameter list/);
    assert.throws(() => new SGD([p1!], { lr: 0.1, nesterov: true }), /Nesterov momentum requires a momentum/);
    assert.throws(() => new Adam([p1!], { betas: [0.9, 1] }), /betas must be two values in \[0, 1\)/);
  });

  test('groupsTakeTheDefaultsTheyDoNotSet', () => {
    const [p1, p2] = makeParams();
    const adamw = new AdamW([{ params: [p1!], weightDecay: 0 }], { lr: 0.01 });
    adamw.addParamGroup({ params: [p2!], lr: 0.5 });
    assert.deepEqual(adamw.paramGroups.map((g) => [g.lr, g.weightDecay, g.betas]), [[0.01, 0, [0.9, 0.999]], [0.5, 1e-2, [0.9, 0.999]]]);
    assert.throws(() => adamw.addParamGroup({ params: [p1!] }), /appears in more than one parameter group/);
  });

  for (const [name, make] of [
    ['sgdNesterov', (ps: Tensor[]) => new SGD(ps, { lr: 0.01, momentum: 0.9, nesterov: true, weightDecay: 1e-3 })],
    ['adamAmsgrad', (ps: Tensor[]) => new Adam(ps, { lr: 0.01, amsgrad: true, weightDecay: 1e-3 })],
    ['adamw', (ps: Tensor[]) => new AdamW(ps, { lr: 0.01 })],
  ] as const) {
    test(`${name}StepsKeepLiveTensorsFlat`, () => {
      const params = makeParams();
      const opt = make(params);
      step(opt, params); // creates the state
      const before = torch.memory();
      for (let k = 0; k < 5; k++) step(opt, params);
      assert.deepEqual(torch.memory(), before);
    });
  }
});
