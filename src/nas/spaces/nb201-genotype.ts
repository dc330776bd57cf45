// NAS-Bench-201 cell architectures (Dong & Yang, ICLR 2020) and their string form
// `|op~0|+|op~0|op~1|+|op~0|op~1|op~2|`: the key of every benchmark table, so a derived cell can be looked
// up directly. Node 0 is the cell input; node i (1..3) sums one op on every edge from nodes 0..i-1; the cell
// output is the last node.

/** One edge into a node: the op on it and the node it reads. */
export type Nb201Edge = readonly [op: string, input: number];

/** Incoming edges of nodes 1..3 (index 0 here is node 1), each listing inputs 0..i-1 in order. */
export type Nb201Genotype = readonly (readonly Nb201Edge[])[];

/** The 5 NAS-Bench-201 ops, in AutoDL-Projects' order: this is the alpha column order. */
export const NB201_OPS: readonly string[] = Object.freeze(['none', 'skip_connect', 'nor_conv_1x1', 'nor_conv_3x3', 'avg_pool_3x3']);

/** Non-input nodes of a NAS-Bench-201 cell. */
export const NB201_NODES = 3;

/** One edge of the NB201 search cell; `key` is AutoDL-Projects' `edge2index` key `"{node}<-{input}"`. */
export interface Nb201CellEdge {
  readonly node: number;
  readonly input: number;
  readonly key: string;
}

/**
 * The edges of an NB201 search cell in alpha row order: node i = 1..nodes, input j = 0..i-1. AutoDL sorts
 * its `"i<-j"` keys as strings; with single-digit nodes that order is this one (1<-0, 2<-0, 2<-1, 3<-0, ...).
 */
export function nb201CellEdges(nodes: number = NB201_NODES): Nb201CellEdge[] {
  if (!Number.isInteger(nodes) || nodes < 1 || nodes > 9) {
    throw new Error(`nb201CellEdges: nodes must be an integer in 1..9, got ${String(nodes)}; NAS-Bench-201 uses 3`);
  }
  const edges: Nb201CellEdge[] = [];
  for (let node = 1; node <= nodes; node++) {
    for (let input = 0; input < node; input++) edges.push({ node, input, key: `${node}<-${input}` });
  }
  return edges;
}

/** Options for checking an NB201 cell. */
export interface Nb201ValidationOptions {
  /** Non-input nodes; 3 in NAS-Bench-201. */
  nodes?: number;
  /** Known op names; defaults to `NB201_OPS`. */
  ops?: readonly string[];
}

const NB201_FORM_HINT = 'expected the form |op~0|+|op~0|op~1|+|op~0|op~1|op~2|';

/**
 * Throws a one-line error unless `g` has `nodes` nodes where node i lists exactly the inputs 0..i-1 in
 * order, each with a known op. The full, ordered form is what the benchmark tables use as keys.
 */
export function validateNb201(g: Nb201Genotype, options: Nb201ValidationOptions = {}): void {
  const nodes = options.nodes ?? NB201_NODES;
  const ops = options.ops ?? NB201_OPS;
  if (!Array.isArray(g) || g.length !== nodes) {
    throw new Error(
      `NB201 arch has ${Array.isArray(g) ? g.length : 'no'} nodes but the cell has ${nodes} (nodes 1..${nodes} after the input); ${NB201_FORM_HINT}`,
    );
  }
  g.forEach((edges, k) => {
    const node = k + 1;
    if (!Array.isArray(edges) || edges.length !== node) {
      throw new Error(
        `NB201 arch node ${node} has ${Array.isArray(edges) ? edges.length : 'no'} edges but needs ${node} (one from each of nodes 0..${node - 1}); ${NB201_FORM_HINT}`,
      );
    }
    edges.forEach((edge, position) => {
      if (!Array.isArray(edge) || edge.length !== 2) {
        throw new Error(`NB201 arch node ${node} edge ${position} must be a pair [op, input], got ${JSON.stringify(edge)}`);
      }
      const [op, input] = edge;
      if (typeof op !== 'string' || !ops.includes(op)) {
        throw new Error(`unknown op ${typeof op === 'string' ? `'${op}'` : JSON.stringify(op)} in NB201 arch node ${node} edge ${position} (known: ${ops.join(', ')})`);
      }
      if (input !== position) {
        throw new Error(
          `NB201 arch node ${node} edge ${position} reads input ${JSON.stringify(input)} but must read node ${position}: list inputs 0..${node - 1} in order, e.g. ${exampleNode(node)}`,
        );
      }
    });
  });
}

