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
    const given = cmd.options.filter((o) => !['--resume', '--out', '--json', '--threads', '--checkpoint-every'].includes(o.long ?? '') && cmd.getOptionValueSource(o.attributeName()) === 'cli');
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
  const progress = createProgress({ tty: Boolean(process.stderr.isTTY), quiet: Boolean(flags.json), write: (l) => process.stderr.write(`${l}\n`) });
  try {
    const result = await runSearch(cfg, {
      runDir: dir.path,
      resume: Boolean(flags.resume),
      data,
      onEvent: (e) => {
        progress.onEvent(e);
        dir.log(e.type === 'step' ? e : e);
      },
      logBytes: () => dir.logBytes(),
      truncateLog: (b) => dir.truncateLog(b),
      shouldStop: () => stop !== null,
    });
    progress.stop();
    if (!result.interrupted) {
      dir.writeJSON('genotype.json', { ...result.genotypeJSON, genotype: result.genotype });
    }
    const summary = { runDir: dir.path, genotype: result.genotype, interrupted: result.interrupted, epochs: result.epochsDone };
    if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      process.stdout.write(`${result.interrupted ? 'interrupted; genotype so far' : 'genotype'}: ${result.genotype}\n`);
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
    .option('--json', 'print the result as one JSON line on stdout (no progress output)');
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
