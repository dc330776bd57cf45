// AutoAugment (Cubuk et al. 2019) on a batch: each image draws one sub-policy uniformly, then
// applies its first and second operation each with that step's probability, with a random sign
// where the operation has one (as the PIL policy does). Images that share an operation in a step
// are transformed together, so the cost is a handful of batched ops, not a loop over images.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import * as ops from './autoaugment-ops.js';
import { AUTOAUGMENT_POLICIES, type AutoAugmentOp, type AutoAugmentPolicyName, magnitudeValue, type SubPolicy } from './autoaugment-policies.js';

/** What one image does in one of the two steps: the op, or null when the step's coin says skip. */
export interface PlannedStep {
  op: AutoAugmentOp;
  magnitude: number;
  /** ±1, used by the signed operations (shear, translate, enhancements). */
  sign: number;
}

export interface AutoAugmentPlan {
  subPolicy: number[];
  steps: [Array<PlannedStep | null>, Array<PlannedStep | null>];
}

function resolvePolicy(policy: AutoAugmentPolicyName | readonly SubPolicy[]): readonly SubPolicy[] {
  if (typeof policy !== 'string') {
    if (policy.length === 0) throw new Error('autoAugment: the policy has no sub-policies');
    return policy;
  }
  const table = (AUTOAUGMENT_POLICIES as Record<string, readonly SubPolicy[]>)[policy];
  if (!table) throw new Error(`autoAugment: unknown policy '${policy}' (known: ${Object.keys(AUTOAUGMENT_POLICIES).join(', ')})`);
  return table;
}

/** Draws every image's sub-policy, coins and signs from torch's seeded generator (five uniforms per image). */
export function planAutoAugment(n: number, policy: AutoAugmentPolicyName | readonly SubPolicy[] = 'cifar10'): AutoAugmentPlan {
  const table = resolvePolicy(policy);
  const u = torch.tidy(() => torch.rand([n, 5], { dtype: 'float64' }).data()) as Float64Array;
  const plan: AutoAugmentPlan = { subPolicy: [], steps: [[], []] };
  for (let i = 0; i < n; i++) {
    const s = Math.min(Math.floor(u[5 * i]! * table.length), table.length - 1);
    plan.subPolicy.push(s);
    for (const k of [0, 1] as const) {
      const [p, op, m] = table[s]![k];
      plan.steps[k].push(u[5 * i + 1 + k]! < p ? { op, magnitude: magnitudeValue(op, m), sign: u[5 * i + 3 + k]! < 0.5 ? -1 : 1 } : null);
    }
  }
  return plan;
}

/** Applies one op to k images with per-image magnitudes and signs. */
function applyOp(op: AutoAugmentOp, x: Tensor, steps: readonly PlannedStep[], fill: number): Tensor {
  const [, , h, w] = x.shape as [number, number, number, number];
  const factors = () => steps.map((s) => 1 + s.magnitude * s.sign);
  const signed = () => steps.map((s) => s.magnitude * s.sign);
  switch (op) {
    case 'invert': return ops.invert(x);
    case 'autocontrast': return ops.autocontrast(x);
    case 'equalize': return ops.equalize(x);
    case 'posterize': return ops.posterize(x, steps.map((s) => s.magnitude));
    case 'solarize': return ops.solarize(x, steps.map((s) => s.magnitude));
    case 'color': return ops.color(x, factors());
    case 'contrast': return ops.contrast(x, factors());
    case 'brightness': return ops.brightness(x, factors());
    case 'sharpness': return ops.sharpness(x, factors());
    // The reference shears with bicubic resampling; nearest keeps pixel values integral and exact.
    case 'shearX': return ops.affineNearest(x, signed().map((m) => [1, m, 0, 0, 1, 0] as const), fill);
    case 'shearY': return ops.affineNearest(x, signed().map((m) => [1, 0, 0, m, 1, 0] as const), fill);
    case 'translateX': return ops.affineNearest(x, signed().map((m) => [1, 0, m * w, 0, 1, 0] as const), fill);
    case 'translateY': return ops.affineNearest(x, signed().map((m) => [1, 0, 0, 0, 1, m * h] as const), fill);
    // The PIL policy rotates by +magnitude only (its sign is never drawn); we reproduce that.
    case 'rotate': return ops.affineNearest(x, steps.map((s) => ops.rotationCoefficients(s.magnitude, h, w)), fill);
    // sharpDARTS' table names cutout, but its implementation is a no-op.
    case 'cutout': return x.clone();
  }
}

/** One step for the whole batch: images grouped by op, each group transformed at once, order restored. */
function applyStep(x: Tensor, step: ReadonlyArray<PlannedStep | null>, fill: number): Tensor {
  const groups = new Map<AutoAugmentOp, number[]>();
  const untouched: number[] = [];
  step.forEach((s, i) => {
    if (!s) untouched.push(i);
    else groups.set(s.op, [...(groups.get(s.op) ?? []), i]);
  });
  if (groups.size === 0) return x.clone();
  return torch.tidy(() => {
    const parts: Tensor[] = [];
    const order: number[] = [];
    const pick = (rows: number[]) => x.indexSelect(0, torch.tensor(rows, { dtype: 'int64', device: x.device }));
    for (const [op, rows] of groups) {
      parts.push(applyOp(op, pick(rows), rows.map((i) => step[i]!), fill));
      order.push(...rows);
    }
    if (untouched.length > 0) {
      parts.push(pick(untouched));
      order.push(...untouched);
    }
    const inverse = new Array<number>(order.length);
    order.forEach((row, position) => {
      inverse[row] = position;
    });
    return torch.cat(parts, 0).indexSelect(0, torch.tensor(inverse, { dtype: 'int64', device: x.device }));
  });
}

export interface AutoAugmentOptions {
  /** A named table or a custom list of sub-policies (default: the paper's 25 for CIFAR-10). */
  policy?: AutoAugmentPolicyName | readonly SubPolicy[];
  /** Grey level of the pixels that shear, translate and rotate uncover (PIL policy: 128). */
  fill?: number;
  /** A fixed plan (for tests); drawn from torch's generator otherwise. */
  plan?: AutoAugmentPlan;
}

/**
 * AutoAugment on an N×C×H×W float batch of integer pixel values 0..255 (C = 1 or 3), before
 * scaling and normalisation. Returns the augmented batch, still 0..255.
 */
export function autoAugment(x: Tensor, o: AutoAugmentOptions = {}): Tensor {
  const n = x.shape[0]!;
  if (x.ndim !== 4 || (x.shape[1] !== 1 && x.shape[1] !== 3)) throw new Error(`autoAugment: expected N×C×H×W images with 1 or 3 channels, got shape [${x.shape.join(', ')}]`);
  const plan = o.plan ?? planAutoAugment(n, o.policy ?? 'cifar10');
  if (plan.subPolicy.length !== n) throw new Error(`autoAugment: the plan covers ${plan.subPolicy.length} images, the batch has ${n}`);
  const fill = o.fill ?? 128;
  return torch.tidy(() => applyStep(applyStep(x, plan.steps[0], fill), plan.steps[1], fill));
}
