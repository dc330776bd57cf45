import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { augmentBatch, cutout, makeSynthetic, randomCrop, randomHorizontalFlip } from '../../src/data/index.js';
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';

const values = (t: Tensor): number[] => Array.from(t.data() as ArrayLike<number | bigint>, Number);

/** A float32 N×C×H×W batch of distinct non-zero values (so a zero can only come from padding). */
function distinctBatch(n: number, c: number, h: number, w: number): Tensor {
  return torch.arange(1, n * c * h * w + 1, 1, { dtype: 'float32' }).view([n, c, h, w]);
}

describe('augmentBatch', () => {
  test('outputsFloat32ChannelsLastNCHWInTrainingAndEvaluation', () => {
    const ds = makeSynthetic({ size: 8, imageSize: 16, channels: 3 });
    for (const train of [true, false]) {
      const x = augmentBatch(ds.images, { cropPadding: 2, horizontalFlip: true, cutout: 4, mean: ds.mean, std: ds.std }, train);
      assert.deepEqual(x.shape, [8, 3, 16, 16]);
      assert.equal(x.dtype, 'float32');
      assert.ok(x.isContiguous('channelsLast'), `train=${train}: not channels-last`);
    }
    const c = augmentBatch(ds.images, { mean: ds.mean, std: ds.std, memoryFormat: 'contiguous' }, false);
    assert.ok(c.isContiguous(), 'memoryFormat contiguous is honoured');
  });

  test('normalisesAKnownPixelValue', () => {
    const mean = [0.1, 0.2, 0.3];
    const std = [0.5, 0.25, 0.2];
    const images = torch.full([2, 3, 4, 3], 128, { dtype: 'uint8' });
    const x = augmentBatch(images, { mean, std }, false);
    const v = x.contiguous().data() as Float32Array;
    for (let i = 0; i < v.length; i++) {
      const ch = Math.floor(i / 12) % 3;
      const want = (128 / 255 - mean[ch]!) / std[ch]!;
      assert.ok(Math.abs(v[i]! - want) < 1e-5, `element ${i} (channel ${ch}): got ${v[i]}, want ${want}`);
    }
  });

  test('isReproducibleUnderManualSeed', () => {
    const ds = makeSynthetic({ size: 16, imageSize: 16, channels: 3 });
    const o = { cropPadding: 2, horizontalFlip: true, cutout: 6, mean: ds.mean, std: ds.std };
    const run = (seed: number): number[] => {
      torch.manualSeed(seed);
      return values(augmentBatch(ds.images, o, true).contiguous());
    };
    assert.deepEqual(run(3), run(3));
    assert.notDeepEqual(run(3), run(4));
  });
});

describe('randomHorizontalFlip', () => {
  test('flipTwiceIsIdentity', () => {
    const x = torch.randn([2, 3, 5, 7]);
    assert.deepEqual(values(x.flip(3).flip(3)), values(x));
  });

  test('eachImageIsTheInputOrItsMirror', () => {
    torch.manualSeed(0);
    const x = distinctBatch(32, 2, 3, 4);
    const y = randomHorizontalFlip(x);
    let flipped = 0;
    for (let i = 0; i < 32; i++) {
      const out = values(y.select(0, i));
      const same = values(x.select(0, i));
      const mirror = values(x.select(0, i).flip(2));
      if (out.every((v, k) => v === mirror[k])) flipped++;
      else assert.deepEqual(out, same, `image ${i} is neither the input nor its mirror`);
    }
    assert.ok(flipped > 0 && flipped < 32, `flipped ${flipped} of 32 images`);
  });
});

describe('cutout', () => {
  /** Expected zero mask by the DARTS rule, rows [cy − L/2, cy + L/2) × cols [cx − L/2, cx + L/2) clipped. */
  function expectZero(cy: number, cx: number, size: number, r: number, c: number): boolean {
    const half = Math.floor(size / 2);
    return r >= cy - half && r < cy + half && c >= cx - half && c < cx + half;
  }

  test('zeroesExactlyTheClippedSquareAroundExplicitCentres', () => {
    const [n, ch, h, w] = [4, 2, 8, 10];
    const size = 4;
    const x = torch.ones([n, ch, h, w]);
    // Centre, top-left corner, bottom-right corner, left edge.
    const centres = [[4, 5], [0, 0], [7, 9], [3, 1]];
    const y = cutout(x, size, torch.tensor(BigInt64Array.from(centres.flat(), (v) => BigInt(v)), { shape: [n, 2] }));
    const v = values(y);
    const zeros = [0, 0, 0, 0];
    for (let i = 0; i < n; i++) {
      const [cy, cx] = centres[i]!;
      for (let k = 0; k < ch; k++)
        for (let r = 0; r < h; r++)
          for (let c = 0; c < w; c++) {
            const got = v[((i * ch + k) * h + r) * w + c]!;
            const zero = expectZero(cy!, cx!, size, r, c);
            assert.equal(got, zero ? 0 : 1, `image ${i} channel ${k} pixel (${r}, ${c})`);
            if (zero && k === 0) zeros[i]!++;
          }
    }
    // The interior square is full, the corners keep only the in-image part.
    assert.deepEqual(zeros, [16, 2 * 2, 3 * 3, 4 * 3]);
  });

  test('randomCentresZeroAtMostOneSquarePerImage', () => {
    torch.manualSeed(1);
    const y = cutout(torch.ones([16, 1, 8, 8]), 4);
    for (let i = 0; i < 16; i++) {
      const z = values(y.select(0, i)).filter((v) => v === 0).length;
      assert.ok(z >= 4 && z <= 16, `image ${i}: ${z} zeros`);
    }
  });
});

describe('randomCrop', () => {
  test('everyOutputIsAShiftedWindowOfTheZeroPaddedInput', () => {
    const [n, c, h, w, p] = [24, 2, 6, 5, 2];
    const x = distinctBatch(n, c, h, w);
    const seen = new Set<string>();
    for (const input of [x, x.contiguous('channelsLast')]) {
      torch.manualSeed(7);
      const y = randomCrop(input, p);
      assert.deepEqual(y.shape, [n, c, h, w]);
      const padded = torch.pad(x, [p, p, p, p]);
      for (let i = 0; i < n; i++) {
        const out = values(y.select(0, i));
        let match: string | null = null;
        for (let dy = 0; dy <= 2 * p && !match; dy++)
          for (let dx = 0; dx <= 2 * p && !match; dx++) {
            const win = values(padded.select(0, i).narrow(1, dy, h).narrow(2, dx, w));
            if (win.every((v, k) => v === out[k])) match = `${dy},${dx}`;
          }
        assert.ok(match, `image ${i} is no shifted window of the padded input`);
        seen.add(match);
      }
    }
    assert.ok(seen.size > 3, `only ${seen.size} distinct offsets in ${n} crops`);
  });

  test('zeroPaddingDisablesTheCrop', () => {
    const x = distinctBatch(2, 1, 3, 3);
    assert.deepEqual(values(randomCrop(x, 0)), values(x));
  });
});
