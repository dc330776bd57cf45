// AutoAugment's image operations as batched tensor ops with Pillow's integer semantics, so a policy
// learned with PIL (Cubuk et al. 2019, as sharpDARTS' cnn/autoaugment.py calls it) sees the same
// pixels here. Every function takes k images as a k×C×H×W float tensor of integer values 0..255
// (C = 1 or 3) and one parameter per image, and returns integer values 0..255 again.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';

/** One value per image, shaped to broadcast over k×C×H×W. */
function perImage(x: Tensor, values: readonly number[], dtype: 'float32' | 'float64' = 'float32'): Tensor {
  return torch.tensor([...values], { dtype, device: x.device }).view([values.length, 1, 1, 1]);
}

function channelsOf(x: Tensor, op: string): number {
  const c = x.shape[1]!;
  if (x.ndim !== 4 || (c !== 1 && c !== 3)) throw new Error(`${op}: expected k×C×H×W images with 1 or 3 channels, got shape [${x.shape.join(', ')}]`);
  return c;
}

/** ImageOps.invert: 255 − x. */
export function invert(x: Tensor): Tensor {
  return x.rsub(255);
}

/** ImageOps.posterize: keep the top `bits` bits of every value. */
export function posterize(x: Tensor, bits: readonly number[]): Tensor {
  return torch.tidy(() => {
    const step = perImage(x, bits.map((b) => 2 ** (8 - b)));
    return x.div(step).floor().mul(step);
  });
}

/** ImageOps.solarize: values at or above the threshold are inverted. */
export function solarize(x: Tensor, thresholds: readonly number[]): Tensor {
  return torch.tidy(() => x.where(x.lt(perImage(x, thresholds)), x.rsub(255)));
}

/**
 * ImageOps.autocontrast (cutoff 0): each channel's [min, max] stretched to [0, 255] with PIL's
 * double-precision int(v·scale + offset), scale = 255 / (max − min); a flat channel is unchanged.
 */
export function autocontrast(x: Tensor): Tensor {
  return torch.tidy(() => {
    const v = x.double();
    const lo = v.amin([2, 3], true);
    const hi = v.amax([2, 3], true);
    const range = hi.sub(lo);
    const scale = torch.fullLike(range, 255).div(range.clamp(1, null));
    const offset = lo.neg().mul(scale);
    const stretched = v.mul(scale).add(offset).floor().clamp(0, 255);
    return stretched.where(hi.gt(lo), v).float();
  });
}

/**
 * ImageOps.equalize, per channel: step = (pixels − count of the highest value) // 255, and value i
 * maps to (step // 2 + #pixels below i) // step; a channel with one value, or too few pixels for a
 * step of 1, is unchanged.
 */
export function equalize(x: Tensor): Tensor {
  const [k, c, h, w] = x.shape as [number, number, number, number];
  return torch.tidy(() => {
    const values = x.view([k, c, h * w]).long();
    const levels = torch.arange(0, 256, 1, { device: x.device }).view([1, 1, 1, 256]);
    const histogram = values.view([k, c, h * w, 1]).eq(levels).sum(2).double(); // k×C×256
    // Exclusive cumulative count as one matmul with a strictly upper-triangular matrix (exact in float64).
    const below = torch.arange(0, 256, 1, { device: x.device }).view([256, 1]).lt(torch.arange(0, 256, 1, { device: x.device }).view([1, 256])).double();
    const countBelow = histogram.matmul(below);
    const top = values.amax(2, true);
    const step = torch.fullLike(top, h * w, { dtype: 'float64' }).sub(histogram.gather(2, top)).div(255).floor();
    const lut = step.div(2).floor().add(countBelow).div(step.clamp(1, null)).floor().clamp(0, 255);
    const used = histogram.gt(0).sum(2, true);
    const identity = torch.arange(0, 256, 1, { dtype: 'float64', device: x.device }).view([1, 1, 256]);
    const table = lut.where(step.gt(0).logicalAnd(used.gt(1)), identity);
    return table.gather(2, values).float().view([k, c, h, w]);
  });
}

/** PIL's convert('L'): (19595 R + 38470 G + 7471 B + 2^15) >> 16, exact in float32 (< 2^24). */
function luminance(x: Tensor): Tensor {
  if (x.shape[1] === 1) return x.clone();
  return torch.tidy(() => {
    const weights = torch.tensor([19595, 38470, 7471], { device: x.device }).view([1, 3, 1, 1]);
    return x.mul(weights).sum(1, true).add(32768).div(65536).floor();
  });
}

/**
 * Image.blend(degenerate, image, factor) as ImageEnhance uses it: degenerate + factor·(image −
 * degenerate) in float32, clipped to [0, 255] and truncated, as Pillow's Blend.c does.
 */
function blend(degenerate: Tensor, x: Tensor, factors: readonly number[]): Tensor {
  return torch.tidy(() => degenerate.add(x.sub(degenerate).mul(perImage(x, factors))).clamp(0, 255).floor());
}

