// The DARTS cell genotype (Liu et al., ICLR 2019): two (op, input) pairs per intermediate node plus the
// nodes concatenated into the cell output, for a normal and a reduction cell. Printed and parsed in the
// exact text form of the reference `Genotype` namedtuple, so genotypes can be pasted between this
// project and the papers' code in both directions.

/** One chosen incoming edge of an intermediate node: the op on it and the state it reads. */
export type DartsGene = readonly [op: string, input: number];

/**
 * A DARTS genotype. In each cell list, pairs 2i and 2i+1 are the inputs of intermediate node i; input 0 is
 * c_{k-2}, 1 is c_{k-1} and 2 + j is intermediate node j. The concat lists name the states whose outputs are
 * concatenated on channels to form the cell output.
 */
export interface DartsGenotype {
  readonly normal: readonly DartsGene[];
  readonly normalConcat: readonly number[];
  readonly reduce: readonly DartsGene[];
  readonly reduceConcat: readonly number[];
}

/** The 8 candidate ops of the DARTS search space, in the reference order: this is the alpha column order. */
export const DARTS_PRIMITIVES: readonly string[] = Object.freeze([
  'none',
  'max_pool_3x3',
  'avg_pool_3x3',
  'skip_connect',
  'sep_conv_3x3',
  'sep_conv_5x5',
  'dil_conv_3x3',
  'dil_conv_5x5',
]);

/**
 * Ops a discrete (evaluation) network can build: the search primitives plus the two extra ops of the
 * reference op table, which the published NASNet and AmoebaNet genotypes use.
 */
export const DARTS_EVAL_OPS: readonly string[] = Object.freeze([...DARTS_PRIMITIVES, 'sep_conv_7x7', 'conv_7x1_1x7']);

/** Intermediate nodes of a DARTS cell in the papers' search and evaluation networks. */
export const DARTS_STEPS = 4;

function freezeGenotype(g: DartsGenotype): DartsGenotype {
  const cell = (genes: readonly DartsGene[]) => Object.freeze(genes.map((gene) => Object.freeze([gene[0], gene[1]] as const)));
  return Object.freeze({
    normal: cell(g.normal),
    normalConcat: Object.freeze([...g.normalConcat]),
    reduce: cell(g.reduce),
    reduceConcat: Object.freeze([...g.reduceConcat]),
  });
}

/** DARTS first order, as published in the reference genotypes file. */
export const DARTS_V1: DartsGenotype = freezeGenotype({
  normal: [
    ['sep_conv_3x3', 1], ['sep_conv_3x3', 0],
    ['skip_connect', 0], ['sep_conv_3x3', 1],
    ['skip_connect', 0], ['sep_conv_3x3', 1],
    ['sep_conv_3x3', 0], ['skip_connect', 2],
  ],
  normalConcat: [2, 3, 4, 5],
  reduce: [
    ['max_pool_3x3', 0], ['max_pool_3x3', 1],
    ['skip_connect', 2], ['max_pool_3x3', 0],
    ['max_pool_3x3', 0], ['skip_connect', 2],
    ['skip_connect', 2], ['avg_pool_3x3', 0],
  ],
  reduceConcat: [2, 3, 4, 5],
});

/** DARTS second order, as published; the reference's `DARTS` alias points here. */
export const DARTS_V2: DartsGenotype = freezeGenotype({
  normal: [
    ['sep_conv_3x3', 0], ['sep_conv_3x3', 1],
    ['sep_conv_3x3', 0], ['sep_conv_3x3', 1],
    ['sep_conv_3x3', 1], ['skip_connect', 0],
    ['skip_connect', 0], ['dil_conv_3x3', 2],
  ],
  normalConcat: [2, 3, 4, 5],
  reduce: [
    ['max_pool_3x3', 0], ['max_pool_3x3', 1],
    ['skip_connect', 2], ['max_pool_3x3', 1],
    ['max_pool_3x3', 0], ['skip_connect', 2],
    ['skip_connect', 2], ['max_pool_3x3', 1],
  ],
  reduceConcat: [2, 3, 4, 5],
});

/** One edge of a DARTS search cell: intermediate node `node` (0-based) reading state `input`. */
export interface DartsEdge {
  readonly node: number;
  readonly input: number;
}

/**
 * The edges of a DARTS search cell in alpha row order: for node i = 0..steps-1, inputs j = 0..i+1
 * (14 edges for 4 steps).
 */
export function dartsCellEdges(steps: number = DARTS_STEPS): DartsEdge[] {
  assertSteps('dartsCellEdges', steps);
  const edges: DartsEdge[] = [];
  for (let node = 0; node < steps; node++) {
    for (let input = 0; input < node + 2; input++) edges.push({ node, input });
  }
  return edges;
}

