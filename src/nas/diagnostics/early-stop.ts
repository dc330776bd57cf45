// Early-stop rules against the DARTS collapse, as pure functions of the per-epoch measurements so far:
// the search loop asks after each epoch whether to stop, and a report asks the same of a logged run
// to show where a rule fired or would have fired.
//
// - skip2 (DARTS+, Liang et al. 2019, criterion 1): stop once the derived normal cell holds two or more
//   skip_connect ops.
// - eigen (RobustDARTS' DARTS-ES, Zela et al. 2020; automl/RobustDARTS src/utils.py EVLocalAvg): the
//   dominant Hessian eigenvalue is smoothed by a centred mean over `window` measurements; stop when the
//   mean at the newest centre exceeds `threshold` × the mean `delta` measurements earlier, counting
//   only once that earlier centre lies at or after `startEpoch`. The reference then returns the
//   architecture of that earlier epoch (`rollbackEpoch` here).

/** What a rule reads from one epoch; extra keys (the whole diagnostics object) are welcome. */
export interface EpochMeasurement {
  epoch: number;
  /** skip_connect ops in the derived normal cell (NAS-Bench-201: in the cell). */
  skipConnects?: number;
  /** Dominant eigenvalue of the validation-loss Hessian w.r.t. α; absent on epochs not measured. */
  hessianEigenvalue?: number;
}

export const EARLY_STOP_RULES = ['skip2', 'eigen'] as const;
export type EarlyStopRule = (typeof EARLY_STOP_RULES)[number];

export interface EarlyStopOptions {
  /** skip2: skip_connect ops in the normal cell that stop the search (DARTS+: 2). */
  skipLimit?: number;
  /** eigen: measurements in the centred local mean (RobustDARTS --window 5). */
  window?: number;
  /** eigen: how many measurements back the compared mean lies (RobustDARTS --delta 4). */
  delta?: number;
  /** eigen: ratio of the two means that stops the search (RobustDARTS --factor 1.3). */
  threshold?: number;
  /** eigen: the earlier mean must be centred at this epoch or later (RobustDARTS --es_start_epoch 10). */
  startEpoch?: number;
}

export const EARLY_STOP_DEFAULTS: Required<EarlyStopOptions> = Object.freeze({ skipLimit: 2, window: 5, delta: 4, threshold: 1.3, startEpoch: 10 });

export interface EarlyStopResult {
  fired: boolean;
  rule: EarlyStopRule;
  /** The epoch the rule was evaluated at (the last one of the history). */
  epoch: number;
  /** One line for logs and reports: the numbers that decided. */
  reason: string;
  /** eigen only: the epoch whose architecture RobustDARTS keeps when it stops. */
  rollbackEpoch?: number;
}

function assertRule(rule: string): asserts rule is EarlyStopRule {
  if (!(EARLY_STOP_RULES as readonly string[]).includes(rule)) throw new Error(`unknown early-stop rule '${rule}' (known: ${EARLY_STOP_RULES.join(', ')})`);
}

function resolveOptions(o: EarlyStopOptions): Required<EarlyStopOptions> {
  const r = { ...EARLY_STOP_DEFAULTS, ...o };
  for (const key of ['skipLimit', 'window', 'delta'] as const) {
    if (!Number.isInteger(r[key]) || r[key] < 1) throw new Error(`early stop: ${key} must be a positive integer, got ${String(r[key])} (default ${EARLY_STOP_DEFAULTS[key]})`);
  }
  if (!(r.threshold > 0)) throw new Error(`early stop: threshold must be > 0, got ${String(r.threshold)} (default ${EARLY_STOP_DEFAULTS.threshold})`);
  if (!Number.isFinite(r.startEpoch)) throw new Error(`early stop: startEpoch must be a number, got ${String(r.startEpoch)} (default ${EARLY_STOP_DEFAULTS.startEpoch})`);
  return r;
}

const fmt = (x: number) => Number(x.toPrecision(4)).toString();

