// Derived cells drawn as graphs in the layout of the DARTS reference's visualize.py: inputs c_{k-2} and
// c_{k-1} on the left, intermediate nodes, the output c_{k} on the right, each edge labelled with its
// op. Written as Graphviz DOT and rendered to SVG by @viz-js/viz (Graphviz compiled to WASM), so no
// system Graphviz is needed.
import { instance, type Viz } from '@viz-js/viz';
import { dartsGenotypeFromJSON } from '../nas/spaces/darts-genotype.js';
import { nb201FromJSON } from '../nas/spaces/nb201-genotype.js';

/** One cell to draw: its DOT text and how many nodes and edges the drawing holds. */
export interface CellDiagram {
  /** 'normal', 'reduce' or 'cell' (NAS-Bench-201). */
  cell: string;
  dot: string;
  nodes: number;
  edges: number;
}

const quote = (s: string) => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

const INPUT_STYLE = 'style=filled, fillcolor=darkseagreen2';
const NODE_STYLE = 'style=filled, fillcolor=lightblue';
const OUTPUT_STYLE = 'style=filled, fillcolor=palegoldenrod';

function graph(id: string, body: string[]): string {
  return [
    `digraph ${quote(id)} {`,
    '  rankdir=LR; bgcolor=transparent;',
    '  node [shape=rect, fontname="Helvetica", fontsize=12, height=0.4, penwidth=1.5, style=filled];',
    '  edge [fontname="Helvetica", fontsize=11, penwidth=1.2];',
    ...body.map((l) => `  ${l}`),
    '}',
  ].join('\n');
}

/** `idPrefix` makes the SVG element ids unique when several diagrams share one page. */
export function cellDiagrams(genotypeJSON: unknown, idPrefix: string): CellDiagram[] {
  const space = (genotypeJSON as { space?: unknown } | null)?.space;
  if (space === 'darts') {
    const g = dartsGenotypeFromJSON(genotypeJSON);
    return [
      dartsCell('normal', g.normal, g.normalConcat, `${idPrefix}-normal`),
      dartsCell('reduce', g.reduce, g.reduceConcat, `${idPrefix}-reduce`),
    ];
  }
  if (space === 'nb201') return [nb201Cell(nb201FromJSON(genotypeJSON), `${idPrefix}-cell`)];
  // sharpDARTS' hypercuboid yields a path through its grid, not a cell: nothing to draw (the genotype line names the path).
  if (space === 'hypercuboid') return [];
  throw new Error(`cannot draw a genotype of space ${JSON.stringify(space)}; known: darts, nb201`);
}

function dartsCell(cell: string, genes: readonly (readonly [string, number])[], concat: readonly number[], id: string): CellDiagram {
  const steps = genes.length / 2;
  const name = (state: number) => (state === 0 ? 'c_{k-2}' : state === 1 ? 'c_{k-1}' : String(state - 2));
  const body: string[] = [
    `${quote(name(0))} [id=${quote(`${id}-in0`)}, ${INPUT_STYLE}];`,
    `${quote(name(1))} [id=${quote(`${id}-in1`)}, ${INPUT_STYLE}];`,
  ];
  for (let i = 0; i < steps; i++) body.push(`${quote(String(i))} [id=${quote(`${id}-n${i}`)}, ${NODE_STYLE}];`);
  genes.forEach(([op, input], k) => {
    const node = Math.floor(k / 2);
    body.push(`${quote(name(input))} -> ${quote(String(node))} [id=${quote(`${id}-e${k}`)}, label=${quote(op)}, fillcolor=gray];`);
  });
  body.push(`${quote('c_{k}')} [id=${quote(`${id}-out`)}, ${OUTPUT_STYLE}];`);
  concat.forEach((state, k) => body.push(`${quote(name(state))} -> ${quote('c_{k}')} [id=${quote(`${id}-c${k}`)}, fillcolor=gray];`));
  return { cell, dot: graph(id, body), nodes: 2 + steps + 1, edges: genes.length + concat.length };
}

function nb201Cell(nodes: readonly (readonly (readonly [string, number])[])[], id: string): CellDiagram {
  // Node 0 is the cell input and the last node its output (NAS-Bench-201 has no concat).
  const last = nodes.length;
  const label = (j: number) => (j === 0 ? 'in (0)' : j === last ? `out (${j})` : String(j));
  const body: string[] = [];
  for (let j = 0; j <= last; j++) {
    const style = j === 0 ? INPUT_STYLE : j === last ? OUTPUT_STYLE : NODE_STYLE;
    body.push(`${quote(label(j))} [id=${quote(`${id}-n${j}`)}, ${style}];`);
  }
  let edges = 0;
  nodes.forEach((inputs, i) => {
    for (const [op, j] of inputs) {
      // 'none' is drawn dashed: the edge exists in the cell but carries nothing.
      const dashed = op === 'none' ? ', style=dashed, color=gray50' : '';
      body.push(`${quote(label(j))} -> ${quote(label(i + 1))} [id=${quote(`${id}-e${edges}`)}, label=${quote(op)}${dashed}];`);
      edges++;
    }
  });
  return { cell: 'cell', dot: graph(id, body), nodes: last + 1, edges };
}

let vizInstance: Promise<Viz> | null = null;

/** Renders DOT to an SVG element string, ready to inline in HTML (no XML prolog or DOCTYPE). */
export async function renderDot(dot: string): Promise<string> {
  vizInstance ??= instance();
  const viz = await vizInstance;
  const svg = viz.renderString(dot, { format: 'svg' });
  return svg.slice(svg.indexOf('<svg'));
}
