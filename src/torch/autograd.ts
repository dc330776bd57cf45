// Autograd entry points beyond Tensor.backward: functional gradients and grad-mode control.
import { native } from './native.js';
import { callRaw, handleOf, optionalHandle, Tensor } from './tensor.js';

export interface GradOptions {
  gradOutputs?: (Tensor | null)[] | null;
  retainGraph?: boolean;
  /** Record the gradient computation so it can be differentiated again (Hessian-vector products). */
  createGraph?: boolean;
  /** Return null for inputs the outputs do not depend on instead of throwing. */
  allowUnused?: boolean;
}

/** Gradients of `outputs` with respect to `inputs`, like torch.autograd.grad. */
export function grad(outputs: Tensor | Tensor[], inputs: Tensor | Tensor[], o: GradOptions = {}): (Tensor | null)[] {
  const outs = Array.isArray(outputs) ? outputs : [outputs];
  const ins = Array.isArray(inputs) ? inputs : [inputs];
  const gos = o.gradOutputs ? o.gradOutputs.map((g) => optionalHandle(g)) : null;
  const createGraph = o.createGraph ?? false;
  const hs = callRaw('autograd.grad', () =>
    native.grad(outs.map((t) => handleOf(t)), ins.map((t) => handleOf(t)), gos, o.retainGraph ?? createGraph, createGraph, o.allowUnused ?? false),
  );
  return hs.map((h) => (h === null ? null : new Tensor(h)));
}

export function isGradEnabled(): boolean {
  return native.isGradEnabled();
}

/** Runs `fn` with a process-wide autograd switch set to `on`, restoring it after. */
function withSwitch<T>(get: () => boolean, set: (on: boolean) => void, on: boolean, fn: () => T): T {
  const prev = get();
  set(on);
  try {
    return fn();
  } finally {
    set(prev);
  }
}

function withGradMode<T>(on: boolean, fn: () => T): T {
  return withSwitch(native.isGradEnabled, native.setGradEnabled, on, fn);
}

/** Runs `fn` without recording an autograd graph. */
export function noGrad<T>(fn: () => T): T {
  return withGradMode(false, fn);
}
/** Runs `fn` with graph recording on, even inside noGrad. */
export function enableGrad<T>(fn: () => T): T {
  return withGradMode(true, fn);
}
export function setGradEnabled(on: boolean): void {
  native.setGradEnabled(on);
}

/**
 * Runs `fn` (a forward whose graph will be differentiated twice, through a createGraph gradient)
 * so that every op keeps what an exact second derivative needs. Outside it, batch norm without
 * affine parameters keeps its output instead of its input for backward, one activation less; a
 * createGraph gradient through such a batch norm throws, naming this function.
 */
export function forSecondOrder<T>(fn: () => T): T {
  return withSwitch(native.isSecondOrderForward, native.setSecondOrderForward, true, fn);
}