function assertSteps(where: string, steps: number): void {
  if (!Number.isInteger(steps) || steps < 1) {
    throw new Error(`${where}: steps must be a positive integer, got ${String(steps)}; the DARTS cell uses 4`);
  }
}

// ---------------------------------------------------------------------------------------------------------
// Printing: Python's repr of the reference namedtuple. Concats are printed as lists even when the reference
// wrote range(2, 6), because a list is what every published genotype file shows.

function pythonStrRepr(s: string): string {
  // Python prefers single quotes and switches to double quotes only when that avoids escaping.
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    if (ch === '\\' || ch === quote) out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else out += ch;
  }
  return quote + out + quote;
}

function formatCell(genes: readonly DartsGene[]): string {
  return `[${genes.map(([op, input]) => `(${pythonStrRepr(op)}, ${input})`).join(', ')}]`;
}

function formatConcat(concat: readonly number[]): string {
  return `[${concat.join(', ')}]`;
}

/** The genotype exactly as Python prints the reference namedtuple: `Genotype(normal=[('sep_conv_3x3', 1), ...], ...)`. */
export function formatDartsGenotype(g: DartsGenotype): string {
  return (
    `Genotype(normal=${formatCell(g.normal)}, normal_concat=${formatConcat(g.normalConcat)}, ` +
    `reduce=${formatCell(g.reduce)}, reduce_concat=${formatConcat(g.reduceConcat)})`
  );
}

// ---------------------------------------------------------------------------------------------------------
// Parsing: a small reader for the subset of Python literals a genotype repr or a genotypes.py entry uses
// (strings, integers, lists, tuples, calls such as range(2, 6)), then a check of the namedtuple's fields.

const DARTS_FORM_HINT = "expected Genotype(normal=[('op', input), ...], normal_concat=[...], reduce=[...], reduce_concat=[...])";

type PyValue =
  | { kind: 'int'; value: number }
  | { kind: 'str'; value: string }
  | { kind: 'list' | 'tuple'; items: PyValue[] }
  | { kind: 'call'; name: string; args: PyValue[]; kwargs: [string, PyValue][]; at: number };

type Token =
  | { kind: 'name'; text: string; at: number }
  | { kind: 'int'; value: number; at: number }
  | { kind: 'str'; value: string; at: number }
  | { kind: 'punct'; text: string; at: number }
  | { kind: 'end'; at: number };

function malformed(at: number, what: string): Error {
  return new Error(`malformed DARTS genotype at character ${at + 1}: ${what}; ${DARTS_FORM_HINT}`);
}

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      i++;
    } else if ('()[],='.includes(ch)) {
      tokens.push({ kind: 'punct', text: ch, at: i });
      i++;
    } else if (/[0-9-]/.test(ch)) {
      const m = /^-?[0-9]+/.exec(text.slice(i));
      if (!m) throw malformed(i, `unexpected '${ch}'`);
      tokens.push({ kind: 'int', value: Number(m[0]), at: i });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(ch)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(text.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'name', text: m[0], at: i });
      i += m[0].length;
    } else if (ch === "'" || ch === '"') {
      const start = i;
      let value = '';
      i++;
      for (;;) {
        if (i >= text.length || text[i] === '\n') throw malformed(start, `unterminated string starting with ${ch}`);
        const c = text[i] as string;
        if (c === ch) break;
        if (c === '\\' && i + 1 < text.length) {
          const next = text[i + 1] as string;
          value += next === 'n' ? '\n' : next === 't' ? '\t' : next === 'r' ? '\r' : next;
          i += 2;
        } else {
          value += c;
          i++;
        }
      }
      i++;
      tokens.push({ kind: 'str', value, at: start });
    } else {
      throw malformed(i, `unexpected '${ch}'`);
    }
  }
  tokens.push({ kind: 'end', at: text.length });
  return tokens;
}

function describe(t: Token): string {
  switch (t.kind) {
    case 'end':
      return 'end of text';
    case 'int':
      return String(t.value);
    case 'str':
      return pythonStrRepr(t.value);
    default:
      return `'${t.text}'`;
  }
}

class PyLiteralReader {
  private pos = 0;
  constructor(private readonly tokens: Token[]) {}

  peek(): Token {
    return this.tokens[this.pos] as Token;
  }

  private next(): Token {
    return this.tokens[this.pos++] as Token;
  }

  isPunct(text: string): boolean {
    const t = this.peek();
    return t.kind === 'punct' && t.text === text;
  }

