#!/usr/bin/env node
// dnas command line: thin — parses flags, builds a config, calls the library.
import { Command } from 'commander';
import { setupCommand } from './setup-command.js';

const program = new Command('dnas')
  .description('differentiable neural architecture search (DARTS family) over libtorch')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .addCommand(setupCommand());

function fail(e: unknown): never {
  // User-facing errors are one line: what was wrong and how to fix it.
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`dnas: ${msg.split('\n')[0]}\n`);
  if (process.env.DNAS_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  process.exit(1);
}

// Every other command loads the native addon (on importing the tensor layer), which `dnas setup`
// is there to build: import them only when another command is asked for.
if (process.argv[2] !== 'setup') {
  try {
    const { libraryCommands } = await import('./library-commands.js');
    for (const c of libraryCommands()) program.addCommand(c);
  } catch (e) {
    fail(e);
  }
}

program.parseAsync(process.argv).catch(fail);