/** ImageEnhance.Color: blend with the grey (luminance) image. */
export function color(x: Tensor, factors: readonly number[]): Tensor {
  channelsOf(x, 'color');
  return torch.tidy(() => blend(luminance(x), x, factors));
}

/** ImageEnhance.Contrast: blend with a flat image at the rounded mean luminance. */
export function contrast(x: Tensor, factors: readonly number[]): Tensor {
  channelsOf(x, 'contrast');
  const [, , h, w] = x.shape as [number, number, number, number];
  return torch.tidy(() => {
    const mean = luminance(x).double().sum([1, 2, 3], true).div(h * w).add(0.5).floor().float();
    return blend(mean.expandAs(x), x, factors);
  });
}

/** ImageEnhance.Brightness: blend with black. */
export function brightness(x: Tensor, factors: readonly number[]): Tensor {
  return torch.tidy(() => blend(torch.zerosLike(x), x, factors));
}

/**
 * ImageEnhance.Sharpness: blend with ImageFilter.SMOOTH (3×3 kernel [1 1 1; 1 5 1; 1 1 1] / 13,
 * rounded), whose outermost rows and columns are the image's own. The kernel sum is an integer, so
 * rounding it exactly avoids float ties.
 */
export function sharpness(x: Tensor, factors: readonly number[]): Tensor {
  const c = channelsOf(x, 'sharpness');
  const [, , h, w] = x.shape as [number, number, number, number];
  if (h < 3 || w < 3) return x.clone();
  return torch.tidy(() => {
    const kernel = torch.tensor([1, 1, 1, 1, 5, 1, 1, 1, 1], { device: x.device }).view([1, 1, 3, 3]).expand(c, 1, 3, 3).contiguous();
    const smooth = torch.conv2d(x, kernel, { groups: c }).add(6.5).div(13).floor();
    const rows = torch.arange(0, h, 1, { device: x.device }).view([1, 1, h, 1]);
    const cols = torch.arange(0, w, 1, { device: x.device }).view([1, 1, 1, w]);
    const border = rows.eq(0).logicalOr(rows.eq(h - 1)).logicalOr(cols.eq(0)).logicalOr(cols.eq(w - 1));
    const degenerate = x.where(border, torch.pad(smooth, [1, 1, 1, 1]));
    return blend(degenerate, x, factors);
  });
}

/** Coefficients (a, b, c, d, e, f) of PIL's AFFINE transform: output (x, y) samples input (a x + b y + c, d x + e y + f). */
export type AffineCoefficients = readonly [number, number, number, number, number, number];

/**
 * Image.transform(AFFINE, NEAREST, fillcolor): the output pixel (x, y) takes the input pixel at
 * floor of the mapped pixel centre (x + ½, y + ½); outside the image it is `fill`.
 */
export function affineNearest(x: Tensor, coefficients: readonly AffineCoefficients[], fill = 128): Tensor {
  const [k, c, h, w] = x.shape as [number, number, number, number];
  if (coefficients.length !== k) throw new Error(`affineNearest: ${coefficients.length} coefficient sets for ${k} images`);
  return torch.tidy(() => {
    const coef = (i: number) => perImage(x, coefficients.map((m) => m[i]!), 'float64').view([k, 1, 1]);
    const xs = torch.arange(0, w, 1, { dtype: 'float64', device: x.device }).add(0.5).view([1, 1, w]);
    const ys = torch.arange(0, h, 1, { dtype: 'float64', device: x.device }).add(0.5).view([1, h, 1]);
    const xin = coef(0).mul(xs).add(coef(1).mul(ys)).add(coef(2)).floor();
    const yin = coef(3).mul(xs).add(coef(4).mul(ys)).add(coef(5)).floor();
    const inside = xin.ge(0).logicalAnd(xin.lt(w)).logicalAnd(yin.ge(0)).logicalAnd(yin.lt(h));
    const flat = yin.mul(w).add(xin).where(inside, 0).long().view([k, 1, h * w]).expand(k, c, h * w);
    const sampled = x.reshape([k, c, h * w]).gather(2, flat).view([k, c, h, w]);
    return sampled.where(inside.view([k, 1, h, w]), fill);
  });
}

/** Image.rotate(degrees) about the image centre (counter-clockwise for positive angles), nearest, fill outside. */
export function rotationCoefficients(degrees: number, h: number, w: number): AffineCoefficients {
  const t = (-degrees * Math.PI) / 180;
  // Pillow rounds the matrix to 15 decimals so that multiples of 90° are exact.
  const cos = Number(Math.cos(t).toFixed(15));
  const sin = Number(Math.sin(t).toFixed(15));
  const cx = w / 2;
  const cy = h / 2;
  return [cos, sin, cos * -cx + sin * -cy + cx, -sin, cos, -sin * -cx + cos * -cy + cy];
}
