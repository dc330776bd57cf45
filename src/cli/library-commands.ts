// The commands that use the library (and so the native addon); main.ts imports this lazily.
import type { Command } from 'commander';
import { buildNetworkForRun } from '../eval/network-for-run.js';
import { exportCommand } from './export-command.js';
import { searchCommand } from './search-command.js';

export function libraryCommands(): Command[] {
  return [searchCommand(), exportCommand(buildNetworkForRun)];
}
