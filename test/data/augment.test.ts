// Batched augmentation: shapes and layout, flip involution, cutout squares, crops as shifted
// windows, normalisation values, and the fused batch path against the one-op-at-a-time path.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as data from '../../src/data/index.js';
import * as torch from '../../src/torch/index.js';

/** uint8 N×H×W×C images whose every pixel is distinct within an image: v = (1 + h·W·C + w·C + c + n) mod 256. */
function patternImages(n: number, h: number, w: number, c: number): torch.Tensor {
  const bytes = new Uint8Array(n * h * w * c);
  for (let i = 0; i < bytes.length; i++) bytes[i] = (1 + (i % (h * w * c)) + Math.floor(i / (h * w * c))) % 256;
  return torch.fromBytes(bytes, [n, h, w, c], 'uint8');
}

const unit = (c: number) => ({ mean: Array(c).fill(0), std: Array(c).fill(1) });

describe('augmentation', () => {
  it('augmentBatchGivesFloat32ChannelsLastNCHW', () => {
    torch.tidy(() => {
      const images = patternImages(5, 12, 10, 3);
      for (const train of [true, false]) {
        const x = data.augmentBatch(images, { ...unit(3), cropPadding: 2, horizontalFlip: true, cutout: 4 }, train);
        assert.deepEqual(x.shape, [5, 3, 12, 10]);
        assert.equal(x.dtype, 'float32');
        assert.ok(x.isContiguous('channelsLast'));
        assert.deepEqual(x.strides(), [360, 1, 30, 3]);
      }
      const y = data.augmentBatch(images, { ...unit(3), cropPadding: 2, memoryFormat: 'contiguous' }, true);
      assert.ok(y.isContiguous());
      assert.deepEqual(y.shape, [5, 3, 12, 10]);
      const g = data.augmentBatch(patternImages(2, 28, 28, 1), { ...unit(1), cropPadding: 3, horizontalFlip: true }, true);
      assert.deepEqual(g.shape, [2, 1, 28, 28]);
    });
  });

  it('evaluationBatchOnlyScalesAndNormalises', () => {
    torch.tidy(() => {
      const images = patternImages(3, 6, 6, 3);
      const mean = [0.5, 0.25, 0.125];
      const std = [0.5, 0.25, 2];
      const x = data.augmentBatch(images, { mean, std, cropPadding: 2, horizontalFlip: true, cutout: 4 }, false);
      // Pixel (n=1, h=2, w=3, c=2): byte 1 + 2·18 + 3·3 + 2 + 1 = 49.
      assert.equal(images.select(0, 1).select(0, 2).select(0, 3).select(0, 2).item(), 49);
      assert.ok(Math.abs(x.select(0, 1).select(0, 2).select(0, 2).select(0, 3).item() - (49 / 255 - 0.125) / 2) < 1e-6);
      const expected = images.permute(0, 3, 1, 2).to('float64').div(255).sub(torch.tensor(mean, { dtype: 'float64' }).view([1, 3, 1, 1])).div(torch.tensor(std, { dtype: 'float64' }).view([1, 3, 1, 1]));
      assert.ok(x.to('float64').sub(expected).abs().max().item() < 1e-6);
    });
  });

  it('normalisesAKnownPixelWithTheDatasetStatistics', () => {
    torch.tidy(() => {
      const images = torch.fromBytes(Uint8Array.from([0, 255, 51]), [1, 1, 3, 1], 'uint8');
      const x = data.augmentBatch(images, { mean: [0.2860], std: [0.3530] }, false);
      const got = x.flatten().tolist() as number[];
      const want = [0, 1, 0.2].map((v) => (v - 0.286) / 0.353);
      got.forEach((g, i) => assert.ok(Math.abs(g - want[i]!) < 1e-6, `pixel ${i}: ${g} vs ${want[i]}`));
    });
  });

  it('flipTwiceIsTheIdentity', () => {
    torch.tidy(() => {
      const x = torch.randn([4, 3, 5, 7]);
      assert.equal(x.flip(3).flip(3).eq(x).all().item(), 1);
      assert.equal(x.flip(3).eq(x).all().item(), 0);
      const f = data.randomHorizontalFlip(x);
      // Each image is either itself or its mirror.
      for (let i = 0; i < 4; i++) {
        const fi = f.select(0, i);
        const xi = x.select(0, i);
        assert.ok(fi.eq(xi).all().item() === 1 || fi.eq(xi.flip(2)).all().item() === 1, `image ${i}`);
      }
    });
  });

  it('randomFlipMirrorsAboutHalfTheImages', () => {
    torch.tidy(() => {
      torch.manualSeed(0);
      const x = torch.arange(8).to('float32').view([1, 1, 1, 8]).expand([400, 1, 1, 8]).contiguous();
      const f = data.randomHorizontalFlip(x);
      const flipped = f.select(3, 0).eq(7).sum().item();
      assert.ok(flipped > 150 && flipped < 250, `${flipped} of 400 flipped`);
    });
  });

  it('cutoutWithExplicitCentresZeroesExactlyTheSquareClippedAtBorders', () => {
    torch.tidy(() => {
      const [n, c, h, w] = [3, 2, 10, 12];
      const x = torch.ones([n, c, h, w]);
      const size = 4;
      const centres: [number, number][] = [[5, 6], [0, 0], [9, 11]];
      const y = data.cutout(x, size, torch.tensor(BigInt64Array.from(centres.flat(), BigInt), { shape: [n, 2] }));
      const vals = y.tolist() as number[][][][];
      centres.forEach(([cy, cx], i) => {
        let zeros = 0;
        for (let ch = 0; ch < c; ch++)
          for (let r = 0; r < h; r++)
            for (let q = 0; q < w; q++) {
              const inside = r >= cy - 2 && r < cy + 2 && q >= cx - 2 && q < cx + 2;
              assert.equal(vals[i]![ch]![r]![q], inside ? 0 : 1, `image ${i} channel ${ch} (${r}, ${q})`);
              if (!inside) continue;
              zeros++;
            }
        const rows = Math.min(h, cy + 2) - Math.max(0, cy - 2);
        const cols = Math.min(w, cx + 2) - Math.max(0, cx - 2);
        assert.equal(zeros, c * rows * cols);
      });
      // Centre square 4×4, top-left corner clipped to 2×2 (rows −2..1), bottom-right to 3×3 (rows 7..9, columns 9..11).
      assert.equal(y.eq(0).sum().item(), c * (16 + 4 + 9));
      assert.throws(() => data.cutout(x, size, torch.zeros([n, 3], { dtype: 'int64' })), /cutout: centres must be 3×2/);
    });
  });

  it('randomCropIsAShiftedWindowOfTheZeroPaddedImage', () => {
    torch.tidy(() => {
      torch.manualSeed(1);
      const [n, c, h, w, p] = [24, 2, 6, 5, 2];
      const x = patternImages(n, h, w, c).permute(0, 3, 1, 2).to('float32');
      const crops = data.randomCrop(x, p);
      assert.deepEqual(crops.shape, [n, c, h, w]);
      const padded = torch.pad(x, [p, p, p, p]);
      const seen = new Set<string>();
      for (let i = 0; i < n; i++) {
        const crop = crops.select(0, i);
        let match: string | null = null;
        for (let dy = 0; dy <= 2 * p && !match; dy++)
          for (let dx = 0; dx <= 2 * p && !match; dx++)
            if (padded.select(0, i).narrow(1, dy, h).narrow(2, dx, w).eq(crop).all().item() === 1) match = `${dy},${dx}`;
        assert.ok(match, `crop ${i} is no ${h}×${w} window of the padded image`);
        seen.add(match);
      }
      // The offsets are drawn, not fixed: 24 images land on several of the 25 windows.
      assert.ok(seen.size > 5, `only offsets ${[...seen].join(' ')}`);
      assert.equal(data.randomCrop(x, 0).eq(x).all().item(), 1);
    });
  });

  it('fusedBatchPathEqualsCropThenFlipThenNormaliseThenCutout', () => {
    torch.tidy(() => {
      const images = patternImages(16, 8, 8, 3);
      const mean = [0.4, 0.5, 0.6];
      const std = [0.2, 0.25, 0.3];
      const o: data.AugmentOptions = { mean, std, cropPadding: 2, horizontalFlip: true, cutout: 4 };
      torch.manualSeed(7);
      const fused = data.augmentBatch(images, o, true);
      torch.manualSeed(7);
      let x = images.permute(0, 3, 1, 2).to('float32').div(255);
      x = data.randomHorizontalFlip(data.randomCrop(x, 2));
      x = x.sub(torch.tensor(mean).view([1, 3, 1, 1])).div(torch.tensor(std).view([1, 3, 1, 1]));
      x = data.cutout(x, 4);
      assert.ok(fused.sub(x).abs().max().item() < 1e-5);
      // Augmentation draws from torch's generator: the same seed gives the same batch.
      torch.manualSeed(7);
      assert.equal(data.augmentBatch(images, o, true).eq(fused).all().item(), 1);
      torch.manualSeed(8);
      assert.equal(data.augmentBatch(images, o, true).eq(fused).all().item(), 0);
    });
  });

  it('rejectsMismatchedStatistics', () => {
    torch.tidy(() => {
      assert.throws(() => data.augmentBatch(patternImages(1, 4, 4, 3), unit(1), true), /augmentBatch: 3 channels but mean has 1/);
    });
  });

  it('defaultCropPaddingIsFourAt32', () => {
    assert.equal(data.defaultCropPadding(32), 4);
    assert.equal(data.defaultCropPadding(28), 4);
    assert.equal(data.defaultCropPadding(16), 2);
    assert.equal(data.defaultCropPadding(4), 1);
  });
});
