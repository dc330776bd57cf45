// NAS-Bench-201 reference accuracies for the look-up chart, and a look-up of derived cells in the
// shipped table when a run did not log its own. Values: methods.md §8.4, computed from
// shared/data/nb201/nb201.json (200-epoch schedule, seed means, percent): test accuracy of the best
// cell per data set and of the all-skip_connect cell (the DARTS collapse).
import { readFileSync } from 'node:fs';
import type { Nb201Accuracies } from './run-log.js';

export const NB201_DATASETS = ['cifar10', 'cifar100', 'ImageNet16-120'] as const;

export const NB201_REFERENCE: Record<(typeof NB201_DATASETS)[number], { optimum: number; allSkip: number }> = {
  cifar10: { optimum: 94.3733, allSkip: 54.2967 },
  cifar100: { optimum: 73.5133, allSkip: 15.6067 },
  'ImageNet16-120': { optimum: 47.3111, allSkip: 16.3222 },
};

interface TableEntry {
  'cifar10-valid'?: { valid?: number };
  cifar10?: { test?: number };
  cifar100?: { valid?: number; test?: number };
  'ImageNet16-120'?: { valid?: number; test?: number };
}

/** Loads nb201.json (README beside it) and returns a look-up from arch string to the logged form. */
export function nb201Lookup(file: string): (arch: string) => Nb201Accuracies | undefined {
  let table: { archs?: Record<string, TableEntry> };
  try {
    table = JSON.parse(readFileSync(file, 'utf8')) as typeof table;
  } catch (e) {
    throw new Error(`cannot read the NAS-Bench-201 table '${file}': ${(e as Error).message.split('\n')[0]}; pass --nb201 with the path of nb201.json`);
  }
  if (!table.archs) throw new Error(`'${file}' is not a NAS-Bench-201 table (no "archs"); pass --nb201 with the path of nb201.json`);
  const archs = table.archs;
  return (arch) => {
    const e = archs[arch];
    if (!e) return undefined;
    // The paper's usual columns: CIFAR-10 valid from the 25k/25k split, test from full training.
    return {
      cifar10: { valid: e['cifar10-valid']?.valid, test: e.cifar10?.test },
      cifar100: { valid: e.cifar100?.valid, test: e.cifar100?.test },
      'ImageNet16-120': { valid: e['ImageNet16-120']?.valid, test: e['ImageNet16-120']?.test },
    };
  };
}
