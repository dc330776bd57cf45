// PC-DARTS' partial channel connection (Xu et al. 2020, §3.1; yuhuixu1993/PC-DARTS model_search.py):
// only the first C/K channels of an edge's input go through the mixed op; the other channels bypass
// it (through a 2×2 max-pool on stride-2 edges, to match the output resolution), and a channel
// shuffle with K groups mixes processed and bypassed channels so the next cell samples others.
import * as torch from '../../torch/index.js';
import type { Tensor } from '../../torch/index.js';
import type { EdgeWeights, OpFactory } from '../types.js';
import { WeightedSumEdge } from './weighted-sum.js';

/** [B, C, H, W] → [B, K, C/K, H, W] → swap the group axes → [B, C, H, W]. */
export function channelShuffle(x: Tensor, groups: number): Tensor {
  const [b, c, h, w] = x.shape as [number, number, number, number];
  if (c % groups !== 0) throw new Error(`channelShuffle: ${c} channels do not split into ${groups} groups`);
  return torch.tidy(() => x.reshape([b, groups, c / groups, h, w]).transpose(1, 2).reshape([b, c, h, w]));
}

export class PartialChannelEdge extends WeightedSumEdge {
  constructor(primitives: readonly string[], makeOp: OpFactory, readonly channels: number, stride: number, readonly k: number) {
    if (!Number.isInteger(k) || k < 1 || channels % k !== 0) {
      throw new Error(`--partial-channels: K=${k} does not divide the ${channels} channels of an edge; choose a K that divides --init-channels (and its doublings)`);
    }
    // The ops are built for the sampled C/K channels only (which is where PC-DARTS' memory saving comes from).
    super(primitives, makeOp, channels / k, stride);
  }

  override forward(x: Tensor, w: EdgeWeights): Tensor {
    const part = this.channels / this.k;
    const sampled = x.narrow(1, 0, part);
    const bypass = x.narrow(1, part, this.channels - part);
    const mixed = super.forward(sampled, w);
    const passed = this.stride === 1 ? bypass : torch.maxPool2d(bypass, 2, { stride: 2 });
    const joined = torch.cat([mixed, passed], 1);
    const out = channelShuffle(joined, this.k);
    for (const t of [sampled, mixed, joined, bypass]) t.dispose();
    if (passed !== bypass) passed.dispose();
    return out;
  }
}
