// Reading a single network off the HyperCuboid: the grid as a weighted DAG named as sharpDARTS
// names it (model_search.py MultiChannelNetwork builds it with networkx), and the two ways the
// reference extracts a path from it: the longest path (networkx dag_longest_path) and a greedy walk
// top-down or bottom-up (gen_greedy_path). Pure functions over plain numbers.

/** A DAG with nodes and edges in insertion order; an edge may carry a weight. */
export class WeightedDag {
  readonly nodes: string[] = [];
  private readonly succ = new Map<string, Map<string, number | undefined>>();
  private readonly pred = new Map<string, Map<string, number | undefined>>();

  addNode(name: string): void {
    if (this.succ.has(name)) return;
    this.nodes.push(name);
    this.succ.set(name, new Map());
    this.pred.set(name, new Map());
  }

  addEdge(from: string, to: string, weight?: number): void {
    this.addNode(from);
    this.addNode(to);
    this.succ.get(from)!.set(to, weight);
    this.pred.get(to)!.set(from, weight);
  }

  successors(node: string): Map<string, number | undefined> {
    const s = this.succ.get(node);
    if (!s) throw new Error(`WeightedDag: unknown node '${node}'`);
    return s;
  }

  predecessors(node: string): Map<string, number | undefined> {
    const p = this.pred.get(node);
    if (!p) throw new Error(`WeightedDag: unknown node '${node}'`);
    return p;
  }

  /** Kahn's order, ready nodes taken in insertion order. */
  topologicalOrder(): string[] {
    const indegree = new Map(this.nodes.map((n) => [n, this.pred.get(n)!.size]));
    const ready = this.nodes.filter((n) => indegree.get(n) === 0);
    const order: string[] = [];
    while (ready.length > 0) {
      const n = ready.shift()!;
      order.push(n);
      for (const m of this.succ.get(n)!.keys()) {
        const d = indegree.get(m)! - 1;
        indegree.set(m, d);
        if (d === 0) ready.push(m);
      }
    }
    if (order.length !== this.nodes.length) throw new Error('WeightedDag: the graph has a cycle');
    return order;
  }
}

export interface HypercuboidGraphOptions {
  channels: readonly number[];
  /** Grid layers (the network's layers / 2). */
  gridLayers: number;
  primitives: readonly string[];
}

export const outNodeName = (layer: number, cOut: number, stride: number) => `layer_${layer}_add_c_out_${cOut}_stride_${stride}`;
export const opNodeName = (layer: number, stride: number, cIn: number, cOut: number, primitive: string, index: number) =>
  `layer_${layer}_stride_${stride}_c_in_${cIn}_c_out_${cOut}_op_type_${primitive}_opid_${index}`;

/**
 * The reference's graph: Source → Conv3x3_i (weight 600) → BatchNorm_i → ops → per-width sums, layer
 * after layer, → SharpSepConv<c> → add-SharpSep → global_pooling → Linear (weight 800). Each op → sum
 * edge carries the op's softmax weight, `weights[stride][layer][cIn][cOut][primitive]`; the others
 * carry none (networkx counts them as 1 in the longest path, the greedy walk as 0).
 */
