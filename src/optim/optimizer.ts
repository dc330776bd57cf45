// The optimizer base: parameter groups, per-parameter state in one Map, PyTorch-style state dicts
// (state keyed by the parameter's index across groups) so a resumed run continues exactly.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

export type ParamState = Record<string, Tensor | number>;

export interface ParamGroup {
  params: Tensor[];
  lr: number;
  [hyperparameter: string]: unknown;
}

export interface OptimizerStateDict {
  state: Record<string, ParamState>;
  paramGroups: Record<string, unknown>[];
}

export abstract class Optimizer {
  readonly paramGroups: ParamGroup[];
  readonly state = new Map<Tensor, ParamState>();

  constructor(params: Tensor[] | Partial<ParamGroup>[], defaults: Record<string, unknown> & { lr: number }) {
    const groups = (params.length > 0 && !(params[0] instanceof torch.Tensor) ? params : [{ params }]) as Partial<ParamGroup>[];
    if (groups.length === 0 || groups.every((g) => !g.params || g.params.length === 0)) throw new Error(`${this.constructor.name}: got an empty parameter list`);
    this.paramGroups = groups.map((g) => ({ ...defaults, ...g, params: [...(g.params ?? [])] }) as ParamGroup);
  }

  /** Applies one update to every parameter that has a gradient. */
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

  /** Updates one parameter in place; new state tensors must be keep()'d. */
  protected abstract update(p: Tensor, grad: Tensor, state: ParamState, group: ParamGroup): void;

  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (setToNone) p.grad = null;
        else {
          const grad = p.grad;
          if (grad) torch.noGrad(() => grad.zero_());
          grad?.dispose();
        }
      }
    }
  }

  stateDict(): OptimizerStateDict {
    const state: Record<string, ParamState> = {};
    const paramGroups: Record<string, unknown>[] = [];
    let index = 0;
    for (const g of this.paramGroups) {
      const { params, ...hyper } = g;
      const indices: number[] = [];
      for (const p of params) {
        const s = this.state.get(p);
        if (s) state[String(index)] = { ...s };
        indices.push(index++);
      }
      paramGroups.push({ ...hyper, params: indices });
    }
    return { state, paramGroups };
  }

  loadStateDict(sd: OptimizerStateDict): void {
    if (sd.paramGroups.length !== this.paramGroups.length) throw new Error(`loadStateDict: the state has ${sd.paramGroups.length} parameter groups, the optimizer ${this.paramGroups.length}`);
    const all = this.paramGroups.flatMap((g) => g.params);
    sd.paramGroups.forEach((saved, i) => {
      const group = this.paramGroups[i]!;
      const n = (saved.params as number[]).length;
      if (n !== group.params.length) throw new Error(`loadStateDict: parameter group ${i} has ${n} parameters in the state, ${group.params.length} in the optimizer`);
      for (const [k, v] of Object.entries(saved)) if (k !== 'params') (group as Record<string, unknown>)[k] = v;
    });
    this.state.clear();
    for (const [index, s] of Object.entries(sd.state)) {
      const p = all[Number(index)];
      if (!p) throw new Error(`loadStateDict: state for parameter ${index}, but the optimizer has ${all.length}`);
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(s)) copy[k] = typeof v === 'number' ? v : torch.keep(torch.noGrad(() => v.to({ device: p.device, dtype: v.dtype }).clone()));
      this.state.set(p, copy);
    }
  }
}
