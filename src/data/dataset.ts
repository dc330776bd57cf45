// A data set in memory: images as one uint8 tensor N×H×W×C (the layout files store), int64 labels,
// class names and the per-channel mean/std of the [0, 1]-scaled pixels used for normalisation.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

export interface Dataset {
  readonly name: string;
  readonly images: Tensor;
  readonly labels: Tensor;
  readonly classes: readonly string[];
  readonly mean: readonly number[];
  readonly std: readonly number[];
}

export function datasetSize(d: Dataset): number {
  return d.images.shape[0]!;
}

/** [height, width, channels]. */
export function imageShape(d: Dataset): [number, number, number] {
  const [, h, w, c] = d.images.shape;
  return [h!, w!, c!];
}

/** Builds a Dataset from raw HWC bytes and labels; computes channel statistics when not given. */
export function makeDataset(o: {
  name: string;
  pixels: Uint8Array;
  labels: ArrayLike<number>;
  shape: [number, number, number, number];
  classes: readonly string[];
  mean?: readonly number[];
  std?: readonly number[];
}): Dataset {
  const images = torch.keep(torch.fromBytes(o.pixels, o.shape, 'uint8'));
  const labels = torch.keep(torch.tensor(BigInt64Array.from(Array.from(o.labels, (v) => BigInt(v)))));
  const stats = o.mean && o.std ? { mean: o.mean, std: o.std } : channelStats(images);
  return { name: o.name, images, labels, classes: o.classes, ...stats };
}

/**
 * Per-channel mean and (population) std of pixels scaled to [0, 1]. Sums run in float64 over chunks
 * of about 4 M bytes: a float64 copy of all 50,000 CIFAR images at once would take 1.2 GB.
 */
export function channelStats(images: Tensor): { mean: number[]; std: number[] } {
  const [n, h, w, c] = images.shape as [number, number, number, number];
  const perChunk = Math.max(1, Math.floor((1 << 22) / Math.max(1, h * w * c)));
  const sum = new Float64Array(c);
  const sumOfSquares = new Float64Array(c);
  torch.noGrad(() => {
    for (let start = 0; start < n; start += perChunk) {
      torch.tidy(() => {
        const x = images.narrow(0, start, Math.min(perChunk, n - start)).reshape([-1, c]).to('float64');
        const s = x.sum(0).data() as Float64Array;
        const q = x.square().sum(0).data() as Float64Array;
        for (let k = 0; k < c; k++) {
          sum[k] += s[k]!;
          sumOfSquares[k] += q[k]!;
        }
      });
    }
  });
  // Byte sums are exact integers in float64, so E[x²] − E[x]² loses nothing to cancellation here.
  const count = n * h * w;
  const mean = Array.from(sum, (v) => v / count / 255);
  const std = Array.from(sumOfSquares, (v, k) => Math.sqrt(Math.max(0, v / count / 255 ** 2 - mean[k]! ** 2)));
  return { mean, std };
}

/** The first `n` examples (a view), for quick looks; n ≤ 0 keeps everything. */
export function limitDataset(d: Dataset, n: number): Dataset {
  const size = datasetSize(d);
  if (n <= 0 || n >= size) return d;
  return { ...d, images: torch.keep(d.images.narrow(0, 0, n)), labels: torch.keep(d.labels.narrow(0, 0, n)) };
}
