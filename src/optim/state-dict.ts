// An optimizer state dict mixes tensors (momentum buffers, moments) with plain values (step counts,
// hyperparameters). safetensors holds tensors plus string metadata, so the state is split into
// both for torch.save and joined again after torch.load.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import type { OptimizerStateDict, ParamState } from './optimizer.js';

/** The JSON part of a split optimizer state: per-parameter numbers and the parameter groups. */
export interface OptimizerStateMeta {
  scalars: Record<string, Record<string, number>>;
  paramGroups: OptimizerStateDict['paramGroups'];
}

/**
 * Splits `sd` into tensors named `${prefix}${index}.${key}` (e.g. 'optimizer.3.exp_avg') and
 * JSON-safe metadata. With a prefix, model weights and optimizer state can share one file:
 * `torch.save(f, { ...net.stateDict(), ...tensors }, { optimizer: JSON.stringify(meta) })`.
 */
export function optimizerStateToTensors(sd: OptimizerStateDict, prefix = ''): { tensors: Record<string, Tensor>; meta: OptimizerStateMeta } {
  const tensors: Record<string, Tensor> = {};
  const scalars: OptimizerStateMeta['scalars'] = {};
  for (const [index, entry] of Object.entries(sd.state)) {
    for (const [key, value] of Object.entries(entry)) {
      if (value instanceof torch.Tensor) tensors[`${prefix}${index}.${key}`] = value;
      else if (typeof value === 'number') (scalars[index] ??= {})[key] = value;
      else throw new TypeError(`optimizerStateToTensors: state '${key}' of parameter ${index} is neither a tensor nor a number`);
    }
  }
  for (const [i, g] of sd.paramGroups.entries()) {
    for (const [k, v] of Object.entries(g)) {
      // JSON would silently turn these into null, and the resumed run would differ.
      if (typeof v === 'number' && !Number.isFinite(v)) throw new Error(`optimizerStateToTensors: hyperparameter '${k}' of group ${i} is ${v}, which JSON cannot hold`);
      if (typeof v === 'function' || v instanceof torch.Tensor) throw new Error(`optimizerStateToTensors: hyperparameter '${k}' of group ${i} is not a plain value`);
    }
  }
  return { tensors, meta: { scalars, paramGroups: sd.paramGroups.map((g) => structuredClone(g)) } };
}

/**
 * Joins tensors and metadata from optimizerStateToTensors back into a state dict for
 * Optimizer.loadStateDict. Tensors not starting with `prefix` are ignored, so a whole checkpoint
 * file can be passed.
 */
export function optimizerStateFromTensors(tensors: Record<string, Tensor>, meta: OptimizerStateMeta, prefix = ''): OptimizerStateDict {
  if (!meta || !Array.isArray(meta.paramGroups)) throw new Error('optimizerStateFromTensors: the metadata has no paramGroups; was it written by optimizerStateToTensors?');
  const state: Record<string, ParamState> = {};
  for (const [index, entry] of Object.entries(meta.scalars ?? {})) state[index] = { ...entry };
  for (const [name, t] of Object.entries(tensors)) {
    if (!name.startsWith(prefix)) continue;
    const rest = name.slice(prefix.length);
    const dot = rest.indexOf('.');
    const index = rest.slice(0, dot);
    if (dot <= 0 || !/^\d+$/.test(index)) throw new Error(`optimizerStateFromTensors: tensor '${name}' is not named '${prefix}<index>.<key>'`);
    (state[index] ??= {})[rest.slice(dot + 1)] = t;
  }
  return { state, paramGroups: meta.paramGroups.map((g) => structuredClone(g)) };
}