function skip2(history: readonly EpochMeasurement[], o: Required<EarlyStopOptions>, epoch: number): EarlyStopResult {
  const skips = history[history.length - 1]?.skipConnects;
  if (typeof skips !== 'number') return { fired: false, rule: 'skip2', epoch, reason: `no skip_connect count measured at epoch ${epoch}` };
  const fired = skips >= o.skipLimit;
  return { fired, rule: 'skip2', epoch, reason: `normal cell holds ${skips} skip_connect at epoch ${epoch} (DARTS+ stops at ≥ ${o.skipLimit})` };
}

function eigen(history: readonly EpochMeasurement[], o: Required<EarlyStopOptions>, epoch: number): EarlyStopResult {
  const last = history[history.length - 1];
  const notYet = (why: string): EarlyStopResult => ({ fired: false, rule: 'eigen', epoch, reason: why });
  if (typeof last?.hessianEigenvalue !== 'number') return notYet(`no Hessian eigenvalue measured at epoch ${epoch}`);
  const measured = history.filter((m) => typeof m.hessianEigenvalue === 'number' && Number.isFinite(m.hessianEigenvalue));
  const ev = measured.map((m) => m.hessianEigenvalue as number);
  const half = Math.floor(o.window / 2);
  // The newest centre whose window is complete on the right; at the start the window is clipped on the left.
  const centre = ev.length - 1 - half;
  const earlier = centre - o.delta;
  if (earlier < 0) return notYet(`${ev.length} eigenvalue(s) measured by epoch ${epoch}; the rule needs ${o.delta + half + 1} (window ${o.window}, delta ${o.delta})`);
  const localMean = (k: number) => {
    const part = ev.slice(Math.max(0, k - half), k + half + 1);
    return part.reduce((a, b) => a + b, 0) / part.length;
  };
  const earlierEpoch = (measured[earlier] as EpochMeasurement).epoch;
  const centreEpoch = (measured[centre] as EpochMeasurement).epoch;
  if (earlierEpoch < o.startEpoch) return notYet(`the compared mean is centred at epoch ${earlierEpoch}, before startEpoch ${o.startEpoch}`);
  const now = localMean(centre);
  const before = localMean(earlier);
  const ratio = now / before;
  const fired = before > 0 && ratio > o.threshold;
  return {
    fired,
    rule: 'eigen',
    epoch,
    reason: `eigenvalue mean ${fmt(now)} at epoch ${centreEpoch} is ${before > 0 ? `${fmt(ratio)}×` : 'not comparable to'} the mean ${fmt(before)} at epoch ${earlierEpoch} (stops above ${o.threshold}×)`,
    ...(fired ? { rollbackEpoch: earlierEpoch } : {}),
  };
}

/**
 * Whether `rule` stops the search at the last epoch of `history` (epochs in order). Call it after each
 * epoch with everything measured so far. Throws on an unknown rule or bad options.
 */
export function checkEarlyStop(rule: string, history: readonly EpochMeasurement[], options: EarlyStopOptions = {}): EarlyStopResult {
  assertRule(rule);
  const o = resolveOptions(options);
  if (history.length === 0) return { fired: false, rule, epoch: -1, reason: 'no epochs measured yet' };
  const epoch = (history[history.length - 1] as EpochMeasurement).epoch;
  return rule === 'skip2' ? skip2(history, o, epoch) : eigen(history, o, epoch);
}

/**
 * The first epoch at which `rule` fires on a whole logged history (what would have happened had it been
 * on), or the verdict at the last epoch when it never fires.
 */
export function earliestEarlyStop(rule: string, history: readonly EpochMeasurement[], options: EarlyStopOptions = {}): EarlyStopResult {
  let verdict = checkEarlyStop(rule, [], options);
  for (let i = 1; i <= history.length; i++) {
    verdict = checkEarlyStop(rule, history.slice(0, i), options);
    if (verdict.fired) return verdict;
  }
  return verdict;
}
