// Architecture parameters: one [edges × ops] alpha matrix per cell type, initialised 1e-3·N(0,1)
// as in the DARTS reference, plus whatever the mixing adds (PC-DARTS' betas).
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { alphaName } from './mixing/softmax.js';
import { type ArchParams, type Mixing, opColumns, type SearchSpaceInfo } from './types.js';

export const ALPHA_INIT_SCALE = 1e-3;

export function createArchParams(space: SearchSpaceInfo, mixing: Mixing, opts: { device?: string; dtype?: 'float32' | 'float64' } = {}): ArchParams {
  const arch: ArchParams = {};
  // Drawn from the CPU generator and then moved, as the reference does (randn(...).cuda()) and as the
  // weights are (built on the CPU, then moved): the same seed gives the same α on every device.
  for (const t of space.cellTypes) {
    arch[alphaName(t)] = torch.keep(
      torch.noGrad(() => {
        const alpha = torch.randn([space.edgesPerCell, opColumns(space)], { dtype: opts.dtype }).mul_(ALPHA_INIT_SCALE);
        if (!opts.device || opts.device === 'cpu') return alpha;
        const placed = alpha.to({ device: opts.device });
        alpha.dispose();
        return placed;
      }),
    ).requiresGrad_(true);
  }
  for (const [name, t] of Object.entries(mixing.createExtraArchParams(space))) {
    const placed = torch.noGrad(() => t.to({ device: opts.device ?? 'cpu', dtype: opts.dtype ?? 'float32' }));
    if (placed !== t) t.dispose();
    arch[name] = torch.keep(placed).requiresGrad_(true);
  }
  return arch;
}

/** Arch params in a stable order (by name), for optimizers and gradient lists. */
export function archList(arch: ArchParams): Tensor[] {
  return Object.keys(arch)
    .sort()
    .map((k) => arch[k]!);
}
