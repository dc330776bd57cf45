// The optimizer base: parameter groups, per-parameter state in one Map, PyTorch-style state dicts
// (state keyed by the parameter's index across groups) so a resumed run continues exactly.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

/** Per-parameter state under torch.optim's names (momentum_buffer, exp_avg, exp_avg_sq, max_exp_avg_sq, step). */
export type ParamState = Record<string, Tensor | number>;

/** A group of parameters with its own hyperparameters; schedules mutate `lr`. */
export interface ParamGroup {
  params: Tensor[];
  lr: number;
  [hyperparameter: string]: unknown;
}

/** torch.optim's state_dict(): state by parameter index (counted across groups), groups with indices for params. */
export interface OptimizerStateDict {
  state: Record<string, ParamState>;
  paramGroups: (Record<string, unknown> & { params: number[] })[];
}

export abstract class Optimizer {
  readonly paramGroups: ParamGroup[] = [];
  readonly state = new Map<Tensor, ParamState>();
  protected readonly defaults: Record<string, unknown> & { lr: number };

  constructor(params: Tensor[] | (Partial<ParamGroup> & { params: Tensor[] })[], defaults: Record<string, unknown> & { lr: number }) {
    this.defaults = defaults;
    const groups = (params.length > 0 && !(params[0] instanceof torch.Tensor) ? params : [{ params }]) as Partial<ParamGroup>[];
    if (groups.every((g) => !g.params || g.params.length === 0)) throw new Error(`${this.constructor.name}: got an empty parameter list`);
    for (const g of groups) this.addParamGroup(g);
  }

  /** Adds a group (e.g. layers unfrozen later); unset hyperparameters take the optimizer's defaults. */
  addParamGroup(group: Partial<ParamGroup>): void {
    const params = [...(group.params ?? [])];
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    params.forEach((p, i) => {
      if (!(p instanceof torch.Tensor)) throw new TypeError(`${this.constructor.name}: parameter ${i} of group ${this.paramGroups.length} is not a Tensor`);
      if (p.gradFn !== null) throw new Error(`${this.constructor.name}: can't optimize a non-leaf tensor (parameter ${i} of group ${this.paramGroups.length} comes from '${p.gradFn}')`);
      if (seen.has(p)) throw new Error(`${this.constructor.name}: parameter ${i} of group ${this.paramGroups.length} appears in more than one parameter group`);
      seen.add(p);
    });
    this.paramGroups.push({ ...this.defaults, ...group, params } as ParamGroup);
  }

  /** Applies one update to every parameter that has a gradient; no graph, temporaries freed. */
  step(): void {
    torch.noGrad(() =>
      torch.tidy(() => {
        for (const group of this.paramGroups) {
          for (const p of group.params) {
            const grad = p.grad;
            if (grad === null) continue;
            let state = this.state.get(p);
            if (!state) {
              state = {};
              this.state.set(p, state);
            }
            this.update(p, grad, state, group);
          }
        }
      }),
    );
  }

  /** Updates one parameter in place (already under noGrad and tidy); new state tensors must be keep()'d. */
  protected abstract update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup): void;

  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (setToNone) {
          p.grad = null;
          continue;
        }
        const grad = p.grad;
        if (!grad) continue;
        torch.noGrad(() => grad.zero_());
        grad.dispose(); // the handle only; the gradient stays with the parameter
      }
    }
  }

  /** The state (tensors shared, not copied, as in PyTorch) and the hyperparameters by group. */
  stateDict(): OptimizerStateDict {
    const state: Record<string, ParamState> = {};
    const paramGroups: OptimizerStateDict['paramGroups'] = [];
    let index = 0;
    for (const g of this.paramGroups) {
      const { params, ...hyper } = g;
      const indices: number[] = [];
      for (const p of params) {
        const s = this.state.get(p);
        if (s) state[String(index)] = { ...s };
        indices.push(index++);
      }
      // Arrays (betas) are copied so that a saved state does not change with the optimizer.
      const copy = Object.fromEntries(Object.entries(hyper).map(([k, v]) => [k, Array.isArray(v) ? [...v] : v]));
      paramGroups.push({ ...copy, params: indices });
    }
    return { state, paramGroups };
  }

  /**
   * Restores a state from stateDict() (of an optimizer over the same parameter layout): the
   * hyperparameters of each group (lr included) and copies of the state tensors, cast to each
   * parameter's dtype and device as PyTorch does.
   */
  loadStateDict(sd: OptimizerStateDict): void {
    if (sd.paramGroups.length !== this.paramGroups.length) throw new Error(`loadStateDict: the state has ${sd.paramGroups.length} parameter groups, the optimizer ${this.paramGroups.length}`);
    const all = this.paramGroups.flatMap((g) => g.params);
    sd.paramGroups.forEach((saved, i) => {
      const n = saved.params.length;
      if (n !== this.paramGroups[i]!.params.length) throw new Error(`loadStateDict: parameter group ${i} has ${n} parameters in the state, ${this.paramGroups[i]!.params.length} in the optimizer`);
    });
    const restored = new Map<Tensor, ParamState>();
    for (const [index, s] of Object.entries(sd.state)) {
      const p = all[Number(index)];
      if (!p) throw new Error(`loadStateDict: state for parameter ${index}, but the optimizer has ${all.length}`);
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s)) {
        if (typeof v === 'number') copy[k] = v;
        else if (k === 'step') copy[k] = v.item(); // PyTorch ≥ 1.12 keeps step as a 0-dim tensor
        else {
          if (v.shape.length !== p.shape.length || v.shape.some((d, j) => d !== p.shape[j])) {
            throw new Error(`loadStateDict: state '${k}' of parameter ${index} has shape [${v.shape.join(', ')}], the parameter [${p.shape.join(', ')}]`);
          }
          const floating = v.dtype === 'float32' || v.dtype === 'float64' || v.dtype === 'float16' || v.dtype === 'bfloat16';
          copy[k] = torch.keep(torch.noGrad(() => torch.tidy(() => v.to({ device: p.device, dtype: floating ? p.dtype : v.dtype }).clone())));
        }
      }
      restored.set(p, copy);
    }
    sd.paramGroups.forEach((saved, i) => {
      const group = this.paramGroups[i]!;
      for (const [k, v] of Object.entries(saved)) if (k !== 'params') group[k] = Array.isArray(v) ? [...v] : v;
    });
    // Replaced state tensors are left to the GC (keep() made them collectable): a stateDict() taken
    // earlier may still share them.
    this.state.clear();
    for (const [p, s] of restored) this.state.set(p, s);
  }
}
