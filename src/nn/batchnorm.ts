// Batch normalisation over N×H×W per channel, with PyTorch's running-statistics update
// (momentum-weighted, unbiased batch variance) and num_batches_tracked.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { Module } from './module.js';

export interface BatchNormOptions {
  eps?: number;
  momentum?: number;
  affine?: boolean;
  trackRunningStats?: boolean;
}

export class BatchNorm2d extends Module {
  weight: Tensor | null;
  bias: Tensor | null;
  runningMean: Tensor | null;
  runningVar: Tensor | null;
  numBatchesTracked: Tensor | null;
  readonly eps: number;
  readonly momentum: number;
  readonly affine: boolean;
  readonly trackRunningStats: boolean;
  constructor(readonly numFeatures: number, o: BatchNormOptions = {}) {
    super();
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum ?? 0.1;
    this.affine = o.affine ?? true;
    this.trackRunningStats = o.trackRunningStats ?? true;
    this.weight = this.registerParameter('weight', this.affine ? torch.ones([numFeatures]) : null);
    this.bias = this.registerParameter('bias', this.affine ? torch.zeros([numFeatures]) : null);
    this.runningMean = this.registerBuffer('running_mean', this.trackRunningStats ? torch.zeros([numFeatures]) : null);
    this.runningVar = this.registerBuffer('running_var', this.trackRunningStats ? torch.ones([numFeatures]) : null);
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', this.trackRunningStats ? torch.zeros([], { dtype: 'int64' }) : null);
  }

  forward(x: Tensor): Tensor {
    return this.normalize(x, false);
  }

  /** relu(this.forward(x)) as one op (see torch.batchNorm's relu option); nn.Sequential uses it for a BatchNorm2d followed by a ReLU. */
  forwardReLU(x: Tensor): Tensor {
    return this.normalize(x, true);
  }

  /**
   * this.forward(x) / divisor[n] + addend in one op (either may be null; divisor has one value per
   * sample): a trained DARTS cell's drop-path node folded into the batch norm that ends one of its
   * ops (see torch.batchNorm's divisor), bit for bit the unfolded node's.
   */
  forwardNode(x: Tensor, divisor: Tensor | null, addend: Tensor | null): Tensor {
    return this.normalize(x, false, divisor, addend);
  }

  private normalize(x: Tensor, relu: boolean, divisor: Tensor | null = null, addend: Tensor | null = null): Tensor {
    if (x.ndim !== 4) throw new Error(`BatchNorm2d: expected a 4-D input (N×C×H×W), got shape [${x.shape.join(', ')}]`);
    const useBatchStats = this.training || this.runningMean === null;
    if (this.training && this.numBatchesTracked) torch.noGrad(() => this.numBatchesTracked!.add_(1));
    return torch.batchNorm(x, {
      weight: this.weight,
      bias: this.bias,
      // In training the running stats are updated in place; without tracking, batch stats are always used.
      runningMean: this.runningMean,
      runningVar: this.runningVar,
      training: useBatchStats,
      momentum: this.momentum,
      eps: this.eps,
      relu,
      divisor,
      addend,
    });
  }
}

/**
 * The batch norms `bns`, each over its own channel range of x in order (x has Σ numFeatures
 * channels), as one op where all run in training mode with one eps and momentum
 * (torch.batchNormPieces: dense outputs, no split copy); otherwise x is split and each runs on its
 * piece. What two 1×1 preprocessing convs joined into one need (runReLUConvBNsTogether).
 */
export function batchNormsOverChannels(x: Tensor, bns: readonly BatchNorm2d[]): Tensor[] {
  const [first] = bns;
  const together = first !== undefined && bns.every((bn) => bn.training && bn.trackRunningStats && bn.eps === first.eps && bn.momentum === first.momentum);
  if (!together) {
    return torch.splitChannels(x, bns.map((bn) => bn.numFeatures)).map((piece, i) => {
      const out = bns[i]!.forward(piece);
      piece.dispose();
      return out;
    });
  }
  for (const bn of bns) if (bn.numBatchesTracked) torch.noGrad(() => bn.numBatchesTracked!.add_(1));
  return torch.batchNormPieces(
    x,
    bns.map((bn) => bn.numFeatures),
    bns.map((bn) => ({ weight: bn.weight, bias: bn.bias, runningMean: bn.runningMean, runningVar: bn.runningVar })),
    { momentum: first.momentum, eps: first.eps },
  );
}

