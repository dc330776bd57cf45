// Per-epoch measurements of a logged run, as the collapse diagnostics define them: taken from the
// epoch event's `diagnostics` when the search logged them, otherwise computed from the logged arch
// weights and genotype (everything but the Hessian eigenvalue, which needs the supernet).
import { countParameterFreeOps, countSkipConnects, edgeEntropy, edgeMargin } from '../nas/diagnostics/cell-stats.js';
import { earliestEarlyStop, type EarlyStopOptions, type EarlyStopResult, type EpochMeasurement } from '../nas/diagnostics/early-stop.js';
import type { EpochEvent, RunLog } from './run-log.js';

export interface EpochDiagnostics extends EpochMeasurement {
  paramFreeOps: number;
  skipConnects: number;
  /** Per cell type, per edge (α row order): entropy of the op weights. */
  entropy: Record<string, number[]>;
  /** Mean over the edges of each cell type. */
  meanEntropy: Record<string, number>;
  meanMargin: Record<string, number>;
}

const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);

function perEdge(logged: Record<string, number[]> | undefined, weights: Record<string, number[][]>, f: (rows: number[][]) => number[]): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [cell, rows] of Object.entries(weights)) out[cell] = logged?.[cell] ?? f(rows);
  return out;
}

const means = (perCell: Record<string, number[]>) => Object.fromEntries(Object.entries(perCell).map(([cell, xs]) => [cell, mean(xs)]));

export function epochDiagnostics(e: EpochEvent): EpochDiagnostics {
  const d = e.diagnostics ?? {};
  const eig = d.hessianEigenvalue;
  const entropy = perEdge(d.edgeEntropy, e.archWeights, edgeEntropy);
  return {
    epoch: e.epoch,
    paramFreeOps: d.paramFreeOps ?? countParameterFreeOps(e.genotypeJSON),
    skipConnects: d.skipConnects ?? countSkipConnects(e.genotypeJSON),
    ...(typeof eig === 'number' ? { hessianEigenvalue: eig } : {}),
    entropy,
    meanEntropy: means(entropy),
    meanMargin: means(perEdge(d.edgeMargin, e.archWeights, edgeMargin)),
  };
}

export function runDiagnostics(run: RunLog): EpochDiagnostics[] {
  return run.epochs.map(epochDiagnostics);
}

/** For each rule, where it first fired on the logged history, or its verdict at the last epoch. */
export function earlyStopVerdicts(history: readonly EpochMeasurement[], rules: readonly string[], options: EarlyStopOptions = {}): EarlyStopResult[] {
  return rules.map((rule) => earliestEarlyStop(rule, history, options));
}
