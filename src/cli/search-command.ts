// `dnas search`: resolves flags into a validated config, prepares the run directory, runs the
// search with progress output, writes genotype.json.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { hasCheckpoint } from '../nas/checkpoint.js';
import { parseSearchConfig, resolveSearchConfig, type SearchConfig } from '../nas/config.js';
import { METHODS } from '../nas/methods.js';
import { runSearch } from '../nas/search.js';
import { openSearchData } from '../nas/search-data.js';
import { SEARCH_SETTINGS, type Setting } from '../nas/settings.js';
import { PRIMITIVE_LISTS } from '../nas/spaces/op-tables.js';
import type { Nb201Curve } from '../eval/nb201-table.js';
import { createProgress } from './progress.js';
import { RunDir } from './run-dir.js';
import { addSettingOptions, settingOverrides } from './settings-options.js';

export { resolveSearchConfig, QUICK_PRESET } from '../nas/config.js';

/** Flags that steer the command rather than the search. */
interface RunFlags {
  out?: string;
  resume?: boolean;
  preset?: string;
  json?: boolean;
  report?: string | boolean;
  nb201?: string;
}

/** The NAS-Bench-201 table lookup of a derived cell, when the run searches the benchmark's own space. */
async function nb201Annotator(cfg: SearchConfig, table: string | undefined): Promise<((genotype: string) => Nb201Curve) | undefined> {
  const benchmarkOps = PRIMITIVE_LISTS.nb201!;
  if (cfg.space !== 'nb201' || cfg.primitives.length !== benchmarkOps.length || cfg.primitives.some((p, i) => p !== benchmarkOps[i])) return undefined;
  const { nb201Lookup } = await import('../eval/nb201-table.js');
  nb201Lookup('|none~0|+|none~0|none~1|+|none~0|none~1|none~2|', table); // loads the table now: a bad --nb201 fails before the search
  return (genotype) => nb201Lookup(genotype, table);
}

function formatNb201(curve: Nb201Curve): string {
  return Object.entries(curve)
    .map(([dataset, acc]) => `${dataset} valid ${acc.valid.toFixed(2)} test ${acc.test.toFixed(2)}`)
    .join(' | ');
}

function defaultRunName(cfg: SearchConfig): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return join('runs', `${cfg.space}-${cfg.method}-o${cfg.order}-${stamp}`);
}

