// A seeded synthetic data set for tests and benchmarks: each class is a fixed random prototype
// image plus per-example noise, so a network can learn it and runs are reproducible. Prototypes
// come from `patternSeed` and noise from `seed`, so a train and a test set drawn with different
// seeds pose the same task.
import { type Dataset, makeDataset } from './dataset.js';
import { Rng } from './rng.js';

export interface SyntheticOptions {
  size?: number;
  imageSize?: number;
  channels?: number;
  numClasses?: number;
  /** Seed of the per-example noise. */
  seed?: number;
  /** Seed of the class prototypes: keep it equal across splits. */
  patternSeed?: number;
  noise?: number;
}

export function makeSynthetic(o: SyntheticOptions = {}): Dataset {
  const { size = 512, imageSize = 16, channels = 3, numClasses = 4, seed = 0, patternSeed = 0, noise = 40 } = o;
  const pixelsPerImage = imageSize * imageSize * channels;
  const patterns = new Rng(patternSeed);
  const prototypes = Array.from({ length: numClasses }, () => Uint8Array.from({ length: pixelsPerImage }, () => Math.floor(patterns.next() * 256)));
  // A different stream from the prototypes' even when the two seeds are equal.
  const rng = new Rng((seed ^ 0x9e3779b9) >>> 0);
  const pixels = new Uint8Array(size * pixelsPerImage);
  const labels = new Uint8Array(size);
  for (let i = 0; i < size; i++) {
    const label = i % numClasses;
    labels[i] = label;
    const proto = prototypes[label]!;
    for (let p = 0; p < pixelsPerImage; p++) {
      const v = proto[p]! + (rng.next() - 0.5) * 2 * noise;
      pixels[i * pixelsPerImage + p] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return makeDataset({ name: 'synthetic', pixels, labels, shape: [size, imageSize, imageSize, channels], classes: Array.from({ length: numClasses }, (_, i) => `class${i}`) });
}
