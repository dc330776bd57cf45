// `import { data } from 'dnas'`: data sets, batched augmentation, loaders.
export * from './dataset.js';
export * from './augment.js';
export * from './loader.js';
export * from './registry.js';
export { Rng } from './rng.js';
export { makeSynthetic, type SyntheticOptions } from './synthetic.js';
export { parseCifarRecords, loadCifar10, loadCifar100 } from './cifar.js';
export { parseIdx, readIdxFile } from './idx.js';
export { loadFashionMnist, loadMnist, FASHION_MNIST_DIR } from './mnist.js';
export { loadImageFolder, listImageFolder, type ImageFolderOptions } from './imagefolder.js';
export { autoAugment, planAutoAugment, type AutoAugmentOptions, type AutoAugmentPlan, type PlannedStep } from './autoaugment.js';
export {
  AUTOAUGMENT_POLICIES,
  CIFAR10_POLICY,
  SHARPDARTS_CIFAR10_POLICY,
  magnitudeValue,
  type AutoAugmentOp,
  type AutoAugmentPolicyName,
  type PolicyStep,
  type SubPolicy,
} from './autoaugment-policies.js';
export * as autoAugmentOps from './autoaugment-ops.js';