export function hypercuboidGraph(o: HypercuboidGraphOptions, weights: readonly (readonly (readonly (readonly (readonly number[])[])[])[])[]): WeightedDag {
  const { channels, gridLayers, primitives } = o;
  const g = new WeightedDag();
  g.addNode('Source');
  channels.forEach((_, i) => {
    g.addEdge('Source', `Conv3x3_${i}`, 600);
    g.addEdge(`Conv3x3_${i}`, `BatchNorm_${i}`);
  });
  for (let l = 0; l < gridLayers; l++) for (const s of [1, 2]) for (const c of channels) g.addNode(outNodeName(l, c, s));
  for (let l = 0; l < gridLayers; l++) {
    for (const s of [1, 2]) {
      channels.forEach((cIn, i) => {
        channels.forEach((cOut, k) => {
          primitives.forEach((p, pi) => {
            const name = opNodeName(l, s, cIn, cOut, p, pi);
            const source = l === 0 && s === 1 ? `BatchNorm_${i}` : s === 2 ? outNodeName(l, cIn, 1) : outNodeName(l - 1, cIn, 2);
            g.addEdge(source, name);
            const w = weights[s - 1]?.[l]?.[i]?.[k]?.[pi];
            if (typeof w !== 'number') throw new Error(`hypercuboidGraph: weights need shape [2, ${gridLayers}, ${channels.length}, ${channels.length}, ${primitives.length}]; missing [${s - 1}, ${l}, ${i}, ${k}, ${pi}]`);
            g.addEdge(name, outNodeName(l, cOut, s), w);
          });
        });
      });
    }
  }
  g.addNode('add-SharpSep');
  for (const c of channels) {
    g.addEdge(`SharpSepConv${c}`, 'add-SharpSep');
    g.addEdge(outNodeName(gridLayers - 1, c, 2), `SharpSepConv${c}`);
  }
  g.addEdge('add-SharpSep', 'global_pooling');
  g.addEdge('global_pooling', 'Linear', 800);
  return g;
}

/**
 * The heaviest path (networkx dag_longest_path semantics): edges without a weight count
 * `defaultWeight`; each node keeps its best predecessor (ties: the first added), and the path ends
 * at the node farthest from any start. On the HyperCuboid graph it is the chain of ops with the
 * largest summed weight from a stem to the classifier.
 */
export function dagLongestPath(g: WeightedDag, defaultWeight = 1): string[] {
  const dist = new Map<string, [number, string]>();
  for (const v of g.topologicalOrder()) {
    let best: [number, string] | null = null;
    for (const [u, w] of g.predecessors(v)) {
      const d = dist.get(u)![0] + (w ?? defaultWeight);
      if (best === null || d > best[0]) best = [d, u];
    }
    dist.set(v, best !== null && best[0] >= 0 ? best : [0, v]);
  }
  let end: string | null = null;
  for (const [v, [d]] of dist) if (end === null || d > dist.get(end)![0]) end = v;
  if (end === null) return [];
  const path: string[] = [];
  for (let v = end, u: string | null = null; u !== v; ) {
    path.push(v);
    u = v;
    v = dist.get(v)![1];
  }
  return path.reverse();
}

/**
 * sharpDARTS' gen_greedy_path: from Source (top-down) or from Linear over the reversed graph
 * (bottom-up), repeatedly step along the heaviest outgoing edge (no weight = 0; ties: the first
 * added) until the other end. Top-down starts at the first stem and, because op weights sit on the
 * op → sum edges, not on the sum → op edges where the choice is made, always follows the first
 * op: a property of the reference we reproduce. Bottom-up chooses by the op weights. Top-down
 * omits Source; bottom-up lists Source … Linear.
 */
export function greedyPath(g: WeightedDag, strategy: 'top_down' | 'bottom_up'): string[] {
  const [start, end] = strategy === 'top_down' ? ['Source', 'Linear'] : ['Linear', 'Source'];
  const next = (n: string) => (strategy === 'top_down' ? g.successors(n) : g.predecessors(n));
  const path: string[] = [];
  let current = start;
  // The reference starts with threshold 0 (so a zero-weight first step is never taken) and -1 after.
  let threshold = 0;
  while (current !== end) {
    let chosen: string | null = null;
    let best = threshold;
    for (const [n, w] of next(current)) {
      if ((w ?? 0) > best) {
        best = w ?? 0;
        chosen = n;
      }
    }
    if (chosen === null) throw new Error(`greedyPath: no edge out of '${current}' beats ${threshold}; the walk cannot reach '${end}'`);
    path.push(chosen);
    current = chosen;
    threshold = -1;
  }
  if (strategy === 'bottom_up') {
    path.reverse();
    path.push('Linear');
  }
  return path;
}