  expectPunct(text: string, context: string): void {
    const t = this.next();
    if (t.kind !== 'punct' || t.text !== text) throw malformed(t.at, `expected '${text}' ${context} but found ${describe(t)}`);
  }

  expectEnd(): void {
    const t = this.peek();
    if (t.kind !== 'end') throw malformed(t.at, `unexpected ${describe(t)} after the closing ')'`);
  }

  value(): PyValue {
    const t = this.next();
    if (t.kind === 'int') return { kind: 'int', value: t.value };
    if (t.kind === 'str') return { kind: 'str', value: t.value };
    if (t.kind === 'name') return this.call(t.text, t.at);
    if (t.kind === 'punct' && t.text === '[') return { kind: 'list', items: this.items(']').items };
    if (t.kind === 'punct' && t.text === '(') {
      // A parenthesised value without a comma is just that value, as in Python; with one it is a tuple.
      const { items, commas } = this.items(')');
      if (items.length === 1 && commas === 0) return items[0] as PyValue;
      return { kind: 'tuple', items };
    }
    throw malformed(t.at, `expected a value but found ${describe(t)}`);
  }

  private items(close: string): { items: PyValue[]; commas: number } {
    const items: PyValue[] = [];
    let commas = 0;
    while (!this.isPunct(close)) {
      items.push(this.value());
      if (this.isPunct(',')) {
        this.next();
        commas++;
      } else if (!this.isPunct(close)) {
        const t = this.peek();
        throw malformed(t.at, `expected ',' or '${close}' but found ${describe(t)}`);
      }
    }
    this.next();
    return { items, commas };
  }

  call(name: string, at: number): PyValue {
    this.expectPunct('(', `after '${name}'`);
    const args: PyValue[] = [];
    const kwargs: [string, PyValue][] = [];
    while (!this.isPunct(')')) {
      const t = this.peek();
      const afterName = this.tokens[this.pos + 1] as Token;
      if (t.kind === 'name' && afterName.kind === 'punct' && afterName.text === '=') {
        this.pos += 2;
        kwargs.push([t.text, this.value()]);
      } else {
        if (kwargs.length > 0) throw malformed(t.at, `positional value after keyword arguments in ${name}(...)`);
        args.push(this.value());
      }
      if (this.isPunct(',')) this.next();
      else if (!this.isPunct(')')) {
        const u = this.peek();
        throw malformed(u.at, `expected ',' or ')' but found ${describe(u)}`);
      }
    }
    this.next();
    return { kind: 'call', name, args, kwargs, at };
  }
}

const GENOTYPE_FIELDS = ['normal', 'normal_concat', 'reduce', 'reduce_concat'] as const;
type GenotypeField = (typeof GENOTYPE_FIELDS)[number];

function pyRepr(v: PyValue): string {
  switch (v.kind) {
    case 'int':
      return String(v.value);
    case 'str':
      return pythonStrRepr(v.value);
    case 'list':
      return `[${v.items.map(pyRepr).join(', ')}]`;
    case 'tuple':
      return v.items.length === 1 ? `(${pyRepr(v.items[0] as PyValue)},)` : `(${v.items.map(pyRepr).join(', ')})`;
    case 'call':
      return `${v.name}(...)`;
  }
}

function toCell(field: GenotypeField, v: PyValue): DartsGene[] {
  if (v.kind !== 'list' && v.kind !== 'tuple') {
    throw new Error(`DARTS genotype field '${field}' must be a list of ('op', input) pairs, got ${pyRepr(v)}`);
  }
  return v.items.map((item, position) => {
    const pair = item.kind === 'list' || item.kind === 'tuple' ? item.items : [];
    const [op, input] = pair;
    if (pair.length !== 2 || op?.kind !== 'str' || input?.kind !== 'int') {
      throw new Error(
        `DARTS genotype field '${field}' at position ${position} must be a pair ('op', input) such as ('sep_conv_3x3', 0), got ${pyRepr(item)}`,
      );
    }
    return [op.value, input.value] as const;
  });
}

