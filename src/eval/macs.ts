// Multiply-accumulates of a network as papers count them: convolutions and linear layers only
// (no BN, pooling or activations), per image, from a forward shape trace — every Conv2d and Linear
// records the output shape it produced on a one-image input. Modules that do not run in inference
// (the auxiliary head) cost nothing, as in the papers.
import * as nn from '../nn/index.js';
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

export interface MacOptions {
  /** Count a linear layer's bias as one MAC per output, as NAS-Bench-201's "FLOPs" do. */
  linearBias?: boolean;
}

/** MACs of one forward pass of `net` on an image of shape `imageShape` [C, H, W]. */
export function countMacs(net: nn.Module, imageShape: readonly [number, number, number], o: MacOptions = {}): number {
  let macs = 0;
  const patched: nn.Module[] = [];
  for (const m of net.modules()) {
    if (!(m instanceof nn.Conv2d) && !(m instanceof nn.Linear)) continue;
    const original = m.forward.bind(m);
    (m as { forward: (x: Tensor) => Tensor }).forward = (x: Tensor) => {
      const y = original(x);
      if (m instanceof nn.Conv2d) {
        // Each output element costs (in channels / groups) × kernel area MACs.
        const [, , h, w] = y.shape as number[];
        macs += m.weight.numel() * h! * w!;
      } else {
        macs += m.weight.numel() + (o.linearBias && m.bias ? m.outFeatures : 0);
      }
      return y;
    };
    patched.push(m);
  }
  const wasTraining = net.training;
  try {
    net.eval();
    torch.tidy(() => torch.noGrad(() => net.forward(torch.zeros([1, ...imageShape], { device: net.parameters()[0]?.device }))));
  } finally {
    for (const m of patched) delete (m as { forward?: unknown }).forward;
    net.train(wasTraining);
  }
  return macs;
}
