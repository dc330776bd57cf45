#!/usr/bin/env node
// dnas command line: thin — parses flags, builds a config, calls the library.
import { Command } from 'commander';
import { evalCommand } from './eval-command.js';
import { lookupCommand } from './lookup-command.js';
import { searchCommand } from './search-command.js';
import { trainCommand } from './train-command.js';

const program = new Command('dnas')
  .description('differentiable neural architecture search (DARTS family) over libtorch')
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .addCommand(searchCommand())
  .addCommand(trainCommand())
  .addCommand(evalCommand())
  .addCommand(lookupCommand());

program.parseAsync(process.argv).catch((e: unknown) => {
  // User-facing errors are one line: what was wrong and how to fix it.
  const msg = e instanceof Error ? e.message : String(e);
  process.stderr.write(`dnas: ${msg.split('\n')[0]}\n`);
  if (process.env.DNAS_DEBUG && e instanceof Error) process.stderr.write(`${e.stack}\n`);
  process.exit(1);
});