async function search(flags: RunFlags, cmd: Command, attributes: Map<string, string>): Promise<void> {
  let cfg: SearchConfig;
  let dir: RunDir;
  if (flags.resume) {
    if (!flags.out) throw new Error('--resume needs --out DIR: the run directory to continue');
    dir = new RunDir(flags.out);
    cfg = parseSearchConfig(dir.readConfig());
    const given = cmd.options.filter((o) => !['--resume', '--out', '--json', '--threads', '--checkpoint-every', '--report', '--nb201'].includes(o.long ?? '') && cmd.getOptionValueSource(o.attributeName()) === 'cli');
    if (given.length) throw new Error(`--resume continues the run with its saved config.json; remove ${given.map((o) => o.long).join(', ')} (or start a new run with another --out)`);
    const threads = cmd.getOptionValue('threads') as number | undefined;
    if (threads !== undefined) cfg.numThreads = threads;
    const every = cmd.getOptionValue('checkpointEvery') as string | undefined;
    if (every !== undefined) cfg.checkpointEvery = every;
  } else {
    cfg = resolveSearchConfig({ ...settingOverrides(cmd, attributes), preset: flags.preset });
    dir = new RunDir(flags.out ?? defaultRunName(cfg));
    if (hasCheckpoint(dir.path)) throw new Error(`'${dir.path}' already holds a search: pass --resume to continue it, or choose another --out`);
    dir.create();
    dir.writeJSON('config.json', cfg);
    if (existsSync(dir.logPath)) dir.truncateLog(0);
  }

  const data = await openSearchData(cfg);
  // Ctrl-C, and SIGTERM (what schedulers and container runtimes send before they kill a job), stop
  // after the current step with a checkpoint; a second signal quits at once.
  let stop: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop) process.exit(signal === 'SIGTERM' ? 143 : 130);
    stop = signal;
    process.stderr.write(`\n${signal}: stopping after this step with a checkpoint (${signal === 'SIGINT' ? 'Ctrl-C' : 'the signal'} again to quit without one)…\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const lookup = await nb201Annotator(cfg, flags.nb201);
  const reportWhen = flags.report === true ? 'end' : flags.report;
  if (reportWhen !== undefined && reportWhen !== 'end' && reportWhen !== 'epoch') throw new Error(`--report: expected 'end' or 'epoch', got '${reportWhen}'`);
  const reportPath = join(dir.path, 'report', 'index.html');
  let reports = Promise.resolve();
  const writeRunReport = () => {
    reports = reports.then(async () => (await import('../report/index.js')).writeReport([dir.path], reportPath, { nb201Table: flags.nb201 }));
  };
  const progress = createProgress({ tty: Boolean(process.stderr.isTTY), quiet: Boolean(flags.json), write: (l) => process.stderr.write(`${l}\n`) });
  try {
    const result = await runSearch(cfg, {
      runDir: dir.path,
      resume: Boolean(flags.resume),
      data,
      onEvent: (e) => {
        progress.onEvent(e);
        dir.log(e);
        if (e.type === 'epoch' && e.earlyStop) process.stderr.write(`early stop (${e.earlyStop.rule}) at epoch ${e.epoch + 1}: ${e.earlyStop.reason}\n`);
        if (e.type === 'checkpoint' && e.reason === 'epoch' && reportWhen === 'epoch') writeRunReport();
      },
      annotateEpoch: lookup ? (e) => ({ nb201: lookup(e.genotype) }) : undefined,
      logBytes: () => dir.logBytes(),
      truncateLog: (b) => dir.truncateLog(b),
      shouldStop: () => stop !== null,
    });
    progress.stop();
    if (!result.interrupted) {
      dir.writeJSON('genotype.json', { ...result.genotypeJSON, genotype: result.genotype });
    }
    if (reportWhen !== undefined) writeRunReport();
    await reports;
    const nb201 = lookup ? lookup(result.genotype) : undefined;
    const summary = { runDir: dir.path, genotype: result.genotype, interrupted: result.interrupted, epochs: result.epochsDone, ...(result.earlyStop ? { earlyStop: result.earlyStop } : {}), ...(nb201 ? { nb201 } : {}) };
    if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      process.stdout.write(`${result.interrupted ? 'interrupted; genotype so far' : 'genotype'}: ${result.genotype}\n`);
      if (result.earlyStop) process.stdout.write(`stopped early by the ${result.earlyStop.rule} rule after epoch ${result.earlyStop.epoch + 1}: ${result.earlyStop.reason}\n`);
      if (nb201) process.stdout.write(`NAS-Bench-201: ${formatNb201(nb201)}\n`);
      if (reportWhen !== undefined) process.stdout.write(`report: ${reportPath}\n`);
      process.stdout.write(`run directory: ${dir.path}\n`);
    }
    if (result.interrupted) process.exitCode = stop === 'SIGTERM' ? 143 : 130;
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function searchCommand(): Command {
  const cmd = new Command('search')
    .description('search a cell architecture with a DARTS-family method; writes a run directory (config.json, log.jsonl, genotype.json, checkpoint/)')
    .option('--out <dir>', 'run directory (default runs/<space>-<method>-<time>)')
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option('--preset <name>', "'quick': a small search (C=8, 5 cells, 3 epochs) on 2,000 images for a first look")
    .option('--json', 'print the result as one JSON line on stdout (no progress output)')
    .option('--report [when]', "write RUN/report/index.html at the 'end' of the search (default) or after every 'epoch'")
    .option('--nb201 <file>', 'NAS-Bench-201 table for the per-epoch lookup of the derived cell (default: the copy shipped in data/nb201/)');
  const methods = Object.values(METHODS).map((m) => `  ${m.name.padEnd(12)} ${m.description}`).join('\n');
  const attributes = addSettingOptions(
    cmd,
    SEARCH_SETTINGS as Record<string, Setting>,
    `Defaults: the chosen method's paper settings for the chosen space (config.json records every value used).
Methods (--method):
${methods}

Examples:
  dnas search --preset quick                                  a first look on the embedded Fashion-MNIST
  dnas search --space darts --method darts --order 2 --dataset cifar10 --data-dir ~/data
  dnas search --space nb201 --method gdas --dataset cifar10 --data-dir ~/data
  dnas search --method pc-darts --partial-channels 2          PC-DARTS with K=2
  dnas search --method darts --mixing gdas                    a combination the papers never tried
  dnas search --out runs/my-run --resume                      continue an interrupted search`,
  );
  return cmd.action(async (flags: RunFlags, c: Command) => search(flags, c, attributes));
}
