// `dnas report RUN… [--out FILE.html]`: one self-contained HTML report of one or more search runs.
import { Command } from 'commander';
import { EARLY_STOP_DEFAULTS } from '../nas/diagnostics/early-stop.js';
import { float, int } from './options.js';

interface ReportFlags {
  out?: string;
  rules?: string;
  nb201?: string;
  eigenWindow?: number;
  eigenDelta?: number;
  eigenThreshold?: number;
  eigenStartEpoch?: number;
  skipLimit?: number;
}

export function reportCommand(): Command {
  return new Command('report')
    .description('write one self-contained HTML report of search runs: derived cells, op weights, curves, collapse diagnostics, NAS-Bench-201 look-ups; several runs are compared side by side')
    .argument('<run...>', 'run directories written by dnas search (--out)')
    .option('--out <file>', 'the HTML file to write (default: RUN/report/index.html for one run, ./dnas-report.html for several)')
    .option('--rules <list>', 'early-stop rules to evaluate on the logged history, comma-separated (skip2, eigen)', 'skip2,eigen')
    .option('--nb201 <file>', 'NAS-Bench-201 table (nb201.json) to look derived NB201 cells up in when a run logged no accuracies')
    .option('--skip-limit <n>', `skip2: skip_connect ops in the normal cell that stop a search (default ${EARLY_STOP_DEFAULTS.skipLimit})`, int(1))
    .option('--eigen-window <n>', `eigen: measurements in the local mean (default ${EARLY_STOP_DEFAULTS.window})`, int(1))
    .option('--eigen-delta <n>', `eigen: measurements between the compared means (default ${EARLY_STOP_DEFAULTS.delta})`, int(1))
    .option('--eigen-threshold <x>', `eigen: ratio of the means that stops a search (default ${EARLY_STOP_DEFAULTS.threshold})`, float({ min: 0, exclusiveMin: true }))
    .option('--eigen-start-epoch <n>', `eigen: first epoch the earlier mean may be centred at (default ${EARLY_STOP_DEFAULTS.startEpoch})`, int(0))
    .addHelpText('after', `
Examples:
  dnas report runs/darts-1                      writes runs/darts-1/report/index.html
  dnas report runs/a runs/b --out compare.html  compares two searches side by side
  dnas report runs/nb201 --nb201 nb201.json     adds the NAS-Bench-201 accuracy of each derived cell`)
    .action(async (runs: string[], flags: ReportFlags) => {
      // Loaded here, not at start-up: vega and Graphviz's WASM would slow every other dnas command.
      const { defaultReportPath, writeReport } = await import('../report/write-report.js');
      const out = flags.out ?? defaultReportPath(runs);
      const rules = (flags.rules ?? '').split(',').map((r) => r.trim()).filter((r) => r !== '');
      await writeReport(runs, out, {
        rules,
        nb201Table: flags.nb201,
        earlyStop: {
          ...(flags.skipLimit !== undefined ? { skipLimit: flags.skipLimit } : {}),
          ...(flags.eigenWindow !== undefined ? { window: flags.eigenWindow } : {}),
          ...(flags.eigenDelta !== undefined ? { delta: flags.eigenDelta } : {}),
          ...(flags.eigenThreshold !== undefined ? { threshold: flags.eigenThreshold } : {}),
          ...(flags.eigenStartEpoch !== undefined ? { startEpoch: flags.eigenStartEpoch } : {}),
        },
      });
      process.stdout.write(`report: ${out}\n`);
    });
}
