// The public tensor API: `import { torch } from 'dnas'`. PyTorch's names in camelCase.
export { Tensor, type MemoryFormat, type Device, type TensorOrScalar, type ValuesIndices } from './tensor.js';
export { type DType, DTYPES } from './dtype.js';
export * from './creation.js';
export * from './functional.js';
export { tidy, keep, scopeDepth } from './scope.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd.js';
export * as autograd from './autograd.js';
export * as distributed from './distributed.js';
export { backends } from './backends.js';
export { manualSeed, getRngState, setRngState, setNumThreads, getNumThreads, memory, memoryStats, resetPeakMemoryStats, emptyCache, configureCpuAllocator, defaultThreadCount, profiler, cuda } from './runtime.js';
export { save, load, loadFile, serialize, deserialize, writeFileAtomic } from './safetensors.js';
export * from './ops.js';
export * as testing from './testing.js';
