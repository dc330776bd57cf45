// dnas public API: `import { torch, nn, optim, data, nas, evaluation, report } from 'dnas'` (`eval` cannot be an import binding).
export * as torch from './torch/index.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as data from './data/index.js';
export * as nas from './nas/index.js';
export * as evaluation from './eval/index.js';
export * as report from './report/index.js';
