// The fixed float64 problem of fixtures/make_optim_fixture.py, rebuilt over our tensors.
import * as torch from '../../src/torch/index.js';
import type { Tensor } from '../../src/torch/index.js';
import { readFixture } from '../fixture-path.js';

export interface Trajectory {
  kind: 'SGD' | 'Adam' | 'AdamW';
  options: Record<string, unknown>;
  groups?: Record<string, unknown>[];
  scheduler?: { kind: string; tMax: number; etaMin: number };
  losses: number[];
  lrs: number[][];
  trajectory: number[][][];
}

export interface OptimFixture {
  problem: { p1: number[][]; p2: number[]; a: number[][]; t1: number[][]; b: number[]; t2: number[]; steps: number };
  optimizers: Record<string, Trajectory>;
  schedulers: Record<string, { kind: string; options: Record<string, number>; lrs: number[][] }>;
  clipGradNorm: Record<string, { maxNorm: number; normType: number | 'inf'; dtype: 'float64' | 'float32'; grads: number[][]; totalNorm: number; clipped: number[][] }>;
}

export const fixture = readFixture<OptimFixture>('optim/fixtures/optim_fixture.json');
const f64 = { dtype: 'float64' } as const;

export function makeParams(): Tensor[] {
  return [torch.keep(torch.tensor(fixture.problem.p1, { ...f64, requiresGrad: true })), torch.keep(torch.tensor(fixture.problem.p2, { ...f64, requiresGrad: true }))];
}

/** sum(A (p1 − T1)²) + 0.1 sum(p1⁴) + sum(B (p2 − T2)²) + sum(colsum(p1) · p2), as the generator writes it. */
export function lossOf(p1: Tensor, p2: Tensor): Tensor {
  const { a, t1, b, t2 } = fixture.problem;
  return torch.tidy(() => {
    const first = torch.tensor(a, f64).mul(p1.sub(torch.tensor(t1, f64)).pow(2)).sum();
    const quartic = p1.pow(4).sum().mul(0.1);
    const second = torch.tensor(b, f64).mul(p2.sub(torch.tensor(t2, f64)).pow(2)).sum();
    const coupling = p1.sum(0).mul(p2).sum();
    return first.add(quartic).add(second).add(coupling);
  });
}

/** Computes the loss, leaves its gradients in the parameters' .grad, returns its value. */
export function backwardLoss(params: Tensor[]): number {
  return torch.tidy(() => {
    const loss = lossOf(params[0]!, params[1]!);
    loss.backward();
    return loss.item();
  });
}

export const flat = (params: Tensor[]): number[][] => params.map((p) => Array.from(p.data() as Float64Array | Float32Array));

export function assertClose(actual: number[], expected: number[], tol: number, what: string): void {
  if (actual.length !== expected.length) throw new Error(`${what}: ${actual.length} values, expected ${expected.length}`);
  actual.forEach((v, i) => {
    const e = expected[i]!;
    if (!(Math.abs(v - e) <= tol * Math.max(1, Math.abs(e)))) throw new Error(`${what}[${i}]: got ${v}, PyTorch ${e} (|diff| ${Math.abs(v - e)} > ${tol})`);
  });
}
