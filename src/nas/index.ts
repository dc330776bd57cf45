// The NAS layer: search spaces, mixings, update rules, derivation, method presets, the search loop.
export * from './types.js';
export { createArchParams, archList } from './arch.js';
export { softmaxMixing } from './mixing/softmax.js';
export { bilevel, unrolledHypergradient, type Update, type BilevelOptions } from './update/bilevel.js';
export { lossAndGradients, weightStep, type StepContext, type StepStats, type Batch } from './update/common.js';
export { METHODS, getMethod, type MethodPreset, type MethodHyperparameters } from './methods.js';
export { SPACES, getSpace } from './spaces/index.js';
export { dartsSpace, DartsSupernet } from './spaces/darts-space.js';
export { nb201Space, Nb201Supernet } from './spaces/nb201-space.js';
export * from './spaces/darts-genotype.js';
export * from './spaces/nb201-genotype.js';
export * from './derive.js';
export { parseSearchConfig, searchConfigSchema, type SearchConfig } from './config.js';
export { runSearch, type SearchEvent, type SearchIO, type SearchData, type BatchStream, type SearchResult } from './search.js';
export { openSearchData } from './search-data.js';
export * from './diagnostics/index.js';
