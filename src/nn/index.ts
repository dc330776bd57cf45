// `import { nn } from 'dnas'`: modules with PyTorch's names and semantics.
export { Module, type ModuleTarget } from './module.js';
export { Conv2d, type Conv2dOptions } from './conv.js';
export { Linear } from './linear.js';
export { BatchNorm2d, type BatchNormOptions } from './batchnorm.js';
export { ReLU, Identity, MaxPool2d, AvgPool2d, AdaptiveAvgPool2d, Dropout, Flatten } from './layers.js';
export { Sequential, ModuleList } from './container.js';
export * as init from './init.js';
