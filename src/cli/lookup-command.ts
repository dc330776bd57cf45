// `dnas lookup`: what NAS-Bench-201 says of a cell — accuracies on its three data sets, parameters,
// FLOPs and rank — from the table shipped with the package.
import { existsSync } from 'node:fs';
import { Command } from 'commander';
import { readRunGenotype } from '../eval/genotype-source.js';
import { loadNb201Table, NB201_DATASETS, type Nb201Entry } from '../eval/nb201-table.js';

interface LookupFlags {
  nb201?: string;
  json?: boolean;
}

/** An arch string, or the arch of a run directory's genotype.json. */
export function archOf(arg: string): string {
  if (arg.trim().startsWith('|') || !existsSync(arg)) return arg;
  const g = readRunGenotype(arg);
  if (g.space !== 'nb201') throw new Error(`'${arg}' holds a DARTS-space genotype; NAS-Bench-201 covers only NB201 cells (|op~0|+|op~0|op~1|+|...|)`);
  return g.text;
}

/** The table as papers print it: accuracies to two decimals. */
export function formatLookup(e: Nb201Entry, size: number): string {
  const two = (x: number) => (Number.isNaN(x) ? '   -  ' : x.toFixed(2).padStart(6));
  const lines = [`${e.arch}  (NAS-Bench-201 index ${e.index}, 200-epoch schedule)`, 'data set          train   valid    test   params(M)  FLOPs(M)   rank by test'];
  for (const ds of NB201_DATASETS) {
    const r = e.results[ds];
    lines.push(`${ds.padEnd(15)} ${two(r.train)}  ${two(r.valid)}  ${two(r.test)}   ${r.paramsM.toFixed(3).padStart(8)}  ${r.flopsM.toFixed(2).padStart(8)}   ${`${r.rank}`.padStart(5)} / ${size}`);
  }
  lines.push('cifar10: train/valid from the run trained on the 25k train half, test from the run trained on all 50k (the NB201 paper\'s columns)');
  return lines.join('\n');
}

export function lookupCommand(): Command {
  return new Command('lookup')
    .description('NAS-Bench-201 accuracies (CIFAR-10, CIFAR-100, ImageNet16-120), parameters, FLOPs and rank of a cell, from the table shipped with dnas')
    .argument('<arch>', "an NB201 arch string '|op~0|+|op~0|op~1|+|op~0|op~1|op~2|' or a run directory with an NB201 genotype.json")
    .option('--nb201 <file>', 'another copy of the table (nb201.json, .json.br or .json.gz)')
    .option('--json', 'print the entry as JSON')
    .addHelpText(
      'after',
      `
Examples:
  dnas lookup '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|'
  dnas lookup runs/nb201-darts-o1-20260101-120000 --json`,
    )
    .action((arg: string, flags: LookupFlags) => {
      const table = loadNb201Table(flags.nb201);
      const entry = table.lookup(archOf(arg));
      if (flags.json) process.stdout.write(`${JSON.stringify(entry)}\n`);
      else process.stdout.write(`${formatLookup(entry, table.size)}\n`);
    });
}
