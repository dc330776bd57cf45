// Collapse diagnostics and early-stop rules (issue 11): what the search loop measures each epoch.
//
// In the search loop, after an epoch's genotype is derived:
//
//   const diagnostics = collapseDiagnostics({
//     archWeights,                                                         // as the epoch event logs it: { [cell]: ops rows }
//     genotypeJSON,                                                        // as the epoch event logs it
//     // Only on epochs where the eigenvalue is wanted (RobustDARTS measured every 2nd epoch):
//     hessian: { ctx: { ...parts, progress }, batches: fixedValidBatches },   // parts: SearchParts (build.ts)
//   });
//   history.push({ epoch, ...diagnostics });                               // keep in the checkpoint state for --resume
//   const stop = rule ? checkEarlyStop(rule, history, earlyStopOptions) : null;
//   io.onEvent({ type: 'epoch', …, diagnostics, ...(stop?.fired ? { earlyStop: { rule: stop.rule, epoch, reason: stop.reason } } : {}) });
//   if (stop?.fired) break;  // RobustDARTS keeps the genotype of stop.rollbackEpoch; DARTS+ the current one
//
// The eigenvalue pass leaves weights, α, BN statistics and torch's random stream as they were.
export { PARAMETER_FREE_OPS, judgedCellOps, countParameterFreeOps, countSkipConnects, edgeEntropy, edgeMargin } from './cell-stats.js';
export { dominantEigenvalue, withHessianVectorProduct, POWER_ITERATION_DEFAULTS, type HessianVectorProduct, type PowerIterationOptions, type DominantEigenvalue } from './hessian-eigen.js';
export { collapseDiagnostics, archHessianEigenvalue, type CollapseDiagnostics, type DiagnosticsInput, type HessianContext } from './collapse.js';
export {
  checkEarlyStop, earliestEarlyStop, EARLY_STOP_RULES, EARLY_STOP_DEFAULTS,
  type EarlyStopRule, type EarlyStopOptions, type EarlyStopResult, type EpochMeasurement,
} from './early-stop.js';
