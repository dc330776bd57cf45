// Update rules by name, built from a config's settings.
import { bilevel, type Update } from './bilevel.js';
import { implicit } from './implicit.js';
import { singleLevel } from './single-level.js';

export interface UpdateSettings {
  update: string;
  order: 1 | 2;
  stepOrder: 'arch-first' | 'weights-first';
  hessian: 'finite-difference' | 'exact';
  innerSteps: number;
  neumannK: number;
  idartsReferenceRestore: boolean;
  /** ROME's K (gradient accumulation over sub-models); 1 = off. */
  romeK?: number;
}

export const UPDATES: Record<string, (s: UpdateSettings) => Update> = {
  bilevel: (s) => bilevel({ order: s.order, stepOrder: s.stepOrder, hessian: s.hessian, subModels: s.romeK }),
  implicit: (s) => implicit({ innerSteps: s.innerSteps, neumannK: s.neumannK, hessian: s.hessian, referenceRestore: s.idartsReferenceRestore }),
  'single-level': () => singleLevel(),
};

/** Update rules that accumulate gradients over K sub-models (accumulate.ts); others would ignore --rome-k. */
export const ACCUMULATING_UPDATES: ReadonlySet<string> = new Set(['bilevel']);

export function createUpdate(s: UpdateSettings): Update {
  const make = UPDATES[s.update];
  if (!make) throw new Error(`--update: unknown update rule '${s.update}' (known: ${Object.keys(UPDATES).join(', ')})`);
  if ((s.romeK ?? 1) > 1 && !ACCUMULATING_UPDATES.has(s.update)) {
    throw new Error(`--rome-k: gradient accumulation over sub-models is implemented for --update ${[...ACCUMULATING_UPDATES].join(', ')}, not '${s.update}'; use --rome-k 1`);
  }
  return make(s);
}

export { accumulateSubModels, checkSubModels, type SubModelGradients } from './accumulate.js';
export { accumulatedArchStep, accumulatedWeightStep, bilevel, firstOrderArchStep, unrolledHypergradient, type BilevelOptions, type Update } from './bilevel.js';
export { hypergradientFrom, implicit, implicitHypergradient, neumannSeries, validationGradients, type ImplicitOptions } from './implicit.js';
export { exactMixedHvp, finiteDifferenceMixedHvp, weightHessian, weightHvp, type WeightHessian } from './hessian.js';
export { singleLevel } from './single-level.js';
export {
  applyArchGradients,
  applyWeightGradients,
  beginPhase,
  lossAndGradients,
  phaseWeights,
  supernetLoss,
  weightGradients,
  weightStep,
  NonFiniteLossError,
  type Batch,
  type Phase,
  type StepContext,
  type StepStats,
} from './common.js';
