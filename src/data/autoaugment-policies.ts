// AutoAugment's CIFAR-10 policies as data: each sub-policy is two (probability, operation,
// magnitude index 0..9) steps; a magnitude index maps to an operation's value through the ranges
// that the PIL implementations use (sharpDARTS' cnn/autoaugment.py, DeepVoltaire/AutoAugment).

export type AutoAugmentOp =
  | 'shearX' | 'shearY' | 'translateX' | 'translateY' | 'rotate'
  | 'color' | 'posterize' | 'solarize' | 'contrast' | 'sharpness' | 'brightness'
  | 'autocontrast' | 'equalize' | 'invert' | 'cutout';

export type PolicyStep = readonly [probability: number, op: AutoAugmentOp, magnitudeIndex: number];
export type SubPolicy = readonly [PolicyStep, PolicyStep];

/** numpy's linspace(start, stop, 10)[i]. */
function linspace10(start: number, stop: number, i: number): number {
  return i === 9 ? stop : start + ((stop - start) / 9) * i;
}

/**
 * The value of an operation at a magnitude index: shear (0..0.3), translate as a fraction of the
 * image side (0..150/331), rotation in degrees (0..30), enhancement amount (0..0.9, the factor is
 * 1 ± it), posterize bits (8..4, rounded), solarize threshold (256..0); 0 for the parameterless ops.
 */
export function magnitudeValue(op: AutoAugmentOp, index: number): number {
  if (!Number.isInteger(index) || index < 0 || index > 9) throw new RangeError(`AutoAugment: magnitude index of ${op} must be an integer 0..9, got ${index}`);
  switch (op) {
    case 'shearX': case 'shearY': return linspace10(0, 0.3, index);
    case 'translateX': case 'translateY': return linspace10(0, 150 / 331, index);
    case 'rotate': return linspace10(0, 30, index);
    case 'color': case 'contrast': case 'sharpness': case 'brightness': case 'cutout': return linspace10(0, 0.9, index);
    case 'posterize': return Math.round(linspace10(8, 4, index));
    case 'solarize': return linspace10(256, 0, index);
    case 'autocontrast': case 'equalize': case 'invert': return 0;
  }
}

/**
 * The 25 sub-policies of the AutoAugment paper's CIFAR-10 policy (Cubuk et al. 2019, appendix),
 * in the order of the common PIL port (DeepVoltaire/AutoAugment; torchvision's CIFAR10 policy).
 */
export const CIFAR10_POLICY: readonly SubPolicy[] = [
  [[0.1, 'invert', 7], [0.2, 'contrast', 6]],
  [[0.7, 'rotate', 2], [0.3, 'translateX', 9]],
  [[0.8, 'sharpness', 1], [0.9, 'sharpness', 3]],
  [[0.5, 'shearY', 8], [0.7, 'translateY', 9]],
  [[0.5, 'autocontrast', 8], [0.9, 'equalize', 2]],
  [[0.2, 'shearY', 7], [0.3, 'posterize', 7]],
  [[0.4, 'color', 3], [0.6, 'brightness', 7]],
  [[0.3, 'sharpness', 9], [0.7, 'brightness', 9]],
  [[0.6, 'equalize', 5], [0.5, 'equalize', 1]],
  [[0.6, 'contrast', 7], [0.6, 'sharpness', 5]],
  [[0.7, 'color', 7], [0.5, 'translateX', 8]],
  [[0.3, 'equalize', 7], [0.4, 'autocontrast', 8]],
  [[0.4, 'translateY', 3], [0.2, 'sharpness', 6]],
  [[0.9, 'brightness', 6], [0.2, 'color', 8]],
  [[0.5, 'solarize', 2], [0.0, 'invert', 3]],
  [[0.2, 'equalize', 0], [0.6, 'autocontrast', 0]],
  [[0.2, 'equalize', 8], [0.6, 'equalize', 4]],
  [[0.9, 'color', 9], [0.6, 'equalize', 6]],
  [[0.8, 'autocontrast', 4], [0.2, 'solarize', 8]],
  [[0.1, 'brightness', 3], [0.7, 'color', 0]],
  [[0.4, 'solarize', 5], [0.9, 'autocontrast', 3]],
  [[0.9, 'translateY', 9], [0.7, 'translateY', 9]],
  [[0.9, 'autocontrast', 2], [0.8, 'solarize', 3]],
  [[0.8, 'equalize', 8], [0.1, 'invert', 3]],
  [[0.7, 'translateY', 9], [0.9, 'autocontrast', 1]],
];

