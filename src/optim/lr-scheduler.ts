// Learning-rate schedules with PyTorch's (≥ 1.1) semantics: construction sets the lr of epoch 0,
// each step() advances one epoch. Closed forms of the epoch, so a resumed schedule is exact.
import type { Optimizer } from './optimizer.js';

export interface LRSchedulerState {
  lastEpoch: number;
  baseLrs?: number[];
}

export interface LRScheduler {
  step(): void;
  getLastLr(): number[];
  stateDict(): LRSchedulerState;
  loadStateDict(sd: LRSchedulerState): void;
}

/**
 * Sets every group's lr to `lrAt(baseLr, epoch)`; subclasses give the formula and call start()
 * at the end of their constructor (once their fields are set).
 */
export abstract class EpochScheduler implements LRScheduler {
  lastEpoch = 0;
  protected baseLrs: number[];
  constructor(protected readonly optimizer: Optimizer) {
    // As PyTorch: the first schedule records each group's lr as initialLr when it is created (not
    // when the optimizer is), and later schedules on the same optimizer start from that value.
    for (const g of optimizer.paramGroups) g.initialLr ??= g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
  }

  /** η of `epoch` for a group whose base lr is `baseLr`. */
  protected abstract lrAt(baseLr: number, epoch: number): number;

  protected start(): void {
    this.apply();
  }

  private apply(): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = this.lrAt(this.baseLrs[i]!, this.lastEpoch);
    });
  }

  step(): void {
    this.lastEpoch++;
    this.apply();
  }

  getLastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  stateDict(): LRSchedulerState {
    return { lastEpoch: this.lastEpoch, baseLrs: [...this.baseLrs] };
  }

  loadStateDict(sd: LRSchedulerState): void {
    if (sd.baseLrs) {
      if (sd.baseLrs.length !== this.optimizer.paramGroups.length) throw new Error(`loadStateDict: the schedule was saved for ${sd.baseLrs.length} parameter groups, the optimizer has ${this.optimizer.paramGroups.length}`);
      this.baseLrs = [...sd.baseLrs];
    }
    this.lastEpoch = sd.lastEpoch;
    this.apply();
  }
}

/** Cosine annealing (Loshchilov & Hutter, SGDR without restarts): η_t = η_min + (η_0 − η_min)(1 + cos(π t / T_max)) / 2. */
export class CosineAnnealingLR extends EpochScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(optimizer: Optimizer, o: { tMax: number; etaMin?: number }) {
    super(optimizer);
    if (!(o.tMax > 0)) throw new RangeError(`CosineAnnealingLR: tMax must be positive, got ${o.tMax}`);
    this.tMax = o.tMax;
    this.etaMin = o.etaMin ?? 0;
    this.start();
  }
  protected lrAt(baseLr: number, epoch: number): number {
    return this.etaMin + ((baseLr - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}

/** η_t = η_0 · γ^⌊t / stepSize⌋. */
export class StepLR extends EpochScheduler {
  readonly stepSize: number;
  readonly gamma: number;
  constructor(optimizer: Optimizer, o: { stepSize: number; gamma?: number }) {
    super(optimizer);
    if (!(o.stepSize >= 1)) throw new RangeError(`StepLR: stepSize must be ≥ 1, got ${o.stepSize}`);
    this.stepSize = o.stepSize;
    this.gamma = o.gamma ?? 0.1;
    this.start();
  }
  protected lrAt(baseLr: number, epoch: number): number {
    return baseLr * this.gamma ** Math.floor(epoch / this.stepSize);
  }
}

export interface LinearLROptions {
  startFactor?: number;
  endFactor?: number;
  totalIters?: number;
}

/**
 * The factor on η_0 moves linearly from startFactor to endFactor over totalIters epochs, then
 * stays (PyTorch's LinearLR; defaults 1/3 → 1 over 5). As a warm-up: `new LinearWarmup(opt, { startFactor: 0.1, totalIters: 5 })`.
 */
export class LinearLR extends EpochScheduler {
  readonly startFactor: number;
  readonly endFactor: number;
  readonly totalIters: number;
  constructor(optimizer: Optimizer, o: LinearLROptions = {}) {
    super(optimizer);
    this.startFactor = o.startFactor ?? 1 / 3;
    this.endFactor = o.endFactor ?? 1;
    this.totalIters = o.totalIters ?? 5;
    if (!(this.startFactor > 0 && this.startFactor <= 1)) throw new RangeError(`LinearLR: startFactor must be in (0, 1], got ${this.startFactor}`);
    if (!(this.endFactor >= 0 && this.endFactor <= 1)) throw new RangeError(`LinearLR: endFactor must be in [0, 1], got ${this.endFactor}`);
    if (!(this.totalIters > 0)) throw new RangeError(`LinearLR: totalIters must be positive, got ${this.totalIters}`);
    this.start();
  }
  protected lrAt(baseLr: number, epoch: number): number {
    const t = Math.min(epoch, this.totalIters);
    return baseLr * (this.startFactor + ((this.endFactor - this.startFactor) * t) / this.totalIters);
  }
}

/** A linear warm-up is PyTorch's LinearLR. */
export const LinearWarmup = LinearLR;
export type LinearWarmup = LinearLR;

/**
 * Any schedule as a factor of the base lr: η_t = η_0 · factor(t) (PyTorch's LambdaLR). The function
 * is not part of the state dict: pass the same one when resuming. (sharpDARTS' cosine power
 * annealing has its own class, CosinePowerAnnealingLR.)
 */
export class LambdaLR extends EpochScheduler {
  readonly factor: (epoch: number) => number;
  constructor(optimizer: Optimizer, factor: (epoch: number) => number) {
    super(optimizer);
    this.factor = factor;
    this.start();
  }
  protected lrAt(baseLr: number, epoch: number): number {
    return baseLr * this.factor(epoch);
  }
}
