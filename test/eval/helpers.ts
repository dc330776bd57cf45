// Shared by the export tests: modules with non-trivial BatchNorm statistics, temp folders.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as nn from '../../src/nn/index.js';
import * as torch from '../../src/torch/index.js';

/** Gives every BatchNorm2d random running statistics (and affine parameters), so eval mode differs from train mode and from the identity. */
export function randomizeBatchNorms(m: nn.Module): void {
  torch.noGrad(() => {
    for (const bn of m.modules()) {
      if (!(bn instanceof nn.BatchNorm2d)) continue;
      const c = bn.numFeatures;
      torch.tidy(() => {
        bn.runningMean?.copy_(torch.randn([c]).mul(0.5));
        bn.runningVar?.copy_(torch.rand([c]).add(0.5));
        bn.weight?.copy_(torch.randn([c]).mul(0.3).add(1));
        bn.bias?.copy_(torch.randn([c]).mul(0.2));
      });
    }
  });
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `dnas-${prefix}-`));
}
