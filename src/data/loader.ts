// Batches from a subset of a data set: seeded shuffling, drop-last, augmentation, an endless
// stream, and a small serialisable position so a resumed run sees exactly the same batches.
import * as torch from '../torch/index.js';
import type { Tensor } from '../torch/index.js';
import { type AugmentOptions, augmentBatch } from './augment.js';
import type { Dataset } from './dataset.js';
import { Rng } from './rng.js';

export interface LoaderOptions {
  batchSize: number;
  shuffle?: boolean;
  dropLast?: boolean;
  /** Seed of this loader's own shuffling generator. */
  seed?: number;
  /** Augmentation and normalisation; `train` false applies only scaling and normalisation. */
  augment: AugmentOptions;
  train?: boolean;
  device?: string;
}

export interface LoaderState {
  epoch: number;
  position: number;
  /** Shuffling generator state at the start of the current epoch. */
  epochSeed: number;
}

export interface Batch {
  x: Tensor;
  y: Tensor;
}

export class DataLoader {
  private readonly rng: Rng;
  private order: Int32Array;
  private epochSeed: number;
  epoch = 0;
  position = 0;

  constructor(readonly dataset: Dataset, readonly indices: Int32Array, readonly opts: LoaderOptions) {
    if (indices.length === 0) throw new Error(`${dataset.name}: the loader got no examples (check --train-limit and --train-portion)`);
    if (!Number.isInteger(opts.batchSize) || opts.batchSize < 1) throw new RangeError(`batch size must be a positive integer, got ${opts.batchSize}`);
    // Otherwise every epoch would be empty and next() would spin through epochs without a batch.
    if (opts.dropLast && indices.length < opts.batchSize) {
      throw new Error(`${dataset.name}: ${indices.length} examples cannot fill one batch of ${opts.batchSize} with drop-last; lower the batch size`);
    }
    this.rng = new Rng(opts.seed ?? 0);
    this.epochSeed = this.rng.state;
    this.order = this.makeOrder();
  }

  get size(): number {
    return this.indices.length;
  }

  get stepsPerEpoch(): number {
    const n = this.indices.length;
    const b = this.opts.batchSize;
    return this.opts.dropLast ? Math.floor(n / b) : Math.ceil(n / b);
  }

  private makeOrder(): Int32Array {
    this.epochSeed = this.rng.state;
    return this.opts.shuffle === false ? Int32Array.from({ length: this.indices.length }, (_, i) => i) : this.rng.permutation(this.indices.length);
  }

  /** The next batch; wraps into a new (reshuffled) epoch endlessly. */
  next(): Batch {
    const b = this.opts.batchSize;
    const n = this.indices.length;
    const remaining = n - this.position;
    if (remaining <= 0 || (this.opts.dropLast && remaining < b)) {
      this.epoch++;
      this.position = 0;
      this.order = this.makeOrder();
    }
    const take = Math.min(b, n - this.position);
    const slots = this.order.subarray(this.position, this.position + take);
    this.position += take;
    return torch.tidy(() => {
      // The batch's dataset rows, looked up here rather than in a kept index tensor: a loader made
      // for one evaluation would otherwise leave that tensor alive until garbage collection.
      const rows = torch.tensor(BigInt64Array.from(slots, (i) => BigInt(this.indices[i]!)));
      const images = this.dataset.images.indexSelect(0, rows);
      let x = augmentBatch(images, this.opts.augment, this.opts.train ?? true);
      let y = this.dataset.labels.indexSelect(0, rows);
      if (this.opts.device && this.opts.device !== 'cpu') {
        x = x.to({ device: this.opts.device });
        y = y.to({ device: this.opts.device });
      }
      return { x, y };
    });
  }

  /** Batches forever, epoch after epoch, reshuffled each time: DARTS' queue for architecture steps. */
  *forever(): Generator<Batch, never, undefined> {
    for (;;) yield this.next();
  }

  state(): LoaderState {
    return { epoch: this.epoch, position: this.position, epochSeed: this.epochSeed };
  }

  restore(s: unknown): void {
    const st = s as LoaderState;
    if (!st || typeof st.epoch !== 'number' || typeof st.position !== 'number' || typeof st.epochSeed !== 'number') throw new Error('cannot restore the data loader: the checkpoint has no valid loader state');
    if (!Number.isInteger(st.position) || st.position < 0 || st.position > this.indices.length) {
      throw new Error(`cannot restore the data loader: position ${st.position} is outside its ${this.indices.length} examples (a checkpoint of another data set, --train-limit or --train-portion?)`);
    }
    this.rng.state = st.epochSeed;
    this.order = this.makeOrder();
    this.epoch = st.epoch;
    this.position = st.position;
  }
}

/**
 * The DARTS split (quark0/darts train_search.py): the first ⌊portion·N⌋ training examples in file
 * order train the weights, the rest feed the architecture steps; each part is shuffled.
 */
export function dartsSplit(size: number, trainPortion = 0.5): { train: Int32Array; valid: Int32Array } {
  if (!(trainPortion > 0 && trainPortion < 1)) throw new RangeError(`trainPortion must be in (0, 1), got ${trainPortion}`);
  const split = Math.floor(trainPortion * size);
  if (split === 0 || split === size) throw new Error(`a train portion of ${trainPortion} of ${size} examples leaves one side empty`);
  return { train: Int32Array.from({ length: split }, (_, i) => i), valid: Int32Array.from({ length: size - split }, (_, i) => split + i) };
}
