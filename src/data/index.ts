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
export { parseNpy, readNpy, npyToNumbers, type NpyArray } from './npy.js';
export { loadCifar101, findCifar101 } from './cifar101.js';
