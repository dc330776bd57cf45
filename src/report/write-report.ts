// writeReport: run directories in, one self-contained HTML file out. Called by `dnas report` and by
// the search loop's --report.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { EARLY_STOP_RULES, type EarlyStopOptions, checkEarlyStop } from '../nas/diagnostics/early-stop.js';
import { page, type Section } from './html.js';
import { nb201Lookup } from './nb201-reference.js';
import { readRun } from './run-log.js';
import { archWeightsSection, cellsSection, curvesSection, diagnosticsSection, nb201Section, prepareRun, summarySection } from './sections.js';

export interface ReportOptions {
  /** Early-stop rules to evaluate on each logged history; default: all (skip2, eigen). */
  rules?: readonly string[];
  /** Their options (RobustDARTS' and DARTS+' defaults otherwise). */
  earlyStop?: EarlyStopOptions;
  /** A NAS-Bench-201 table (nb201.json) to look derived cells up in when a run did not log accuracies. */
  nb201Table?: string;
  /** Where warnings go (a damaged log line); default stderr. */
  warn?: (message: string) => void;
}

/** The default report path: inside the run directory for one run (DESIGN.md), in the working directory for several. */
export function defaultReportPath(runDirs: readonly string[]): string {
  return runDirs.length === 1 ? resolve(runDirs[0]!, 'report', 'index.html') : resolve('dnas-report.html');
}

/** Builds the report of `runDirs` (compared side by side when several) and writes it to `outFile`. */
export async function writeReport(runDirs: readonly string[], outFile: string, options: ReportOptions = {}): Promise<void> {
  if (runDirs.length === 0) throw new Error('no run directories given; pass one or more directories written by dnas search');
  const rules = [...(options.rules ?? EARLY_STOP_RULES)];
  // Checked before any work: an unknown rule or bad option is the user's to fix, not a half-written report.
  for (const rule of rules) checkEarlyStop(rule, [], options.earlyStop);
  const cannotWrite = (e: unknown) => {
    const reason = (e as NodeJS.ErrnoException).code ?? (e as Error).message.split('\n')[0];
    return new Error(`cannot write the report to '${outFile}' (${reason}); choose a writable path with --out`);
  };
  try {
    mkdirSync(dirname(resolve(outFile)), { recursive: true });
  } catch (e) {
    throw cannotWrite(e);
  }
  const warn = options.warn ?? ((m: string) => process.stderr.write(`dnas report: warning: ${m}\n`));
  const lookup = options.nb201Table ? nb201Lookup(options.nb201Table) : undefined;
  const logs = runDirs.map((d) => readRun(d, warn));
  // Legends need distinct names: two runs both called 'search' become 'search' and 'search (2)'.
  const seen = new Map<string, number>();
  for (const log of logs) {
    const n = (seen.get(log.name) ?? 0) + 1;
    seen.set(log.name, n);
    if (n > 1) log.name = `${log.name} (${n})`;
  }
  const runs = logs.map((log) => prepareRun(log, rules, options.earlyStop ?? {}, lookup));
  const sections: Section[] = [
    summarySection(runs),
    await cellsSection(runs),
    await curvesSection(runs),
    await archWeightsSection(runs),
    await diagnosticsSection(runs, rules),
  ];
  const nb201 = await nb201Section(runs);
  if (nb201) sections.push(nb201);
  const title = runs.length === 1 ? `dnas search: ${runs[0]!.run.name}` : `dnas search: ${runs.length} runs compared`;
  const subtitle = runs.map(({ run }) => `${run.name} (${run.space}, ${run.method}, ${run.epochs.length} epochs)`).join(' · ');
  const html = page(title, subtitle, sections);
  try {
    writeFileSync(outFile, html);
  } catch (e) {
    throw cannotWrite(e);
  }
}
