// NAS-Bench-201's candidate operations (D-X-Y/AutoDL-Projects xautodl/models/cell_operations.py):
// ReLU-Conv-BN convs that carry a bias exactly when their BN is not affine, average pooling without
// a BN after it (unlike the DARTS supernet), identity skips.
import * as nn from '../../nn/index.js';
import type { Tensor } from '../../torch/index.js';
import { type ExpectsReLUInput, Zero } from './darts-ops.js';

export interface BnOptions {
  affine: boolean;
  trackRunningStats: boolean;
}

export class Nb201ReLUConvBN extends nn.Module implements ExpectsReLUInput {
  readonly op: nn.Sequential;
  constructor(cIn: number, cOut: number, kernel: number, stride: number, padding: number, bn: BnOptions, readonly expectsReLUInput = false) {
    super();
    this.op = this.registerModule(
      'op',
      new nn.Sequential(
        ...(expectsReLUInput ? [] : [new nn.ReLU()]),
        new nn.Conv2d(cIn, cOut, kernel, { stride, padding, bias: !bn.affine }),
        new nn.BatchNorm2d(cOut, { affine: bn.affine, trackRunningStats: bn.trackRunningStats }),
      ),
    );
  }
  forward(x: Tensor): Tensor {
    return this.op.forward(x);
  }
}

/** ResNet basic block used between the three stages (stride 2, channels doubled). */
export class ResNetBasicBlock extends nn.Module {
  readonly conv_a: Nb201ReLUConvBN;
  readonly conv_b: Nb201ReLUConvBN;
  readonly downsample: nn.Module | null;
  constructor(inPlanes: number, planes: number, stride: number) {
    super();
    const bn = { affine: true, trackRunningStats: true };
    this.conv_a = this.registerModule('conv_a', new Nb201ReLUConvBN(inPlanes, planes, 3, stride, 1, bn));
    this.conv_b = this.registerModule('conv_b', new Nb201ReLUConvBN(planes, planes, 3, 1, 1, bn));
    if (stride === 2) {
      this.downsample = this.registerModule('downsample', new nn.Sequential(new nn.AvgPool2d(2, { stride: 2 }), new nn.Conv2d(inPlanes, planes, 1, { bias: false })));
    } else if (inPlanes !== planes) {
      this.downsample = this.registerModule('downsample', new Nb201ReLUConvBN(inPlanes, planes, 1, 1, 0, bn));
    } else {
      this.downsample = null;
    }
  }
  forward(x: Tensor): Tensor {
    const a = this.conv_a.forward(x);
    const block = this.conv_b.forward(a);
    const residual = this.downsample ? this.downsample.forward(x) : x;
    const out = residual.add(block);
    for (const t of [a, block]) t.dispose();
    if (residual !== x) residual.dispose();
    return out;
  }
}

/** Builds an NB201 cell op (cell edges keep channels and resolution: stride 1, C in = C out). */
export function createNb201Op(primitive: string, channels: number, stride: number, bn: BnOptions, preActivated = false): nn.Module {
  if (stride !== 1) throw new Error(`NAS-Bench-201 cell ops have stride 1, got ${stride}`);
  switch (primitive) {
    case 'none':
      return new Zero(1);
    case 'skip_connect':
      return new nn.Identity();
    case 'nor_conv_1x1':
      return new Nb201ReLUConvBN(channels, channels, 1, 1, 0, bn, preActivated);
    case 'nor_conv_3x3':
      return new Nb201ReLUConvBN(channels, channels, 3, 1, 1, bn, preActivated);
    case 'avg_pool_3x3':
      return new nn.AvgPool2d(3, { stride: 1, padding: 1, countIncludePad: false });
    default:
      throw new Error(`unknown NAS-Bench-201 op '${primitive}' (known: none, skip_connect, nor_conv_1x1, nor_conv_3x3, avg_pool_3x3)`);
  }
}
