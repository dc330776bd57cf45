// Drop path lives in nn, so the search supernet (src/nas, below eval) applies the same function.
export { dropPath } from '../nn/drop-path.js';
