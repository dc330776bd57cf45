// AutoAugment: every operation against Pillow's output on one image (fixture made by
// fixtures/make_autoaugment_fixture.py), a few by hand, the policy tables, and seeded frequency
// checks that images follow the sub-policy draw and the steps' probabilities.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import * as data from '../../src/data/index.js';
import * as torch from '../../src/torch/index.js';
import { readFixture } from '../fixture-path.js';

const ops = data.autoAugmentOps;
const fixture = readFixture<{ image: number[][][]; results: Record<string, number[][][]> }>('data/fixtures/autoaugment_fixture.json');

/** H×W×C nested pixels → 1×C×H×W float32. */
const chw = (hwc: number[][][]) => torch.tensor(hwc, { dtype: 'float32' }).permute(2, 0, 1).unsqueeze(0).contiguous();
const hwc = (x: torch.Tensor) => x.squeeze(0).permute(1, 2, 0).contiguous().tolist();

describe('AutoAugment operations match Pillow', () => {
  const cases: Record<string, (x: torch.Tensor) => torch.Tensor> = {
    invert: (x) => ops.invert(x),
    autocontrast: (x) => ops.autocontrast(x),
    equalize: (x) => ops.equalize(x),
    posterize4: (x) => ops.posterize(x, [4]),
    posterize7: (x) => ops.posterize(x, [7]),
    solarize128: (x) => ops.solarize(x, [128]),
    'color1.6': (x) => ops.color(x, [1.6]),
    'color0.3': (x) => ops.color(x, [0.3]),
    'contrast1.7': (x) => ops.contrast(x, [1.7]),
    'contrast0.4': (x) => ops.contrast(x, [0.4]),
    'brightness1.9': (x) => ops.brightness(x, [1.9]),
    'brightness0.2': (x) => ops.brightness(x, [0.2]),
    'sharpness1.8': (x) => ops.sharpness(x, [1.8]),
    'sharpness0.1': (x) => ops.sharpness(x, [0.1]),
    'shearX0.3': (x) => ops.affineNearest(x, [[1, 0.3, 0, 0, 1, 0]]),
    'shearY-0.2': (x) => ops.affineNearest(x, [[1, 0, 0, -0.2, 1, 0]]),
    'translateX6.5': (x) => ops.affineNearest(x, [[1, 0, 6.5, 0, 1, 0]]),
    'translateY-4.8': (x) => ops.affineNearest(x, [[1, 0, 0, 0, 1, -4.8]]),
    rotate20: (x) => ops.affineNearest(x, [ops.rotationCoefficients(20, 20, 20)]),
  };
  for (const [name, op] of Object.entries(cases)) {
    it(`${name}EqualsPillowPixelForPixel`, () => {
      torch.tidy(() => assert.deepEqual(hwc(op(chw(fixture.image))), fixture.results[name]));
    });
  }

  it('batchedOpsUsePerImageParameters', () => {
    torch.tidy(() => {
      const x = torch.tensor([100, 200], { dtype: 'float32' }).view([2, 1, 1, 1]);
      // Posterize to 4 and 6 bits; solarize at 150 and 250; brightness ×1.5 and ×0.5 (truncated, clipped).
      assert.deepEqual(ops.posterize(x, [4, 6]).flatten().tolist(), [96, 200]);
      assert.deepEqual(ops.solarize(x, [150, 250]).flatten().tolist(), [100, 200]);
      assert.deepEqual(ops.solarize(x, [100, 250]).flatten().tolist(), [155, 200]);
      assert.deepEqual(ops.brightness(x, [1.5, 0.5]).flatten().tolist(), [150, 100]);
      assert.deepEqual(ops.brightness(x, [1.9, 1.9]).flatten().tolist(), [190, 255]);
    });
  });

  it('autocontrastStretchesEachChannelByHand', () => {
    torch.tidy(() => {
      // Channel 0 spans 50..100 → scale 5.1: 50→0, 60→51, and 100→254, not 255, because PIL's
      // int(100·5.1 − 50·5.1) truncates 254.99999999999997 (checked with Pillow 9.4); channel 1 is flat and stays.
      const x = torch.tensor([[[[50, 60, 100]], [[7, 7, 7]]]], { dtype: 'float32' });
      assert.deepEqual(ops.autocontrast(torch.cat([x, x.narrow(1, 0, 1)], 1)).tolist(), [[[[0, 51, 254]], [[7, 7, 7]], [[0, 51, 254]]]]);
    });
  });
});

