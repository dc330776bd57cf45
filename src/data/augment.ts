// Batched augmentation as tensor ops (never per-pixel JavaScript), in the DARTS reference's order:
// random crop with zero padding and horizontal flip on the raw image, then scaling to [0, 1],
// normalisation, and cutout after normalisation. Randomness comes from torch's seeded generator.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

export interface AugmentOptions {
  /** Zero padding for the random crop (DARTS: 4 for 32×32); 0 disables the crop. */
  cropPadding?: number;
  horizontalFlip?: boolean;
  /** Side of the cutout square in pixels; 0 disables it. */
  cutout?: number;
  mean: readonly number[];
  std: readonly number[];
  /** Output memory format of the N×C×H×W float batch. */
  memoryFormat?: 'channelsLast' | 'contiguous';
}

/** Random crops of an N×C×H×W batch: pad by `padding` zeros, take an H×W window per image. */
export function randomCrop(x: Tensor, padding: number): Tensor {
  if (padding <= 0) return x.clone();
  const [n, , h, w] = x.shape as [number, number, number, number];
  return torch.tidy(() => {
    const padded = torch.pad(x, [padding, padding, padding, padding]);
    const offsets = torch.randint(0, 2 * padding + 1, [n, 2]).tolist() as number[][];
    const crops = offsets.map(([dy, dx], i) => padded.select(0, i).narrow(1, dy!, h).narrow(2, dx!, w));
    return torch.stack(crops, 0);
  });
}

/** Flips each image left-right with probability 1/2. */
export function randomHorizontalFlip(x: Tensor): Tensor {
  return torch.tidy(() => {
    const n = x.shape[0]!;
    const flip = torch.rand([n, 1, 1, 1]).lt(0.5);
    return x.flip(3).where(flip, x);
  });
}

/**
 * Zeroes one square of side `size` per image, centred uniformly over the image and clipped at the
 * borders (DARTS' Cutout: rows [cy − size/2, cy + size/2) ∩ [0, H)). `centres` fixes them for tests.
 */
export function cutout(x: Tensor, size: number, centres?: Tensor): Tensor {
  if (size <= 0) return x.clone();
  const [n, , h, w] = x.shape as [number, number, number, number];
  return torch.tidy(() => {
    const c = centres ?? torch.stack([torch.randint(0, h, [n]), torch.randint(0, w, [n])], 1);
    const cy = c.select(1, 0).view([n, 1, 1, 1]);
    const cx = c.select(1, 1).view([n, 1, 1, 1]);
    const half = Math.floor(size / 2);
    const rows = torch.arange(h).view([1, 1, h, 1]);
    const cols = torch.arange(w).view([1, 1, 1, w]);
    const inRows = rows.ge(cy.sub(half)).logicalAnd(rows.lt(cy.add(half)));
    const inCols = cols.ge(cx.sub(half)).logicalAnd(cols.lt(cx.add(half)));
    return x.maskedFill(inRows.logicalAnd(inCols), 0);
  });
}

/** uint8 N×H×W×C images → augmented float32 N×C×H×W (channels-last by default). */
export function augmentBatch(images: Tensor, o: AugmentOptions, train: boolean): Tensor {
  return torch.tidy(() => {
    const c = images.shape[3]!;
    // N×H×W×C viewed as N×C×H×W is already channels-last in memory: no copy.
    let x = images.permute(0, 3, 1, 2).to('float32').div(255);
    if (train && (o.cropPadding ?? 0) > 0) x = randomCrop(x, o.cropPadding!);
    if (train && o.horizontalFlip) x = randomHorizontalFlip(x);
    const mean = torch.tensor([...o.mean]).view([1, c, 1, 1]);
    const std = torch.tensor([...o.std]).view([1, c, 1, 1]);
    x = x.sub(mean).div(std);
    if (train && (o.cutout ?? 0) > 0) x = cutout(x, o.cutout!);
    return x.contiguous(o.memoryFormat ?? 'channelsLast');
  });
}
