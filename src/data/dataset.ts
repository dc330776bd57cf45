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

/** Per-channel mean and (population) std of pixels scaled to [0, 1]. */
export function channelStats(images: Tensor): { mean: number[]; std: number[] } {
  return torch.noGrad(() =>
    torch.tidy(() => {
      const c = images.shape[3]!;
      const flat = images.reshape([-1, c]).to('float64').div(255);
      return { mean: flat.mean(0).tolist() as number[], std: flat.std(0, { unbiased: false }).tolist() as number[] };
    }),
  );
}

/** The first `n` examples (a view), for quick looks; n ≤ 0 keeps everything. */
export function limitDataset(d: Dataset, n: number): Dataset {
  const size = datasetSize(d);
  if (n <= 0 || n >= size) return d;
  return { ...d, images: torch.keep(d.images.narrow(0, 0, n)), labels: torch.keep(d.labels.narrow(0, 0, n)) };
}
