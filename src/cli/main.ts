#!/usr/bin/env node
// dnas command line: thin — parses flags, builds a config, calls the library.
import { Command } from 'commander';

// Each command is imported only when it runs: loading libtorch takes seconds, and `dnas setup`,
// which builds the native addon, must run before there is one to load.
const COMMANDS: Record<string, () => Promise<Command>> = {
  setup: async () => (await import('./setup-command.js')).setupCommand(),
  search: async () => (await import('./search-command.js')).searchCommand(),
  report: async () => (await import('./report-command.js')).reportCommand(),
  export: async () => (await import('./export-command.js')).exportCommand((await import('../eval/network-for-run.js')).buildNetworkForRun),
};

async function main(): Promise<void> {
  const program = new Command('dnas')
    .description('differentiable neural architecture search (DARTS family) over libtorch')
    .version('0.1.0')
    .showHelpAfterError('(run with --help for usage)');
  const name = process.argv[2];
  const wanted = name !== undefined && name in COMMANDS ? [name] : Object.keys(COMMANDS);
  for (const n of wanted) program.addCommand(await COMMANDS[n]!());
  await program.parseAsync(process.argv);
}

main().catch((e: unknown) => {
  // User-facing errors are one line: what was wrong and how to fix it.
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`dnas: ${msg.split('\n')[0]}\n`);
  if (process.env.DNAS_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
