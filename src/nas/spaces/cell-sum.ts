// How a cell node sums its incoming mixed edges, releasing temporaries as soon as they are used.
import type { Tensor } from '../../torch/index.js';
import type { CellWeights, MixedEdgeModule } from '../types.js';

/** One mixed edge's output, scaled by its edge weight when the mixing normalises edges (PC-DARTS). */
export function mixedEdgeOutput(edge: MixedEdgeModule, input: Tensor, w: CellWeights, e: number): Tensor {
  // An edge the topology sample left out is not run: its straight-through weight (value 0) joins the
  // node as a scalar, so the node is unchanged and β_e still receives Σ dL/d(node) (ROME, like GDAS' ops).
  if (w.activeEdges && w.edges && !w.activeEdges[e]) return w.edges.select(0, e);
  const opWeights = w.ops.select(0, e);
  const out = edge.forward(input, { ops: opWeights, active: w.active[e]!, inactiveAsScalars: w.inactiveAsScalars ?? false });
  opWeights.dispose();
  if (!w.edges) return out;
  const edgeWeight = w.edges.select(0, e);
  const scaled = out.mul(edgeWeight);
  for (const t of [out, edgeWeight]) t.dispose();
  return scaled;
}

/** node + out, releasing both inputs (the sum is all that is used afterwards); either may be a 0-d scalar. */
export function accumulate(node: Tensor, out: Tensor): Tensor {
  const sum = node.add(out);
  node.dispose();
  out.dispose();
  return sum;
}
