import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { optimizerFromTensors, optimizerToTensors } from '../../src/nas/optimizer-state.js';
import { Adam, AdamW, CosineAnnealingLR, type Optimizer, SGD } from '../../src/optim/index.js';
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
        const { tensors, meta } = optimizerToTensors(opt);
        const file = join(dir, `${name}.safetensors`);
        torch.save(file, tensors, { meta: JSON.stringify(meta), scheduler: JSON.stringify(sched?.stateDict() ?? null) });
        const loaded = torch.loadFile(file);
        optimizerFromTensors(resumed, JSON.parse(loaded.metadata.meta!), loaded.tensors);
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
