// ROME's gradient accumulation (Wang et al., ICCV 2023, Alg. 1, Eq. 11–12): a step samples K
// sub-models afresh (each its own phase: a new topology and op sample), runs each one's forward and
// backward on the same batch, and steps once — the architecture with the MEAN of the K validation
// gradients (an estimate of the expected gradient over p(z; α, β)), the weights with the SUM of the
// K training gradients (as the paper writes Eq. 12: every sampled path trains the shared weights).
// Only one sub-model's graph is alive at a time, so memory stays that of a single path.
import type { Tensor } from '../../torch/index.js';
import * as torch from '../../torch/index.js';
import { beginPhase, type Phase, type StepContext } from './common.js';

export interface SubModelGradients {
  grads: (Tensor | null)[];
  loss: number;
  correct: number;
}

/** Checks K, naming the flag. */
export function checkSubModels(k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new Error(`--rome-k: the number of sub-models per step must be an integer ≥ 1, got ${k}`);
  return k;
}

/**
 * Runs `gradientsOf` for K sub-models and combines their gradients ('mean' or 'sum'); loss and
 * correct count are the sub-models' means. The caller begins the first sub-model's phase (so a
 * single-sample step draws in the same order as before); each further sub-model begins its own.
 * The returned gradients belong to the caller.
 */
export function accumulateSubModels(ctx: StepContext, k: number, phase: Phase, reduce: 'mean' | 'sum', gradientsOf: () => SubModelGradients): SubModelGradients {
  checkSubModels(k);
  const sum: (Tensor | null)[] = [];
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < k; i++) {
    if (i > 0) beginPhase(ctx, phase);
    // Each sub-model's graph is freed before the next one is built.
    const r = torch.tidy(gradientsOf);
    loss += r.loss;
    correct += r.correct;
    r.grads.forEach((g, j) => {
      const p = sum[j] ?? null;
      if (!g || !p) {
        sum[j] = p ?? g;
        return;
      }
      sum[j] = p.add(g);
      p.dispose();
      g.dispose();
    });
  }
  const grads = sum;
  if (reduce === 'sum' || k === 1) return { grads, loss: loss / k, correct: correct / k };
  const mean = grads.map((g) => {
    if (!g) return null;
    const m = g.div(k);
    g.dispose();
    return m;
  });
  return { grads: mean, loss: loss / k, correct: correct / k };
}
