// `import { nn } from 'dnas'`: modules with PyTorch's names and semantics.
export { Module, plain, type ModuleTarget } from './module.js';
export { Conv2d, type Conv2dOptions } from './conv.js';
export { Linear, Identity } from './linear.js';
export { BatchNorm2d, batchNormsOverChannels, type BatchNormOptions } from './batchnorm.js';
export { ReLU } from './activation.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, type MaxPool2dOptions, type AvgPool2dOptions } from './pooling.js';
export { Dropout } from './dropout.js';
export { Flatten } from './flatten.js';
export { Sequential, ModuleList } from './container.js';
export * as init from './init.js';
export { dropPath, dropPathDivisors, dropPathSum } from './drop-path.js';
