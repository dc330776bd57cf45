// Collapse diagnostics and early-stop rules (issue 11): what the search loop measures each epoch.
export { PARAMETER_FREE_OPS, judgedCellOps, countParameterFreeOps, countSkipConnects, edgeEntropy, edgeMargin } from './cell-stats.js';
export { dominantEigenvalue, withHessianVectorProduct, POWER_ITERATION_DEFAULTS, type HessianVectorProduct, type PowerIterationOptions, type DominantEigenvalue } from './hessian-eigen.js';
export { collapseDiagnostics, archHessianEigenvalue, type CollapseDiagnostics, type DiagnosticsInput, type HessianContext } from './collapse.js';
export {
  checkEarlyStop, earliestEarlyStop, EARLY_STOP_RULES, EARLY_STOP_DEFAULTS,
  type EarlyStopRule, type EarlyStopOptions, type EarlyStopResult, type EpochMeasurement,
} from './early-stop.js';
