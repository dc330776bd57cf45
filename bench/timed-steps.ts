// The search-step timing loop the benches share: one warm-up step, then `steps` timed ones on fixed
// batches, each a full update rule step (architecture and weights) as the search loop runs it.
// DNAS_BENCH_VERBOSE=1 prints each step's time and the minor page faults so far to stderr.
import { createStepContext, releaseStepContext, type SearchParts } from '../src/nas/build.js';
import type { Batch } from '../src/nas/update/common.js';
import * as torch from '../src/torch/index.js';

/** Wall times (ms) of the timed steps, in the order they ran; the warm-up step is not among them. */
export function timeSearchSteps(parts: SearchParts, trainBatch: Batch, validBatch: Batch, steps: number): number[] {
  const weightGradSeen = parts.weights.map(() => false);
  const times: number[] = [];
  const faults0 = process.resourceUsage().minorPageFault;
  for (let s = 0; s < steps + 1; s++) {
    const t0 = performance.now();
    torch.tidy(() => {
      const ctx = createStepContext(parts, { trainBatch, nextValidBatch: () => validBatch, updateArch: true, weightGradSeen });
      parts.update.step(ctx);
      releaseStepContext(ctx);
    });
    if (torch.cuda.isAvailable()) torch.cuda.synchronize(); // a device step has ended when its kernels have
    if (s > 0) times.push(performance.now() - t0); // the first step warms allocators and caches
    if (process.env.DNAS_BENCH_VERBOSE === '1') console.error(`step ${s}: ${Math.round(performance.now() - t0)} ms, ${process.resourceUsage().minorPageFault - faults0} minor page faults so far`);
  }
  return times;
}

export function median(xs: readonly number[]): number {
  return [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
}
