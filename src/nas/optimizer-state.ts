// Splits an optimizer's state dict into tensors (for the checkpoint's safetensors) and plain JSON,
// and puts it back together: PyTorch-style state dicts mix both.
import type * as optim from '../optim/index.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

interface OptimizerStateDict {
  state: Record<string, Record<string, Tensor | number>>;
  paramGroups: unknown[];
}

interface OptimizerMeta {
  scalars: Record<string, Record<string, number>>;
  paramGroups: unknown[];
}

export function optimizerToTensors(opt: optim.Optimizer): { tensors: Record<string, Tensor>; meta: OptimizerMeta } {
  const sd = opt.stateDict() as unknown as OptimizerStateDict;
  const tensors: Record<string, Tensor> = {};
  const scalars: Record<string, Record<string, number>> = {};
  for (const [index, entry] of Object.entries(sd.state)) {
    for (const [key, value] of Object.entries(entry)) {
      if (value instanceof torch.Tensor) tensors[`${index}.${key}`] = value;
      else (scalars[index] ??= {})[key] = value;
    }
  }
  return { tensors, meta: { scalars, paramGroups: sd.paramGroups } };
}

export function optimizerFromTensors(opt: optim.Optimizer, meta: unknown, tensors: Record<string, Tensor>): void {
  const m = meta as OptimizerMeta;
  const state: Record<string, Record<string, Tensor | number>> = {};
  for (const [index, entry] of Object.entries(m.scalars ?? {})) state[index] = { ...entry };
  for (const [name, t] of Object.entries(tensors)) {
    const dot = name.indexOf('.');
    const index = name.slice(0, dot);
    (state[index] ??= {})[name.slice(dot + 1)] = t;
  }
  opt.loadStateDict({ state, paramGroups: m.paramGroups } as never);
}
