// Op tables and named primitive lists. A search space is built from an op table (how each candidate
// op is constructed for the supernet) and a primitives list (which ops, in α's column order), so
// variants of a space — ROME's DARTS space without 'none', sharpDARTS' SharpSepConv ops, R-DARTS'
// reduced spaces — are data, not copies of the space.
import type { OpFactory } from '../types.js';
import { createDartsSearchOp, DARTS_OPS } from './darts-ops.js';
import { DARTS_PRIMITIVES } from './darts-genotype.js';
import { HYPERCUBOID_PRIMITIVES } from './hypercuboid.js';
import { NB201_OPS } from './nb201-genotype.js';
import { EDGE_PRIMITIVE_LISTS, RDARTS_S2, RDARTS_S3, RDARTS_S4 } from './rdarts-spaces.js';
import { createNb201Op } from './nb201-ops.js';
import { SHARP_OPS, type SharpOpsOptions, sharpOps, sharpSearchOp } from './sharp-ops.js';
import { PRIMITIVES as SHARP_PRIMITIVES, SHARPER_PRIMITIVES } from './sharp-primitives.js';

export interface SearchOpTable {
  readonly name: string;
  /** Every op name the table can build. */
  readonly known: readonly string[];
  /** Builds the supernet's version of an op. */
  readonly searchOp: OpFactory;
}

export const OP_TABLES: Record<string, SearchOpTable> = {
  darts: { name: 'darts', known: Object.keys(DARTS_OPS), searchOp: createDartsSearchOp },
  // AutoDL's DARTS runs on NAS-Bench-201: search-cell BN without affine parameters, running statistics kept.
  nb201: { name: 'nb201', known: NB201_OPS, searchOp: (p, c, s) => createNb201Op(p, c, s, { affine: false, trackRunningStats: true }, true) },
  // sharpDARTS: every sep/dil conv a SharpSepConv, flood and choke widths, choke mid-channels 32.
  sharp: sharpOpTable(),
  // The hypercuboid's ops change width (C_in → C_out), so only its own network builds them; the table
  // is here so --primitives resolves and validates against it like any other.
  hypercuboid: {
    name: 'hypercuboid',
    known: HYPERCUBOID_PRIMITIVES,
    searchOp: (p) => {
      throw new Error(`--ops hypercuboid: '${p}' changes width and is built only by the hypercuboid space (use --space hypercuboid)`);
    },
  },
};

/** The op table a space is built from: `--ops`, with sharpDARTS' choke width (--mid-channels) applied. */
export function resolveOpTable(name: string, o: SharpOpsOptions = {}): SearchOpTable {
  return name === 'sharp' && o.midChannels !== undefined ? sharpOpTable(o) : getOpTable(name);
}

/** sharpDARTS' op table with another choke width (its --mid_channels). */
export function sharpOpTable(o: SharpOpsOptions = {}): SearchOpTable {
  const table = o.midChannels === undefined ? SHARP_OPS : sharpOps(o);
  return { name: 'sharp', known: Object.keys(table), searchOp: sharpSearchOp(table) };
}

/** Named primitive lists, selectable with --primitives. */
export const PRIMITIVE_LISTS: Record<string, readonly string[]> = {
  darts: DARTS_PRIMITIVES,
  // ROME's space: DARTS' ops without 'none', whose zero output cannot be one of a node's two inputs.
  'darts-no-none': DARTS_PRIMITIVES.filter((p) => p !== 'none'),
  nb201: NB201_OPS,
  // sharpDARTS' default PRIMITIVES (3×3 ops with flood and choke widths) and SHARPER_PRIMITIVES; with
  // --ops sharp, the 'darts' list is sharpDARTS' DARTS_PRIMITIVES.
  sharp: SHARP_PRIMITIVES,
  sharper: SHARPER_PRIMITIVES,
  // R-DARTS' reduced spaces (rdarts-spaces.ts); S1, one list per edge, is EDGE_PRIMITIVE_LISTS.s1.
  s2: RDARTS_S2,
  s3: RDARTS_S3,
  s4: RDARTS_S4,
  // sharpDARTS' MULTICHANNELNET_PRIMITIVES, the hypercuboid's two op types.
  hypercuboid: HYPERCUBOID_PRIMITIVES,
};

export function getOpTable(name: string): SearchOpTable {
  const t = OP_TABLES[name];
  if (!t) throw new Error(`--ops: unknown op table '${name}' (known: ${Object.keys(OP_TABLES).join(', ')})`);
  return t;
}

/**
 * Resolves --primitives: a single name of a list, or op names; each op must be in the op table and
 * at least two must remain (a choice of one op is no search).
 */
export function resolvePrimitives(value: readonly string[], table: SearchOpTable): string[] {
  const named = value.length === 1 ? PRIMITIVE_LISTS[value[0]!] : undefined;
  if (value.length === 1 && EDGE_PRIMITIVE_LISTS[value[0]!]) {
    throw new Error(`--primitives: '${value[0]}' gives every edge of a DARTS cell its own ops; only the darts space (--space darts) takes it`);
  }
  const ops = named ? [...named] : [...value];
  for (const op of ops) {
    if (!table.known.includes(op)) {
      const hint = value.length === 1 ? `; or a named list: ${[...Object.keys(PRIMITIVE_LISTS), ...Object.keys(EDGE_PRIMITIVE_LISTS)].join(', ')}` : '';
      throw new Error(`--primitives: unknown op '${op}' for the '${table.name}' op table (known: ${table.known.join(', ')}${hint})`);
    }
  }
  const dup = ops.find((op, i) => ops.indexOf(op) !== i);
  if (dup) throw new Error(`--primitives: op '${dup}' is listed twice`);
  if (ops.length < 2) throw new Error(`--primitives: a search needs at least two candidate ops, got ${ops.length} (${ops.join(', ') || 'none'})`);
  return ops;
}

/**
 * Resolves a per-edge list name (R-DARTS' S1) against an op table: every op must be known and every
 * edge must have the same number of ops (α is [edges × ops]); undefined when `value` names none.
 */
export function resolveEdgePrimitives(value: readonly string[], table: SearchOpTable, edges: number): Readonly<Record<string, readonly (readonly string[])[]>> | undefined {
  const lists = value.length === 1 ? EDGE_PRIMITIVE_LISTS[value[0]!] : undefined;
  if (!lists) return undefined;
  for (const [cellType, rows] of Object.entries(lists)) {
    if (rows.length !== edges) throw new Error(`--primitives: '${value[0]}' lists ${rows.length} edges for the ${cellType} cell, the space has ${edges}`);
    for (const row of rows) {
      const unknown = row.find((op) => !table.known.includes(op));
      if (unknown) throw new Error(`--primitives: '${value[0]}' uses op '${unknown}', which the '${table.name}' op table cannot build (known: ${table.known.join(', ')})`);
      if (row.length !== rows[0]!.length) throw new Error(`--primitives: '${value[0]}' has edges with different numbers of ops; α needs the same count on every edge`);
    }
  }
  return lists;
}