function toConcat(field: GenotypeField, v: PyValue): number[] {
  if (v.kind === 'call' && v.name === 'range') {
    // range(stop), range(start, stop) and range(start, stop, step), with Python's meaning.
    const ints = v.args.map((a) => (a.kind === 'int' ? a.value : Number.NaN));
    if (v.kwargs.length > 0 || ints.length < 1 || ints.length > 3 || ints.some(Number.isNaN) || ints[2] === 0) {
      throw new Error(`DARTS genotype field '${field}' has an invalid range(...); write range(start, stop) with integers, e.g. range(2, 6)`);
    }
    const [start, stop, step] = ints.length === 1 ? [0, ints[0] as number, 1] : [ints[0] as number, ints[1] as number, ints[2] ?? 1];
    const out: number[] = [];
    for (let k = start; step > 0 ? k < stop : k > stop; k += step) out.push(k);
    return out;
  }
  if (v.kind === 'list' || v.kind === 'tuple') {
    return v.items.map((item, position) => {
      if (item.kind !== 'int') {
        throw new Error(`DARTS genotype field '${field}' at position ${position} must be a node index (integer), got ${pyRepr(item)}`);
      }
      return item.value;
    });
  }
  throw new Error(`DARTS genotype field '${field}' must be a list of node indices or range(start, stop), got ${pyRepr(v)}`);
}

/** Options for checking a DARTS genotype against the cell it is meant for. */
export interface DartsValidationOptions {
  /** Intermediate nodes per cell; 4 in DARTS (the NASNet and AmoebaNet genotypes use 5). */
  steps?: number;
  /** Op names the consumer can build; defaults to `DARTS_EVAL_OPS`. */
  ops?: readonly string[];
}

/**
 * Reads a genotype in the reference's text form (a printed namedtuple or an entry of genotypes.py):
 * whitespace and newlines anywhere, single or double quotes, tuples or lists, concats as lists or
 * `range(a, b)`, keyword or positional fields. The result is validated with `validateDartsGenotype`.
 */
export function parseDartsGenotype(text: string, options: DartsValidationOptions = {}): DartsGenotype {
  const reader = new PyLiteralReader(tokenize(text));
  const head = reader.peek();
  if (head.kind !== 'name' || head.text.split('.').pop() !== 'Genotype') {
    throw malformed(head.at, `expected 'Genotype(' but found ${describe(head)}`);
  }
  const call = reader.value() as Extract<PyValue, { kind: 'call' }>;
  reader.expectEnd();
  if (call.args.length > GENOTYPE_FIELDS.length) {
    throw new Error(`DARTS genotype has ${call.args.length} positional fields but a Genotype has 4 (${GENOTYPE_FIELDS.join(', ')})`);
  }
  const fields = new Map<GenotypeField, PyValue>();
  call.args.forEach((v, k) => fields.set(GENOTYPE_FIELDS[k] as GenotypeField, v));
  for (const [name, v] of call.kwargs) {
    if (name === 'layout' && v.kind === 'str' && v.value === 'cell') continue; // sharpDARTS' 5th field; 'cell' means an ordinary genotype
    if (!(GENOTYPE_FIELDS as readonly string[]).includes(name)) {
      throw new Error(`unknown DARTS genotype field '${name}' (known: ${GENOTYPE_FIELDS.join(', ')})`);
    }
    if (fields.has(name as GenotypeField)) throw new Error(`DARTS genotype field '${name}' is given twice; give each field once`);
    fields.set(name as GenotypeField, v);
  }
  const missing = GENOTYPE_FIELDS.filter((f) => !fields.has(f));
  if (missing.length > 0) {
    throw new Error(`DARTS genotype is missing field${missing.length > 1 ? 's' : ''} ${missing.join(', ')}; ${DARTS_FORM_HINT}`);
  }
  const genotype: DartsGenotype = {
    normal: toCell('normal', fields.get('normal') as PyValue),
    normalConcat: toConcat('normal_concat', fields.get('normal_concat') as PyValue),
    reduce: toCell('reduce', fields.get('reduce') as PyValue),
    reduceConcat: toConcat('reduce_concat', fields.get('reduce_concat') as PyValue),
  };
  validateDartsGenotype(genotype, options);
  return genotype;
}

// ---------------------------------------------------------------------------------------------------------
// Validation.

function validateCell(field: 'normal' | 'reduce', genes: readonly DartsGene[], steps: number, ops: readonly string[]): void {
  if (!Array.isArray(genes)) throw new Error(`DARTS genotype ${field} must be a list of [op, input] pairs`);
  if (genes.length !== 2 * steps) {
    throw new Error(
      `DARTS genotype ${field} has ${genes.length} (op, input) pairs but a cell with ${steps} intermediate nodes needs ${2 * steps}; give exactly two pairs per node (or set steps to match)`,
    );
  }
  genes.forEach((gene, position) => {
    const node = Math.floor(position / 2);
    if (!Array.isArray(gene) || gene.length !== 2) {
      throw new Error(`DARTS genotype ${field} at position ${position} must be a pair [op, input], got ${JSON.stringify(gene)}`);
    }
    const [op, input] = gene;
    if (typeof op !== 'string' || !ops.includes(op)) {
      throw new Error(`unknown op ${typeof op === 'string' ? `'${op}'` : JSON.stringify(op)} in genotype ${field} at position ${position} (known: ${ops.join(', ')})`);
    }
    if (!Number.isInteger(input) || input < 0 || input >= node + 2) {
      throw new Error(
        `input ${JSON.stringify(input)} in genotype ${field} at position ${position} is out of range: node ${node} may read inputs 0..${node + 1} (0 = c_{k-2}, 1 = c_{k-1}, 2+j = node j)`,
      );
    }
  });
}

