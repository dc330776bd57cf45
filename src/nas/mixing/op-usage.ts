// Which candidate ops a forward actually ran. Single-path mixings (GDAS) skip most ops; PyTorch's
// optimizers keep stepping a weight once it has had a gradient (zero_grad zero-fills it), and in the
// references an architecture step's backward gives the chosen ops' weights a gradient too. Our
// architecture steps freeze the weights, so they record the ops they ran here instead.
import type * as nn from '../../nn/index.js';

let current: Set<nn.Module> | null = null;

/** Runs `fn`, returning the ops the mixed edges ran during it. */
export function recordOpUsage<T>(fn: () => T): { result: T; used: Set<nn.Module> } {
  const outer = current;
  const used = new Set<nn.Module>();
  current = used;
  try {
    return { result: fn(), used };
  } finally {
    current = outer;
    if (outer) for (const m of used) outer.add(m);
  }
}

/** Called by an edge for each op it runs. */
export function noteOpUsed(op: nn.Module): void {
  current?.add(op);
}
