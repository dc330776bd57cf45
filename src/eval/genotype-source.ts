// What `--genotype` (and `dnas lookup`) accept, resolved to a space and a validated genotype: a run
// directory (its genotype.json), a genotype.json file, a published name, or a genotype string in
// either printed form.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { type DartsGenotype, dartsGenotypeFromJSON, dartsGenotypeToJSON, formatDartsGenotype, parseDartsGenotype } from '../nas/spaces/darts-genotype.js';
import { formatNb201, type Nb201Genotype, nb201FromJSON, nb201ToJSON, parseNb201 } from '../nas/spaces/nb201-genotype.js';
import { PUBLISHED_GENOTYPES } from './published-genotypes.js';

export type ResolvedGenotype =
  | { space: 'darts'; genotype: DartsGenotype; text: string; source: string }
  | { space: 'nb201'; genotype: Nb201Genotype; text: string; source: string };

function fromDarts(genotype: DartsGenotype, source: string): ResolvedGenotype {
  return { space: 'darts', genotype, text: formatDartsGenotype(genotype), source };
}

function fromNb201(genotype: Nb201Genotype, source: string): ResolvedGenotype {
  return { space: 'nb201', genotype, text: formatNb201(genotype), source };
}

/** Reads a genotype.json as `dnas search` writes it ({"space": "darts" | "nb201", …}). */
export function readGenotypeFile(path: string): ResolvedGenotype {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new Error(`'${path}' is not a genotype.json (${(e as Error).message.split('\n')[0]})`);
  }
  const space = (json as { space?: unknown } | null)?.space;
  if (space === 'darts') return fromDarts(dartsGenotypeFromJSON(json), path);
  if (space === 'nb201') return fromNb201(nb201FromJSON(json), path);
  throw new Error(`'${path}' has no "space": "darts" or "nb201"; it is not a genotype.json written by dnas search`);
}

/** The genotype of a run directory: its genotype.json. */
export function readRunGenotype(dir: string): ResolvedGenotype {
  const file = join(dir, 'genotype.json');
  if (!existsSync(file)) {
    throw new Error(`run directory '${dir}' has no genotype.json: the search has not finished (continue it with dnas search --out ${dir} --resume)`);
  }
  return readGenotypeFile(file);
}

const HINT = `give a run directory, a genotype.json, a published name (${Object.keys(PUBLISHED_GENOTYPES).join(', ')}), a DARTS string Genotype(normal=[...], ...) or an NB201 string |op~0|+|op~0|op~1|+|...|`;

/** Resolves a `--genotype` argument; every failure is one line naming what was given. */
export function resolveGenotype(spec: string): ResolvedGenotype {
  const s = spec.trim();
  if (s === '') throw new Error(`--genotype is empty; ${HINT}`);
  const published = PUBLISHED_GENOTYPES[s];
  if (published) return published.space === 'darts' ? fromDarts(published.genotype, s) : fromNb201(published.genotype, s);
  if (s.startsWith('|')) return fromNb201(parseNb201(s), 'string');
  if (/^(\w+\.)*Genotype\s*\(/.test(s)) return fromDarts(parseDartsGenotype(s), 'string');
  if (existsSync(s)) return statSync(s).isDirectory() ? readRunGenotype(s) : readGenotypeFile(s);
  throw new Error(`--genotype '${s.length > 60 ? `${s.slice(0, 57)}...` : s}' is not a file, a directory or a known genotype; ${HINT}`);
}

/** The genotype.json form `dnas search` writes, so a training run can be looked up and trained --from too. */
export function genotypeJSON(g: ResolvedGenotype): object {
  const json = g.space === 'darts' ? dartsGenotypeToJSON(g.genotype) : nb201ToJSON(g.genotype);
  return { ...json, genotype: g.text };
}
