#!/usr/bin/env node
// dnas command line: thin — parses flags, builds a config, calls the library.
import { Command } from 'commander';

// Each command is imported only when it runs: loading libtorch takes seconds, `dnas lookup` never
// needs it, and `dnas setup`, which builds the native addon, must run before there is one to load.
const COMMANDS: Record<string, () => Promise<Command>> = {
  setup: async () => (await import('./setup-command.js')).setupCommand(),
  search: async () => (await import('./search-command.js')).searchCommand(),
  train: async () => (await import('./train-command.js')).trainCommand(),
  eval: async () => (await import('./eval-command.js')).evalCommand(),
  lookup: async () => (await import('./lookup-command.js')).lookupCommand(),
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
  // A rank of a data-parallel search says which one it is (the launcher starts them with RANK and WORLD_SIZE).
  const rank = Number(process.env.WORLD_SIZE) > 1 && process.env.RANK !== undefined ? `rank ${process.env.RANK}: ` : '';
  process.stderr.write(`dnas: ${rank}${msg.split('\n')[0]}\n`);
  if (process.env.DNAS_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  // An error may carry the exit code that tells a supervisor why (see src/cli/launch.ts).
  const code = (e as { exitCode?: unknown } | null)?.exitCode;
  process.exit(typeof code === 'number' ? code : 1);
});
