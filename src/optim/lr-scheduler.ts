// Learning-rate schedules with PyTorch's (≥ 1.1) semantics: construction sets the lr of epoch 0,
// each step() advances one epoch. Closed forms, so a resumed schedule is exact.
import type { Optimizer } from './optimizer.js';

export interface LRScheduler {
  step(): void;
  getLastLr(): number[];
  stateDict(): { lastEpoch: number };
  loadStateDict(sd: { lastEpoch: number }): void;
}

/** Sets every group's lr to `lrAt(baseLr, epoch)`; subclasses give the formula. */
export abstract class EpochScheduler implements LRScheduler {
  lastEpoch = 0;
  protected readonly baseLrs: number[];
  constructor(protected readonly optimizer: Optimizer) {
    // As PyTorch: the first schedule records each group's lr as initialLr when it is created (not
    // when the optimizer is), and later schedules on the same optimizer start from that value.
    for (const g of optimizer.paramGroups) g.initialLr ??= g.lr;
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr as number);
    this.apply();
  }
  protected abstract lrAt(baseLr: number, epoch: number): number;
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
  stateDict(): { lastEpoch: number } {
    return { lastEpoch: this.lastEpoch };
  }
  loadStateDict(sd: { lastEpoch: number }): void {
    this.lastEpoch = sd.lastEpoch;
    this.apply();
  }
}

/** η_t = η_min + (η_0 − η_min)(1 + cos(π t / T_max)) / 2. */
export class CosineAnnealingLR extends EpochScheduler {
  readonly tMax: number;
  readonly etaMin: number;
  constructor(optimizer: Optimizer, o: { tMax: number; etaMin?: number }) {
    const tMax = o.tMax;
    const etaMin = o.etaMin ?? 0;
    super(optimizer);
    this.tMax = tMax;
    this.etaMin = etaMin;
    this.loadStateDict({ lastEpoch: 0 });
  }
  protected lrAt(baseLr: number, epoch: number): number {
    if (this.tMax === undefined) return baseLr; // during super(): fields not set yet
    return this.etaMin + ((baseLr - this.etaMin) * (1 + Math.cos((Math.PI * epoch) / this.tMax))) / 2;
  }
}

/** η_t = η_0 · γ^⌊t / stepSize⌋. */
export class StepLR extends EpochScheduler {
  private stepSize = 1;
  private gamma = 0.1;
  constructor(optimizer: Optimizer, o: { stepSize: number; gamma?: number }) {
    super(optimizer);
    this.stepSize = o.stepSize;
    this.gamma = o.gamma ?? 0.1;
    this.loadStateDict({ lastEpoch: 0 });
  }
  protected lrAt(baseLr: number, epoch: number): number {
    return baseLr * this.gamma ** Math.floor(epoch / (this.stepSize ?? 1));
  }
}

/** Linear ramp of the factor from startFactor to endFactor over totalIters epochs (PyTorch's LinearLR). */
export class LinearLR extends EpochScheduler {
  private startFactor = 1 / 3;
  private endFactor = 1;
  private totalIters = 5;
  constructor(optimizer: Optimizer, o: { startFactor?: number; endFactor?: number; totalIters?: number } = {}) {
    super(optimizer);
    this.startFactor = o.startFactor ?? 1 / 3;
    this.endFactor = o.endFactor ?? 1;
    this.totalIters = o.totalIters ?? 5;
    this.loadStateDict({ lastEpoch: 0 });
  }
  protected lrAt(baseLr: number, epoch: number): number {
    const t = Math.min(epoch, this.totalIters ?? 5);
    const s = this.startFactor ?? 1 / 3;
    return baseLr * (s + ((this.endFactor ?? 1) - s) * (t / (this.totalIters ?? 5)));
  }
}

/** Any schedule: η_t = η_0 · factor(t) (PyTorch's LambdaLR); sharpDARTS' cosine power annealing plugs in here. */
export class LambdaLR extends EpochScheduler {
  private factor: (epoch: number) => number = () => 1;
  constructor(optimizer: Optimizer, factor: (epoch: number) => number) {
    super(optimizer);
    this.factor = factor;
    this.loadStateDict({ lastEpoch: 0 });
  }
  protected lrAt(baseLr: number, epoch: number): number {
    return baseLr * (this.factor ?? (() => 1))(epoch);
  }
}