function exampleNode(node: number): string {
  const parts: string[] = [];
  for (let j = 0; j < node; j++) parts.push(`op~${j}`);
  return `|${parts.join('|')}|`;
}

/** The reference string form (AutoDL-Projects `Structure.tostr`): nodes `|op~j|...|` joined by `+`. */
export function formatNb201(g: Nb201Genotype): string {
  return g.map((edges) => `|${edges.map(([op, input]) => `${op}~${input}`).join('|')}|`).join('+');
}

/**
 * Reads an arch string such as `|nor_conv_3x3~0|+|nor_conv_3x3~0|avg_pool_3x3~1|+|...|` (surrounding
 * whitespace ignored) and validates it with `validateNb201`.
 */
export function parseNb201(text: string, options: Nb201ValidationOptions = {}): Nb201Genotype {
  if (typeof text !== 'string' || text.trim() === '') throw new Error(`NB201 arch string is empty; ${NB201_FORM_HINT}`);
  const genotype = text
    .trim()
    .split('+')
    .map((nodeText, k) => {
      const node = k + 1;
      const t = nodeText.trim();
      if (t.length < 2 || !t.startsWith('|') || !t.endsWith('|')) {
        throw new Error(`malformed NB201 arch: node ${node} ${JSON.stringify(nodeText)} must start and end with '|'; ${NB201_FORM_HINT}`);
      }
      return t
        .slice(1, -1)
        .split('|')
        .map((entry, position) => {
          const m = /^\s*([^~\s|+]+)\s*~\s*([0-9]+)\s*$/.exec(entry);
          if (!m) {
            throw new Error(`malformed NB201 arch: node ${node} edge ${position} ${JSON.stringify(entry)} is not 'op~input'; ${NB201_FORM_HINT}`);
          }
          return [m[1] as string, Number(m[2])] as const;
        });
    });
  validateNb201(genotype, options);
  return genotype;
}

/** JSON form written to runs/<name>/genotype.json. */
export interface Nb201GenotypeJSON {
  space: 'nb201';
  arch: string;
}

export function nb201ToJSON(g: Nb201Genotype): Nb201GenotypeJSON {
  return { space: 'nb201', arch: formatNb201(g) };
}

/** Reads the JSON form (an object, or its text); extra keys are ignored, the arch string is validated. */
export function nb201FromJSON(json: unknown, options: Nb201ValidationOptions = {}): Nb201Genotype {
  let obj: unknown = json;
  if (typeof json === 'string') {
    try {
      obj = JSON.parse(json);
    } catch (e) {
      throw new Error(`NB201 genotype JSON does not parse: ${(e as Error).message}`);
    }
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    throw new Error(`NB201 genotype JSON must be an object {"space":"nb201","arch":"|...|"}`);
  }
  const o = obj as Record<string, unknown>;
  if (o.space !== 'nb201') {
    throw new Error(`genotype JSON has space ${JSON.stringify(o.space)} but an NB201 genotype needs "space":"nb201"`);
  }
  if (typeof o.arch !== 'string') {
    throw new Error(`NB201 genotype JSON needs "arch" as a string like "|nor_conv_3x3~0|+|...|", got ${JSON.stringify(o.arch)}`);
  }
  return parseNb201(o.arch, options);
}