function validateConcat(field: 'normal_concat' | 'reduce_concat', concat: readonly number[], steps: number): void {
  if (!Array.isArray(concat) || concat.length === 0) {
    throw new Error(`DARTS genotype ${field} must be a non-empty list of node indices, e.g. [2, 3, 4, 5]`);
  }
  const seen = new Set<number>();
  concat.forEach((index, position) => {
    if (!Number.isInteger(index) || index < 2 || index >= steps + 2) {
      throw new Error(
        `DARTS genotype ${field} index ${JSON.stringify(index)} at position ${position} is not an intermediate node; with ${steps} steps use indices 2..${steps + 1}`,
      );
    }
    if (seen.has(index)) throw new Error(`DARTS genotype ${field} lists node ${index} twice; list each node once`);
    seen.add(index);
  });
}

/**
 * Throws a one-line error if `g` is not a genotype for a cell with `steps` intermediate nodes: each node
 * needs exactly two (op, input) pairs with input < node + 2, ops from the allow-list, and concat indices
 * naming distinct intermediate nodes.
 */
export function validateDartsGenotype(g: DartsGenotype, options: DartsValidationOptions = {}): void {
  const steps = options.steps ?? DARTS_STEPS;
  assertSteps('validateDartsGenotype', steps);
  const ops = options.ops ?? DARTS_EVAL_OPS;
  validateCell('normal', g.normal, steps, ops);
  validateConcat('normal_concat', g.normalConcat, steps);
  validateCell('reduce', g.reduce, steps, ops);
  validateConcat('reduce_concat', g.reduceConcat, steps);
}

// ---------------------------------------------------------------------------------------------------------
// JSON form, as written to runs/<name>/genotype.json. Field names follow the reference namedtuple.

export interface DartsGenotypeJSON {
  space: 'darts';
  normal: [string, number][];
  normal_concat: number[];
  reduce: [string, number][];
  reduce_concat: number[];
}

export function dartsGenotypeToJSON(g: DartsGenotype): DartsGenotypeJSON {
  return {
    space: 'darts',
    normal: g.normal.map(([op, input]) => [op, input]),
    normal_concat: [...g.normalConcat],
    reduce: g.reduce.map(([op, input]) => [op, input]),
    reduce_concat: [...g.reduceConcat],
  };
}

/**
 * Reads the JSON form (an object, or its text). Extra keys are ignored so a genotype.json may carry more,
 * such as the printed string; the required keys are checked and the genotype validated.
 */
export function dartsGenotypeFromJSON(json: unknown, options: DartsValidationOptions = {}): DartsGenotype {
  let obj: unknown = json;
  if (typeof json === 'string') {
    try {
      obj = JSON.parse(json);
    } catch (e) {
      throw new Error(`DARTS genotype JSON does not parse: ${(e as Error).message}`);
    }
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new Error(`DARTS genotype JSON must be an object {"space":"darts","normal":[...],"normal_concat":[...],"reduce":[...],"reduce_concat":[...]}`);
  }
  const o = obj as Record<string, unknown>;
  if (o.space !== 'darts') {
    throw new Error(`genotype JSON has space ${JSON.stringify(o.space)} but a DARTS genotype needs "space":"darts"`);
  }
  for (const key of GENOTYPE_FIELDS) {
    if (!Array.isArray(o[key])) throw new Error(`DARTS genotype JSON needs "${key}" as an array, got ${JSON.stringify(o[key])}`);
  }
  const genotype: DartsGenotype = {
    normal: (o.normal as unknown[]).map((gene) => gene as DartsGene),
    normalConcat: [...(o.normal_concat as number[])],
    reduce: (o.reduce as unknown[]).map((gene) => gene as DartsGene),
    reduceConcat: [...(o.reduce_concat as number[])],
  };
  validateDartsGenotype(genotype, options);
  return {
    normal: genotype.normal.map(([op, input]) => [op, input] as const),
    normalConcat: genotype.normalConcat,
    reduce: genotype.reduce.map(([op, input]) => [op, input] as const),
    reduceConcat: genotype.reduceConcat,
  };
}
