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
}

export const UPDATES: Record<string, (s: UpdateSettings) => Update> = {
  bilevel: (s) => bilevel({ order: s.order, stepOrder: s.stepOrder, hessian: s.hessian }),
  implicit: (s) => implicit({ innerSteps: s.innerSteps, neumannK: s.neumannK, hessian: s.hessian, referenceRestore: s.idartsReferenceRestore }),
  'single-level': () => singleLevel(),
};

export function createUpdate(s: UpdateSettings): Update {
  const make = UPDATES[s.update];
  if (!make) throw new Error(`--update: unknown update rule '${s.update}' (known: ${Object.keys(UPDATES).join(', ')})`);
  return make(s);
}

export { bilevel, firstOrderArchStep, unrolledHypergradient, type BilevelOptions, type Update } from './bilevel.js';
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
