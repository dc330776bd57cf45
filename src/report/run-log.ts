// Reads a run directory (DESIGN.md "The run directory"): config.json and the event log log.jsonl, as
// `dnas search` writes them. A log cut off mid-line (a run killed while writing) is reported and the
// complete lines are used; a run directory without a log is an error.
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { CollapseDiagnostics } from '../nas/diagnostics/collapse.js';
import type { EpochLogFields } from '../nas/search.js';
import { DARTS_PRIMITIVES } from '../nas/spaces/darts-genotype.js';
import { NB201_OPS } from '../nas/spaces/nb201-genotype.js';

/** NAS-Bench-201 look-up accuracies (percent) of one derived cell, as the search loop logs them. */
export type Nb201Accuracies = Record<string, { valid?: number; test?: number }>;

/** The epoch event of log.jsonl as the search writes it; fields the first versions did not write are optional. */
export interface EpochEvent extends EpochLogFields {
  diagnostics?: Partial<CollapseDiagnostics>;
  nb201?: Nb201Accuracies;
  earlyStop?: { rule: string; epoch: number; reason: string };
}

export interface RunLog {
  /** The directory as given and its absolute path. */
  dir: string;
  path: string;
  /** A short label for legends: the directory's name, made unique by the caller. */
  name: string;
  config: Record<string, unknown>;
  space: string;
  method: string;
  primitives: string[];
  start?: { epochs: number; stepsPerEpoch: number; weights?: number; archParams?: number };
  epochs: EpochEvent[];
  /** The last `earlyStop` a search logged, if it stopped early. */
  earlyStop?: { rule: string; epoch: number; reason: string };
}

/** The op (column) order of α when config.json does not name it. */
export function defaultPrimitives(space: string): string[] {
  if (space === 'nb201') return [...NB201_OPS];
  return [...DARTS_PRIMITIVES];
}

/**
 * Parses log.jsonl text. Lines that do not parse are skipped with a warning naming the line; only
 * the last line may be cut off by a killed run, but a damaged line elsewhere is handled the same way.
 */
export function parseEventLog(text: string, where: string, warn: (message: string) => void): Record<string, unknown>[] {
  const events: Record<string, unknown>[] = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      const e = JSON.parse(line) as unknown;
      if (e && typeof e === 'object' && !Array.isArray(e)) events.push(e as Record<string, unknown>);
      else warn(`${where}:${i + 1}: not an event object; skipped`);
    } catch {
      const cut = i === lines.length - 1 || (i === lines.length - 2 && lines[lines.length - 1] === '');
      warn(`${where}:${i + 1}: ${cut ? 'cut off mid-line (the run was stopped while writing?)' : 'not valid JSON'}; skipped, the other lines are used`);
    }
  });
  return events;
}

function isEpochEvent(e: Record<string, unknown>): e is Record<string, unknown> & EpochEvent {
  return e.type === 'epoch' && typeof e.epoch === 'number' && typeof e.archWeights === 'object' && e.archWeights !== null;
}

/** Reads one run directory. Warnings (a damaged log line) go to `warn`; errors are one line. */
export function readRun(dir: string, warn: (message: string) => void = (m) => process.stderr.write(`dnas report: warning: ${m}\n`)): RunLog {
  const path = resolve(dir);
  if (!existsSync(path)) throw new Error(`run directory '${dir}' does not exist; pass a directory written by dnas search (--out)`);
  const logPath = join(path, 'log.jsonl');
  if (!existsSync(logPath)) throw new Error(`run directory '${dir}' has no log.jsonl; pass a directory written by dnas search (--out)`);
  let config: Record<string, unknown> = {};
  const configPath = join(path, 'config.json');
  if (existsSync(configPath)) {
    try {
      config = JSON.parse(readFileSync(configPath, 'utf8')) as Record<string, unknown>;
    } catch {
      throw new Error(`'${configPath}' is not valid JSON; fix it or remove it (the report then assumes the DARTS space)`);
    }
  }
  const events = parseEventLog(readFileSync(logPath, 'utf8'), logPath, warn);
  const space = typeof config.space === 'string' ? config.space : 'darts';
  const primitives = Array.isArray(config.primitives) && config.primitives.every((p) => typeof p === 'string') ? (config.primitives as string[]) : defaultPrimitives(space);
  // A resumed run truncates its log to the checkpoint, so each epoch appears once; keep the last if not.
  const byEpoch = new Map<number, EpochEvent>();
  let start: RunLog['start'];
  let earlyStop: RunLog['earlyStop'];
  for (const e of events) {
    if (e.type === 'start' && typeof e.epochs === 'number') start = e as unknown as RunLog['start'];
    if (isEpochEvent(e)) {
      byEpoch.set(e.epoch, e);
      if (e.earlyStop) earlyStop = e.earlyStop;
    }
    if (e.type === 'earlyStop' && typeof e.rule === 'string') earlyStop = e as unknown as RunLog['earlyStop'];
  }
  const epochs = [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
  return {
    dir,
    path,
    name: basename(path),
    config,
    space,
    method: typeof config.method === 'string' ? config.method : 'unknown',
    primitives,
    start,
    epochs,
    earlyStop,
  };
}
