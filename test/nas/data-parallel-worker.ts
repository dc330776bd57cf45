// One process of the data-parallel equivalence test (data-parallel.test.ts): runs a few search
// steps of each variant on a tiny synthetic search, as a rank of a process group when WORLD_SIZE > 1,
// and writes the architecture parameters and a weight summary to OUT_DIR/rank<r>.json.
//
// BatchNorm runs in eval mode here: with batch statistics (train mode) each process normalises its
// shard by the shard's own statistics, as PyTorch's DDP does, so N processes cannot match one
// exactly; with fixed statistics every example's loss is independent of the rest of its batch, and
// the global-batch mean gradient is exactly the mean of the shard means, up to float rounding.
// Everything else is the product's own code: the config, data streams, sharding, step context,
// update rules and the gradient mean over the process group.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSearch, createStepContext, releaseStepContext } from '../../src/nas/build.js';
import { resolveSearchConfig, type SearchOverrides } from '../../src/nas/config.js';
import { processGroupDataParallel, shardStream } from '../../src/nas/data-parallel.js';
import { openSearchData } from '../../src/nas/search-data.js';
import { progressAt } from '../../src/nas/types.js';
import * as torch from '../../src/torch/index.js';

export interface Variant {
  name: string;
  overrides: SearchOverrides;
  steps: number;
  /** False: the processes skip the gradient mean (the control that shows the test can fail). */
  average?: boolean;
  /** Ranks other than 0 start from other weights and α: the broadcast from rank 0 must undo it. */
  perturbOtherRanks?: boolean;
}

const variants = JSON.parse(process.argv[2]!) as Variant[];
const outDir = process.argv[3]!;
const worldSize = Number(process.env.WORLD_SIZE ?? 1);
if (worldSize > 1) torch.distributed.initProcessGroup({ backend: 'gloo', timeout: 60_000 });
const dp = worldSize > 1 ? processGroupDataParallel() : undefined;

const results: Record<string, { arch: Record<string, number[]>; weightSum: number; weightAbsSum: number }> = {};
for (const v of variants) {
  const cfg = resolveSearchConfig({ dataset: 'synthetic', trainLimit: 128, batchSize: 16, initChannels: 4, layers: 3, numThreads: 1, seed: 5, epochs: 1, worldSize, ...v.overrides });
  const data = await openSearchData(cfg);
  torch.manualSeed(cfg.seed);
  const parts = buildSearch(cfg, data);
  parts.net.eval();
  // (a constant shift: a random one would also move this rank's RNG stream away from rank 0's)
  if (v.perturbOtherRanks && (dp?.rank ?? 0) !== 0) torch.noGrad(() => [...parts.weights, ...parts.archParams].forEach((p) => p.add_(0.5)));
  dp?.syncFromRankZero([...Object.values(parts.net.stateDict()), ...parts.archParams]);
  const train = dp ? shardStream(data.train, dp) : data.train;
  const valid = dp && data.valid ? shardStream(data.valid, dp) : data.valid;
  let weightGradSeen = parts.weights.map(() => false);
  for (let step = 0; step < v.steps; step++) {
    torch.tidy(() => {
      const ctx = createStepContext(parts, {
        trainBatch: train.next(),
        nextValidBatch: () => valid!.next(),
        nextTrainBatch: () => train.next(),
        progress: progressAt(0, cfg.epochs, step, train.stepsPerEpoch),
        weightGradSeen,
        allReduceMean: v.average === false ? undefined : dp?.mean,
      });
      try {
        parts.update.step(ctx);
      } finally {
        weightGradSeen = ctx.weightGradSeen;
        releaseStepContext(ctx);
      }
    });
  }
  const arch = Object.fromEntries(Object.entries(parts.arch).map(([k, t]) => [k, Array.from(t.data() as Float32Array)]));
  const [weightSum, weightAbsSum] = torch.tidy(() => {
    const flat = torch.cat(parts.weights.map((w) => w.detach().reshape([-1])));
    return [flat.sum().item(), flat.abs().sum().item()];
  });
  results[v.name] = { arch, weightSum, weightAbsSum };
}
writeFileSync(join(outDir, `rank${dp?.rank ?? 0}.json`), JSON.stringify(results));
if (dp) torch.distributed.destroyProcessGroup();