describe('AutoAugment policies', () => {
  it('tablesHaveThePapersAndSharpDartsSizes', () => {
    assert.equal(data.CIFAR10_POLICY.length, 25);
    assert.equal(data.SHARPDARTS_CIFAR10_POLICY.length, 95);
    assert.deepEqual(data.CIFAR10_POLICY[0], [[0.1, 'invert', 7], [0.2, 'contrast', 6]]);
  });

  it('magnitudeIndicesMapToThePilRanges', () => {
    assert.deepEqual(Array.from({ length: 10 }, (_, i) => data.magnitudeValue('posterize', i)), [8, 8, 7, 7, 6, 6, 5, 5, 4, 4]);
    assert.equal(data.magnitudeValue('solarize', 0), 256);
    assert.equal(data.magnitudeValue('solarize', 9), 0);
    assert.ok(Math.abs(data.magnitudeValue('translateX', 9) - 150 / 331) < 1e-15);
    assert.ok(Math.abs(data.magnitudeValue('rotate', 2) - 20 / 3) < 1e-12);
    assert.throws(() => data.magnitudeValue('color', 10), /magnitude index of color must be an integer 0..9, got 10/);
  });

  it('subPoliciesAreDrawnUniformlyAndStepsFollowTheirProbabilities', () => {
    torch.manualSeed(7);
    const n = 5000;
    const plan = data.planAutoAugment(n, 'cifar10');
    const counts = new Array<number>(25).fill(0);
    for (const s of plan.subPolicy) counts[s]!++;
    const e = n / 25;
    const chiSquare = counts.reduce((a, c) => a + (c - e) ** 2 / e, 0);
    assert.ok(chiSquare < 51.2, `sub-policy counts ${counts} (χ² = ${chiSquare}, 24 df, p = 0.001 at 51.2)`);
    for (const k of [0, 1] as const) {
      const probabilities = plan.subPolicy.map((s) => data.CIFAR10_POLICY[s]![k][0]);
      const mean = probabilities.reduce((a, p) => a + p, 0);
      const sd = Math.sqrt(probabilities.reduce((a, p) => a + p * (1 - p), 0));
      const applied = plan.steps[k].filter((s) => s !== null).length;
      assert.ok(Math.abs(applied - mean) < 4 * sd, `step ${k}: ${applied} applied, expected ${mean} ± ${sd}`);
      plan.steps[k].forEach((s, i) => {
        if (s) assert.equal(s.op, data.CIFAR10_POLICY[plan.subPolicy[i]!]![k][1]);
      });
    }
  });

  it('imagesShowEachOutcomeOfTwoStepsAtItsProbability', () => {
    torch.manualSeed(11);
    // invert (p 0.3) then posterize to 4 bits (p 0.6): 100 → 100 | 155 | 96 | 144, each outcome distinct.
    const policy: data.SubPolicy[] = [[[0.3, 'invert', 0], [0.6, 'posterize', 9]]];
    const n = 4000;
    const out = torch.tidy(() => data.autoAugment(torch.full([n, 3, 2, 2], 100), { policy }).select(1, 0).select(1, 0).select(1, 0).data()) as Float32Array;
    const expected = new Map([[100, 0.7 * 0.4], [155, 0.3 * 0.4], [96, 0.7 * 0.6], [144, 0.3 * 0.6]]);
    const seen = new Map<number, number>();
    for (const v of out) seen.set(v, (seen.get(v) ?? 0) + 1);
    assert.deepEqual([...seen.keys()].sort((a, b) => a - b), [96, 100, 144, 155]);
    const chiSquare = [...expected].reduce((a, [v, p]) => a + ((seen.get(v) ?? 0) - n * p) ** 2 / (n * p), 0);
    assert.ok(chiSquare < 16.27, `outcome counts ${[...seen]} (χ² = ${chiSquare}, 3 df, p = 0.001 at 16.27)`);
  });

  it('unknownPolicyNamesAreRejected', () => {
    assert.throws(() => data.planAutoAugment(2, 'imagenet' as data.AutoAugmentPolicyName), /unknown policy 'imagenet' \(known: cifar10, sharpdarts-cifar10\)/);
  });
});

describe('AutoAugment in augmentBatch', () => {
  it('runsOnPixelValuesBeforeNormalisationAndOnlyWhenTraining', () => {
    torch.manualSeed(3);
    torch.tidy(() => {
      const bytes = Uint8Array.from({ length: 16 * 8 * 8 * 3 }, (_, i) => (i * 37) % 256);
      const images = torch.fromBytes(bytes, [16, 8, 8, 3], 'uint8');
      const o: data.AugmentOptions = { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], cropPadding: 2, horizontalFlip: true, autoaugment: true, autoaugmentPolicy: 'sharpdarts-cifar10' };
      const pixels = data.augmentBatch(images, o, true).mul(0.25).add(0.5).mul(255);
      // Every value is still an integer pixel level: the policy saw 0..255 images.
      assert.ok(pixels.sub(pixels.round()).abs().max().item() < 1e-3);
      assert.ok(pixels.min().item() > -1e-3 && pixels.max().item() < 255 + 1e-3);
      const plain = data.augmentBatch(images, { ...o, autoaugment: false }, false);
      assert.equal(data.augmentBatch(images, o, false).eq(plain).all().item(), 1);
    });
  });

  it('followsSharpDartsOrderGreyPaddedCropFlipPolicyNormaliseCutout', () => {
    torch.tidy(() => {
      const bytes = Uint8Array.from({ length: 8 * 6 * 6 * 3 }, (_, i) => (i * 53) % 256);
      const images = torch.fromBytes(bytes, [8, 6, 6, 3], 'uint8');
      const mean = [0.4, 0.5, 0.6];
      const std = [0.2, 0.25, 0.3];
      torch.manualSeed(9);
      const fused = data.augmentBatch(images, { mean, std, cropPadding: 2, horizontalFlip: true, autoaugment: true, cutout: 2, memoryFormat: 'contiguous' }, true);
      // The same steps one by one from the same seed: grey-padded crop and flip on 0..255 pixels,
      // the policy, scaling and normalisation, then cutout.
      torch.manualSeed(9);
      const cropped = data.cropAndFlip(images.permute(0, 3, 1, 2).to('float32'), 2, true, 128);
      const augmented = data.autoAugment(cropped, { policy: 'cifar10' });
      const normalised = augmented.div(255).sub(torch.tensor(mean).view([1, 3, 1, 1])).div(torch.tensor(std).view([1, 3, 1, 1]));
      const manual = data.cutout(normalised, 2).contiguous();
      assert.ok(fused.sub(manual).abs().max().item() < 1e-6);
      // The padding is grey 128, not black.
      const padded = data.cropAndFlip(torch.zeros([4, 1, 2, 2]), 2, false, 128).data() as Float32Array;
      assert.deepEqual([...new Set(padded)].sort((a, b) => a - b), [0, 128]);
    });
  });
});