/**
 * The table sharpDARTS' CIFAR10Policy actually draws from: the 95 sub-policies of TensorFlow's
 * research/autoaugment good_policies (its exp0_*, exp1_*, exp2_* lists, in that order). Its
 * 'cutout' steps are no-ops there, and so here.
 */
export const SHARPDARTS_CIFAR10_POLICY: readonly SubPolicy[] = [
  [[0.1, 'invert', 7], [0.2, 'contrast', 6]],
  [[0.7, 'rotate', 2], [0.3, 'translateX', 9]],
  [[0.8, 'sharpness', 1], [0.9, 'sharpness', 3]],
  [[0.5, 'shearY', 8], [0.7, 'translateY', 9]],
  [[0.5, 'autocontrast', 8], [0.9, 'equalize', 2]],
  [[0.4, 'solarize', 5], [0.9, 'autocontrast', 3]],
  [[0.9, 'translateY', 9], [0.7, 'translateY', 9]],
  [[0.9, 'autocontrast', 2], [0.8, 'solarize', 3]],
  [[0.8, 'equalize', 8], [0.1, 'invert', 3]],
  [[0.7, 'translateY', 9], [0.9, 'autocontrast', 1]],
  [[0.4, 'solarize', 5], [0.0, 'autocontrast', 2]],
  [[0.7, 'translateY', 9], [0.7, 'translateY', 9]],
  [[0.9, 'autocontrast', 0], [0.4, 'solarize', 3]],
  [[0.7, 'equalize', 5], [0.1, 'invert', 3]],
  [[0.7, 'translateY', 9], [0.7, 'translateY', 9]],
  [[0.4, 'solarize', 5], [0.9, 'autocontrast', 1]],
  [[0.8, 'translateY', 9], [0.9, 'translateY', 9]],
  [[0.8, 'autocontrast', 0], [0.7, 'translateY', 9]],
  [[0.2, 'translateY', 7], [0.9, 'color', 6]],
  [[0.7, 'equalize', 6], [0.4, 'color', 9]],
  [[0.2, 'shearY', 7], [0.3, 'posterize', 7]],
  [[0.4, 'color', 3], [0.6, 'brightness', 7]],
  [[0.3, 'sharpness', 9], [0.7, 'brightness', 9]],
  [[0.6, 'equalize', 5], [0.5, 'equalize', 1]],
  [[0.6, 'contrast', 7], [0.6, 'sharpness', 5]],
  [[0.3, 'brightness', 7], [0.5, 'autocontrast', 8]],
  [[0.9, 'autocontrast', 4], [0.5, 'autocontrast', 6]],
  [[0.3, 'solarize', 5], [0.6, 'equalize', 5]],
  [[0.2, 'translateY', 4], [0.3, 'sharpness', 3]],
  [[0.0, 'brightness', 8], [0.8, 'color', 8]],
  [[0.2, 'solarize', 6], [0.8, 'color', 6]],
  [[0.2, 'solarize', 6], [0.8, 'autocontrast', 1]],
  [[0.4, 'solarize', 1], [0.6, 'equalize', 5]],
  [[0.0, 'brightness', 0], [0.5, 'solarize', 2]],
  [[0.9, 'autocontrast', 5], [0.5, 'brightness', 3]],
  [[0.7, 'contrast', 5], [0.0, 'brightness', 2]],
  [[0.2, 'solarize', 8], [0.1, 'solarize', 5]],
  [[0.5, 'contrast', 1], [0.2, 'translateY', 9]],
  [[0.6, 'autocontrast', 5], [0.0, 'translateY', 9]],
  [[0.9, 'autocontrast', 4], [0.8, 'equalize', 4]],
  [[0.0, 'brightness', 7], [0.4, 'equalize', 7]],
  [[0.2, 'solarize', 5], [0.7, 'equalize', 5]],
  [[0.6, 'equalize', 8], [0.6, 'color', 2]],
  [[0.3, 'color', 7], [0.2, 'color', 4]],
  [[0.5, 'autocontrast', 2], [0.7, 'solarize', 2]],
  [[0.2, 'autocontrast', 0], [0.1, 'equalize', 0]],
  [[0.6, 'shearY', 5], [0.6, 'equalize', 5]],
  [[0.9, 'brightness', 3], [0.4, 'autocontrast', 1]],
  [[0.8, 'equalize', 8], [0.7, 'equalize', 7]],
  [[0.7, 'equalize', 7], [0.5, 'solarize', 0]],
  [[0.8, 'equalize', 4], [0.8, 'translateY', 9]],
  [[0.8, 'translateY', 9], [0.6, 'translateY', 9]],
  [[0.9, 'translateY', 0], [0.5, 'translateY', 9]],
  [[0.5, 'autocontrast', 3], [0.3, 'solarize', 4]],
  [[0.5, 'solarize', 3], [0.4, 'equalize', 4]],
  [[0.7, 'color', 7], [0.5, 'translateX', 8]],
  [[0.3, 'equalize', 7], [0.4, 'autocontrast', 8]],
  [[0.4, 'translateY', 3], [0.2, 'sharpness', 6]],
  [[0.9, 'brightness', 6], [0.2, 'color', 8]],
  [[0.5, 'solarize', 2], [0.0, 'invert', 3]],
  [[0.1, 'autocontrast', 5], [0.0, 'brightness', 0]],
  [[0.2, 'cutout', 4], [0.1, 'equalize', 1]],
  [[0.7, 'equalize', 7], [0.6, 'autocontrast', 4]],
  [[0.1, 'color', 8], [0.2, 'shearY', 3]],
  [[0.4, 'shearY', 2], [0.7, 'rotate', 0]],
  [[0.1, 'shearY', 3], [0.9, 'autocontrast', 5]],
  [[0.3, 'translateY', 6], [0.3, 'cutout', 3]],
  [[0.5, 'equalize', 0], [0.6, 'solarize', 6]],
  [[0.3, 'autocontrast', 5], [0.2, 'rotate', 7]],
  [[0.8, 'equalize', 2], [0.4, 'invert', 0]],
  [[0.9, 'equalize', 5], [0.7, 'color', 0]],
  [[0.1, 'equalize', 1], [0.1, 'shearY', 3]],
  [[0.7, 'autocontrast', 3], [0.7, 'equalize', 0]],
  [[0.5, 'brightness', 1], [0.1, 'contrast', 7]],
  [[0.1, 'contrast', 4], [0.6, 'solarize', 5]],
  [[0.2, 'solarize', 3], [0.0, 'shearX', 0]],
  [[0.3, 'translateX', 0], [0.6, 'translateX', 0]],
  [[0.5, 'equalize', 9], [0.6, 'translateY', 7]],
  [[0.1, 'shearX', 0], [0.5, 'sharpness', 1]],
  [[0.8, 'equalize', 6], [0.3, 'invert', 6]],
  [[0.3, 'autocontrast', 9], [0.5, 'cutout', 3]],
  [[0.4, 'shearX', 4], [0.9, 'autocontrast', 2]],
  [[0.0, 'shearX', 3], [0.0, 'posterize', 3]],
  [[0.4, 'solarize', 3], [0.2, 'color', 4]],
  [[0.1, 'equalize', 4], [0.7, 'equalize', 6]],
  [[0.3, 'equalize', 8], [0.4, 'autocontrast', 3]],
  [[0.6, 'solarize', 4], [0.7, 'autocontrast', 6]],
  [[0.2, 'autocontrast', 9], [0.4, 'brightness', 8]],
  [[0.1, 'equalize', 0], [0.0, 'equalize', 6]],
  [[0.8, 'equalize', 4], [0.0, 'equalize', 4]],
  [[0.5, 'equalize', 5], [0.1, 'autocontrast', 2]],
  [[0.5, 'solarize', 5], [0.9, 'autocontrast', 5]],
  [[0.6, 'autocontrast', 1], [0.7, 'autocontrast', 8]],
  [[0.2, 'equalize', 0], [0.1, 'autocontrast', 2]],
  [[0.6, 'equalize', 9], [0.4, 'equalize', 4]],
];

export const AUTOAUGMENT_POLICIES = { cifar10: CIFAR10_POLICY, 'sharpdarts-cifar10': SHARPDARTS_CIFAR10_POLICY } as const;
export type AutoAugmentPolicyName = keyof typeof AUTOAUGMENT_POLICIES;
