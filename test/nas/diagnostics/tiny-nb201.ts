// A very small float64 NAS-Bench-201 supernet (30 architecture parameters): small enough that its
// Hessian w.r.t. α can be formed explicitly, row by row, in a test.
import { archList, createArchParams } from '../../../src/nas/arch.js';
import type { HessianContext } from '../../../src/nas/diagnostics/collapse.js';
import { softmaxMixing } from '../../../src/nas/mixing/index.js';
import { Nb201Supernet, nb201Space } from '../../../src/nas/spaces/nb201-space.js';
import { progressAt } from '../../../src/nas/types.js';
import type { Batch } from '../../../src/nas/update/common.js';
import * as torch from '../../../src/torch/index.js';

export function tinyNb201(): { ctx: HessianContext; batches: Batch[] } {
  torch.manualSeed(5);
  const mixing = softmaxMixing();
  const net = new Nb201Supernet({ inChannels: 3, numClasses: 3, initChannels: 2, layers: 1 }, mixing).to('float64');
  const arch = createArchParams(nb201Space, mixing, { dtype: 'float64' });
  // Spread-out alphas, so the softmax weights differ and the Hessian is not nearly degenerate.
  torch.noGrad(() => Object.values(arch).forEach((a) => a.normal_(0, 0.7)));
  const batch = (): Batch => ({ x: torch.keep(torch.randn([5, 3, 6, 6], { dtype: 'float64' })), y: torch.keep(torch.randint(0, 3, [5])) });
  return { ctx: { net, mixing, arch, space: nb201Space, archParams: archList(arch), weights: net.parameters(), progress: progressAt(0, 1) }, batches: [batch(), batch()] };
}
