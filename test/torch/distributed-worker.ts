// One process of the torch.distributed tests (distributed.test.ts): joins a group of WORLD_SIZE
// from the environment, runs the collectives SCENARIO names and prints one JSON line of results.
import * as torch from '../../src/torch/index.js';

const d = torch.distributed;
const scenario = process.argv[2];
const timeout = Number(process.env.DIST_TIMEOUT_MS ?? 60_000);
try {
  d.initProcessGroup({ backend: 'gloo', timeout });
} catch (e) {
  process.stdout.write(`${JSON.stringify({ initError: (e as Error).message })}\n`);
  process.exit(0);
}
const rank = d.getRank();
if (scenario === 'collectives') {
  const sum = torch.tensor([rank + 1, 10 * (rank + 1)]);
  d.allReduce(sum);
  const max = torch.tensor([rank]);
  d.allReduce(max, d.ReduceOp.MAX);
  const fromZero = torch.tensor([rank === 0 ? 42 : -1, rank === 0 ? 7 : -1]);
  d.broadcast(fromZero, 0);
  d.barrier();
  let nonContiguous = '';
  try {
    d.allReduce(torch.zeros([2, 3]).transpose(0, 1));
  } catch (e) {
    nonContiguous = (e as Error).message;
  }
  process.stdout.write(`${JSON.stringify({ rank, worldSize: d.getWorldSize(), backend: d.getBackend(), sum: sum.tolist(), max: max.item(), fromZero: fromZero.tolist(), nonContiguous })}\n`);
} else if (scenario === 'peer-dies') {
  d.barrier();
  // The last rank leaves without a word; the others' next collective must fail, not wait.
  if (rank === d.getWorldSize() - 1) process.exit(3);
  const began = Date.now();
  try {
    d.allReduce(torch.ones([4]));
    process.stdout.write(`${JSON.stringify({ rank, error: null })}\n`);
  } catch (e) {
    process.stdout.write(`${JSON.stringify({ rank, error: (e as Error).message, isBackendError: e instanceof d.DistBackendError, seconds: (Date.now() - began) / 1000 })}\n`);
  }
  process.exit(0);
}
d.destroyProcessGroup();
