// sharpDARTS' cosine power annealing (Hundt et al. 2019, cnn/cosine_power_annealing.py): a cosine
// curve pushed through an exponential of base p, so the rate falls faster early and slower late
// than plain cosine annealing; with an optional linear warm-up. One learning rate per epoch.
import type { Optimizer } from './optimizer.js';
import { EpochScheduler } from './lr-scheduler.js';

export interface CosinePowerAnnealingOptions {
  /** Number of epochs E of the whole run (the schedule has E values). */
  epochs: number;
  /** Learning rate of the first epoch after warm-up. */
  maxLr: number;
  /** Learning rate of the last epoch (sharpDARTS search: 1e-4). */
  minLr?: number;
  /** Base p of the power curve; 1 is plain cosine annealing (sharpDARTS' scripts use 2). */
  exponentOrder?: number;
  /** Epochs W of linear warm-up before the peak (sharpDARTS: 5); 0 disables it. */
  warmupEpochs?: number;
}

function check(o: CosinePowerAnnealingOptions): Required<CosinePowerAnnealingOptions> {
  const r = { minLr: 1e-4, exponentOrder: 2, warmupEpochs: 5, ...o };
  if (!Number.isInteger(r.epochs) || r.epochs < 1) throw new RangeError(`cosinePowerAnnealing: epochs must be a positive integer, got ${r.epochs}`);
  if (!(r.exponentOrder >= 1)) throw new RangeError(`cosinePowerAnnealing: exponentOrder must be ≥ 1 (1 = plain cosine), got ${r.exponentOrder}`);
  if (!Number.isInteger(r.warmupEpochs) || r.warmupEpochs < 0) throw new RangeError(`cosinePowerAnnealing: warmupEpochs must be a non-negative integer, got ${r.warmupEpochs}`);
  if (r.warmupEpochs >= r.epochs) throw new RangeError(`cosinePowerAnnealing: a warm-up of ${r.warmupEpochs} epochs leaves nothing of a ${r.epochs}-epoch run; use fewer warm-up epochs or more epochs`);
  if (!(r.maxLr >= r.minLr)) throw new RangeError(`cosinePowerAnnealing: maxLr (${r.maxLr}) must be ≥ minLr (${r.minLr})`);
  return r;
}

/**
 * The learning rate of each epoch 1..E (index 0 is epoch 1). Without warm-up:
 * lr(e) = minLr + (maxLr − minLr)·(p^(1+c(e)) − p^(1+c(E))) / (p^(1+c(1)) − p^(1+c(E))),
 * c(e) = (1 + cos(π e / E)) / 2, so epoch 1 gets exactly maxLr and epoch E minLr (methods.md §3.4).
 * With W warm-up epochs the curve is shifted by W and its first W + 1 values are replaced by
 * (1, …, W + 1) / (W + 1): the reference normalises before overwriting, and so do we.
 */
export function cosinePowerAnnealing(options: CosinePowerAnnealingOptions): number[] {
  const { epochs, maxLr, minLr, exponentOrder: p, warmupEpochs: w } = check(options);
  const span = epochs - w;
  const q = Array.from({ length: epochs }, (_, i) => {
    const c = (1 + Math.cos((Math.PI * (i + 1 - w)) / span)) / 2;
    return p === 1 ? c : p ** (c + 1);
  });
  const lo = Math.min(...q);
  const range = Math.max(...q) - lo;
  // A one-epoch run has a flat curve (the reference divides 0 by 0): it trains at maxLr.
  const proportion = q.map((v) => (range > 0 ? (v - lo) / range : 1));
  for (let i = 0; i <= w && w > 0; i++) proportion[i] = (i + 1) / (w + 1);
  return proportion.map((v) => v * (maxLr - minLr) + minLr);
}

/**
 * Cosine power annealing as an epoch schedule, interchangeable with CosineAnnealingLR: each
 * group's initial lr is its maxLr, epoch t (0-based, t = 0 at construction) gets value t of
 * cosinePowerAnnealing; past the last epoch the rate stays at minLr.
 */
export class CosinePowerAnnealingLR extends EpochScheduler {
  readonly epochs: number;
  readonly minLr: number;
  readonly exponentOrder: number;
  readonly warmupEpochs: number;
  private readonly curves = new Map<number, number[]>();
  constructor(optimizer: Optimizer, o: Omit<CosinePowerAnnealingOptions, 'maxLr'>) {
    super(optimizer);
    const r = check({ ...o, maxLr: Math.max(...this.baseLrs, o.minLr ?? 1e-4) });
    this.epochs = r.epochs;
    this.minLr = r.minLr;
    this.exponentOrder = r.exponentOrder;
    this.warmupEpochs = r.warmupEpochs;
    this.start();
  }
  protected lrAt(baseLr: number, epoch: number): number {
    let curve = this.curves.get(baseLr);
    if (!curve) {
      curve = cosinePowerAnnealing({ epochs: this.epochs, maxLr: baseLr, minLr: this.minLr, exponentOrder: this.exponentOrder, warmupEpochs: this.warmupEpochs });
      this.curves.set(baseLr, curve);
    }
    return curve[Math.min(Math.max(epoch, 0), this.epochs - 1)]!;
  }
}
