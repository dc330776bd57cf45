// The NAS-Bench-201 results table (all 15,625 cells, 200-epoch schedule) shipped with the package as
// brotli-compressed JSON (data/nb201/, README there): a lookup is a map access once the table is
// loaded, where the benchmark's own API needs a multi-GB pickle. Loaded lazily and cached per file.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { formatNb201, parseNb201 } from '../nas/spaces/nb201-genotype.js';

/** The three data sets papers quote, in their usual column order. */
export const NB201_DATASETS = ['cifar10', 'cifar100', 'ImageNet16-120'] as const;
export type Nb201Dataset = (typeof NB201_DATASETS)[number];

export interface Nb201Result {
  /** Accuracies in percent, as the table stores them (4 decimals). */
  train: number;
  valid: number;
  test: number;
  /** Parameters in millions (the classifier differs per data set). */
  paramsM: number;
  /** Multiply-accumulates in millions, the benchmark's "FLOPs". */
  flopsM: number;
  /** 1 + the number of cells with a strictly higher test accuracy on this data set (1 = best). */
  rank: number;
}

export interface Nb201Entry {
  arch: string;
  /** NB201 / NATS topology index. */
  index: number;
  results: Record<Nb201Dataset, Nb201Result>;
}

/** What a search calls every epoch: the valid/test accuracies papers plot, per data set. */
export type Nb201Curve = Record<Nb201Dataset, { valid: number; test: number }>;

interface Split {
  train?: number;
  valid?: number;
  test?: number;
}
interface RawEntry {
  index: number;
  'cifar10-valid': Split;
  cifar10: Split;
  cifar100: Split;
  'ImageNet16-120': Split;
  params_M: Record<Nb201Dataset, number>;
  flops_M: Record<Nb201Dataset, number>;
}
interface RawTable {
  format: string;
  archs: Record<string, RawEntry>;
}

const FORMAT = 'nb201-table/1';
const EXAMPLE = '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|';

/**
 * The CIFAR-10 row follows the benchmark paper's convention (data/nb201/README.md): train and valid
 * from the run trained on the 25k train half (`cifar10-valid`), test from the run trained on all 50k.
 */
function accuracies(raw: RawEntry, ds: Nb201Dataset): Split {
  if (ds === 'cifar10') return { train: raw['cifar10-valid'].train, valid: raw['cifar10-valid'].valid, test: raw.cifar10.test };
  return raw[ds];
}

export class Nb201Table {
  private readonly ranks = new Map<Nb201Dataset, Map<string, number>>();

  constructor(private readonly raw: RawTable, readonly source: string) {
    if (raw?.format !== FORMAT || typeof raw.archs !== 'object' || raw.archs === null) {
      throw new Error(`'${source}' is not a NAS-Bench-201 table (expected "format": "${FORMAT}"); point --nb201 at nb201.json or nb201.json.br`);
    }
  }

  get size(): number {
    return Object.keys(this.raw.archs).length;
  }

  archs(): string[] {
    return Object.keys(this.raw.archs);
  }

  /**
   * The table's entry for an arch string (any spacing; ops and node layout are checked first, so a
   * malformed string is told what a valid one looks like).
   */
  lookup(arch: string): Nb201Entry {
    const [key, raw] = this.entry(arch);
    const results = {} as Record<Nb201Dataset, Nb201Result>;
    for (const ds of NB201_DATASETS) {
      const acc = accuracies(raw, ds);
      results[ds] = { train: acc.train ?? Number.NaN, valid: acc.valid ?? Number.NaN, test: acc.test ?? Number.NaN, paramsM: raw.params_M[ds], flopsM: raw.flops_M[ds], rank: this.rankOf(ds, key) };
    }
    return { arch: key, index: raw.index, results };
  }

  /** Valid and test accuracy per data set, without ranking the table (what a search needs every epoch). */
  curve(arch: string): Nb201Curve {
    const [, raw] = this.entry(arch);
    const pick = (ds: Nb201Dataset) => {
      const acc = accuracies(raw, ds);
      return { valid: acc.valid ?? Number.NaN, test: acc.test ?? Number.NaN };
    };
    return { cifar10: pick('cifar10'), cifar100: pick('cifar100'), 'ImageNet16-120': pick('ImageNet16-120') };
  }

  private entry(arch: string): [string, RawEntry] {
    const key = formatNb201(parseNb201(arch));
    const raw = this.raw.archs[key];
    if (!raw) throw new Error(`arch '${key}' is not in the NAS-Bench-201 table '${this.source}' (${this.size} cells); a valid arch looks like ${EXAMPLE}`);
    return [key, raw];
  }

  private rankOf(ds: Nb201Dataset, key: string): number {
    let ranks = this.ranks.get(ds);
    if (!ranks) {
      // Competition ranking: cells with equal accuracy (e.g. the 341 disconnected cells at 10.0%) share a rank.
      const scored = Object.entries(this.raw.archs).map(([arch, e]) => [arch, accuracies(e, ds).test ?? -Infinity] as const);
      scored.sort((a, b) => b[1] - a[1]);
      ranks = new Map();
      scored.forEach(([arch, acc], i) => ranks!.set(arch, i > 0 && scored[i - 1]![1] === acc ? ranks!.get(scored[i - 1]![0])! : i + 1));
      this.ranks.set(ds, ranks);
    }
    return ranks.get(key)!;
  }
}

/** The repository (or installed package) root: the nearest ancestor of this file with a package.json. */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the dnas package root (no package.json above the code); pass --nb201 FILE');
    dir = up;
  }
  return dir;
}

/** The table shipped with the package. */
export function defaultNb201Path(): string {
  return join(packageRoot(), 'data', 'nb201', 'nb201.json.br');
}

const cache = new Map<string, Nb201Table>();

/** Reads a table: plain JSON, `.br` (brotli) or `.gz` (gzip), cached by absolute path. */
export function loadNb201Table(path: string = defaultNb201Path()): Nb201Table {
  const abs = resolve(path);
  const hit = cache.get(abs);
  if (hit) return hit;
  if (!existsSync(abs)) throw new Error(`NAS-Bench-201 table '${path}' does not exist; pass --nb201 with the path of nb201.json (or .json.br / .json.gz)`);
  let bytes: Buffer = readFileSync(abs);
  try {
    if (abs.endsWith('.br')) bytes = brotliDecompressSync(bytes);
    else if (abs.endsWith('.gz')) bytes = gunzipSync(bytes);
  } catch (e) {
    throw new Error(`NAS-Bench-201 table '${path}' does not decompress (${(e as Error).message}); the file is damaged or not ${abs.endsWith('.br') ? 'brotli' : 'gzip'}`);
  }
  let raw: RawTable;
  try {
    raw = JSON.parse(bytes.toString('utf8')) as RawTable;
  } catch (e) {
    throw new Error(`NAS-Bench-201 table '${path}' is not valid JSON (${(e as Error).message})`);
  }
  const table = new Nb201Table(raw, path);
  cache.set(abs, table);
  return table;
}

/** Table values of an arch (see Nb201Table.lookup), from the shipped table unless `tablePath` is given. */
export function lookupNb201(arch: string, tablePath?: string): Nb201Entry {
  return loadNb201Table(tablePath).lookup(arch);
}

/**
 * Valid and test accuracy (percent) per data set for an arch string: what an NB201 search logs every
 * epoch to show how its current genotype would score when trained by the benchmark's recipe.
 */
export function nb201Lookup(arch: string, tablePath?: string): Nb201Curve {
  return loadNb201Table(tablePath).curve(arch);
}
