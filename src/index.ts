// dnas public API.
export * as torch from './torch/index.js';
