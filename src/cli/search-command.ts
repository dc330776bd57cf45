// `dnas search`: resolves flags into a validated config, prepares the run directory, runs the
// search with progress output, writes genotype.json.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { parseSearchConfig, type SearchConfig } from '../nas/config.js';
import { hasCheckpoint } from '../nas/checkpoint.js';
import { getMethod, METHODS } from '../nas/methods.js';
import { runSearch } from '../nas/search.js';
import { openSearchData } from '../nas/search-data.js';
import { getSpace, SPACES } from '../nas/spaces/index.js';
import { choice, float, int, pair } from './options.js';
import { createProgress } from './progress.js';
import { RunDir } from './run-dir.js';

/** `--preset quick`: a small search on a subset, for a first look in a few minutes on 2 cores. */
export const QUICK_PRESET: Partial<SearchConfig> = { epochs: 3, batchSize: 32, initChannels: 8, layers: 5, trainLimit: 2000 };

interface SearchFlags {
  space?: string;
  method?: string;
  order?: number;
  dataset?: string;
  dataDir?: string;
  epochs?: number;
  batchSize?: number;
  initChannels?: number;
  layers?: number;
  seed?: number;
  device?: string;
  out?: string;
  resume?: boolean;
  preset?: string;
  json?: boolean;
  lr?: number;
  lrMin?: number;
  momentum?: number;
  weightDecay?: number;
  archLr?: number;
  archBetas?: [number, number];
  archWeightDecay?: number;
  trainPortion?: number;
  gradClip?: number;
  warmupEpochs?: number;
  trainLimit?: number;
  cutout?: number;
  threads?: number;
  channelsLast?: boolean;
  checkpointCells?: number;
  nesterov?: boolean;
  stepOrder?: 'arch-first' | 'weights-first';
}

/** Merges defaults, the method preset for the space, `--preset` and explicit flags, then validates. */
export function resolveSearchConfig(flags: SearchFlags): SearchConfig {
  const space = getSpace(flags.space ?? 'darts');
  const method = getMethod(flags.method ?? 'darts');
  const hp = method.hyperparameters[space.name];
  if (!hp) throw new Error(`method '${method.name}' has no settings for space '${space.name}' (it supports: ${Object.keys(method.hyperparameters).join(', ')})`);
  if (flags.preset !== undefined && flags.preset !== 'quick') throw new Error(`unknown preset '${flags.preset}' (known: quick)`);
  const explicit: Partial<SearchConfig> = {};
  const set = <K extends keyof SearchConfig>(k: K, v: SearchConfig[K] | undefined) => {
    if (v !== undefined) explicit[k] = v;
  };
  set('dataset', flags.dataset);
  set('dataDir', flags.dataDir);
  set('order', flags.order as 1 | 2 | undefined);
  set('epochs', flags.epochs);
  set('batchSize', flags.batchSize);
  set('initChannels', flags.initChannels);
  set('layers', flags.layers);
  set('seed', flags.seed);
  set('device', flags.device);
  set('lr', flags.lr);
  set('lrMin', flags.lrMin);
  set('momentum', flags.momentum);
  set('weightDecay', flags.weightDecay);
  set('archLr', flags.archLr);
  set('archBetas', flags.archBetas);
  set('archWeightDecay', flags.archWeightDecay);
  set('trainPortion', flags.trainPortion);
  set('gradClip', flags.gradClip);
  set('warmupEpochs', flags.warmupEpochs);
  set('trainLimit', flags.trainLimit);
  set('cutout', flags.cutout);
  set('numThreads', flags.threads);
  set('channelsLast', flags.channelsLast);
  set('checkpointCells', flags.checkpointCells);
  set('nesterov', flags.nesterov);
  set('stepOrder', flags.stepOrder);
  return parseSearchConfig({
    space: space.name,
    method: method.name,
    dataset: 'fashion-mnist',
    trainLimit: 0,
    ...space.defaults,
    ...hp,
    device: 'cpu',
    cutout: 0,
    channelsLast: true,
    checkpointCells: 0,
    numThreads: 0,
    ...(flags.preset === 'quick' ? QUICK_PRESET : {}),
    ...explicit,
  });
}

function defaultRunName(cfg: SearchConfig): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  return join('runs', `${cfg.space}-${cfg.method}-o${cfg.order}-${stamp}`);
}

async function search(flags: SearchFlags, cmd: Command): Promise<void> {
  let cfg: SearchConfig;
  let dir: RunDir;
  if (flags.resume) {
    if (!flags.out) throw new Error('--resume needs --out DIR: the run directory to continue');
    dir = new RunDir(flags.out);
    cfg = parseSearchConfig(dir.readConfig());
    const given = cmd.options.filter((o) => !['--resume', '--out', '--json', '--threads'].includes(o.long ?? '') && cmd.getOptionValueSource(o.attributeName()) === 'cli');
    if (given.length) throw new Error(`--resume continues the run with its saved config.json; remove ${given.map((o) => o.long).join(', ')} (or start a new run with another --out)`);
    if (flags.threads !== undefined) cfg.numThreads = flags.threads;
  } else {
    cfg = resolveSearchConfig(flags);
    dir = new RunDir(flags.out ?? defaultRunName(cfg));
    if (hasCheckpoint(dir.path)) throw new Error(`'${dir.path}' already holds a search: pass --resume to continue it, or choose another --out`);
    dir.create();
    dir.writeJSON('config.json', cfg);
    if (existsSync(dir.logPath)) dir.truncateLog(0);
  }

  const data = await openSearchData(cfg);
  let stop = false;
  const onSigint = () => {
    if (stop) process.exit(130);
    stop = true;
    process.stderr.write('\nstopping after this step (Ctrl-C again to quit without a checkpoint)…\n');
  };
  process.on('SIGINT', onSigint);
  const progress = createProgress({ tty: Boolean(process.stderr.isTTY), quiet: Boolean(flags.json), write: (l) => process.stderr.write(`${l}\n`) });
  try {
    const result = await runSearch(cfg, {
      runDir: dir.path,
      resume: Boolean(flags.resume),
      data,
      onEvent: (e) => {
        progress.onEvent(e);
        dir.log(e.type === 'step' ? e : e);
      },
      logBytes: () => dir.logBytes(),
      truncateLog: (b) => dir.truncateLog(b),
      shouldStop: () => stop,
    });
    progress.stop();
    if (!result.interrupted) {
      dir.writeJSON('genotype.json', { ...result.genotypeJSON, genotype: result.genotype });
    }
    const summary = { runDir: dir.path, genotype: result.genotype, interrupted: result.interrupted, epochs: result.epochsDone };
    if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      process.stdout.write(`${result.interrupted ? 'interrupted; genotype so far' : 'genotype'}: ${result.genotype}\n`);
      process.stdout.write(`run directory: ${dir.path}\n`);
    }
    if (result.interrupted) process.exitCode = 130;
  } finally {
    progress.stop();
    process.off('SIGINT', onSigint);
  }
}

export function searchCommand(): Command {
  return new Command('search')
    .description('search a cell architecture with a DARTS-family method; writes a run directory (config.json, log.jsonl, genotype.json, checkpoint/)')
    .option('--space <name>', `search space (${Object.keys(SPACES).join(', ')})`, choice(Object.keys(SPACES)))
    .option('--method <name>', `method preset (${Object.keys(METHODS).join(', ')})`)
    .option('--order <n>', 'DARTS approximation: 1 (first order) or 2 (second order, unrolled)', (v) => Number(choice(['1', '2'])(v)))
    .option('--dataset <name>', 'fashion-mnist (embedded default), mnist, cifar10, cifar100, imagefolder, synthetic')
    .option('--data-dir <dir>', 'folder holding the data set files (cifar-10-batches-bin/, …)')
    .option('--epochs <n>', 'search epochs', int(1))
    .option('--batch-size <n>', 'batch size of both the weight and the architecture step', int(2))
    .option('--init-channels <n>', 'initial channels C', int(2))
    .option('--layers <n>', 'cells (DARTS) or cells per stage (NAS-Bench-201)', int(1))
    .option('--seed <n>', 'random seed', int(0))
    .option('--device <device>', "'cpu' or 'cuda'")
    .option('--out <dir>', 'run directory (default runs/<space>-<method>-<time>)')
    .option('--resume', 'continue the run in --out from its checkpoint')
    .option('--preset <name>', "'quick': a small search (C=8, 5 cells, 3 epochs) on 2,000 images for a first look")
    .option('--json', 'print the result as one JSON line on stdout (no progress output)')
    .option('--lr <x>', 'weight learning rate (cosine-annealed)', float({ min: 0, exclusiveMin: true }))
    .option('--lr-min <x>', 'final weight learning rate', float({ min: 0 }))
    .option('--momentum <x>', 'SGD momentum', float({ min: 0, max: 1 }))
    .option('--weight-decay <x>', 'weight decay of the weights', float({ min: 0 }))
    .option('--nesterov', 'Nesterov momentum for the weights')
    .option('--arch-lr <x>', 'Adam learning rate of the architecture parameters', float({ min: 0, exclusiveMin: true }))
    .option('--arch-betas <b1,b2>', 'Adam betas of the architecture parameters', pair)
    .option('--arch-weight-decay <x>', 'weight decay of the architecture parameters', float({ min: 0 }))
    .option('--train-portion <x>', 'share of the training set that trains weights; the rest trains the architecture', float({ min: 0, max: 1, exclusiveMin: true }))
    .option('--grad-clip <x>', 'gradient-norm clip of the weights', float({ min: 0, exclusiveMin: true }))
    .option('--warmup-epochs <n>', 'epochs before the architecture starts to learn', int(0))
    .option('--step-order <order>', "'arch-first' (quark0/darts) or 'weights-first' (AutoDL-Projects)", choice(['arch-first', 'weights-first'] as const))
    .option('--train-limit <n>', 'use only the first N training images (0 = all)', int(0))
    .option('--cutout <n>', 'cutout hole size in pixels (0 = off)', int(0))
    .option('--threads <n>', 'CPU threads (default: all cores)', int(1))
    .option('--checkpoint-cells <n>', 'recompute the first N cells during backward instead of storing them: less memory, more time (DARTS space)', int(0))
    .option('--no-channels-last', 'keep activations in contiguous (NCHW) memory instead of channels-last')
    .addHelpText(
      'after',
      `
Examples:
  dnas search --preset quick                                  a first look on the embedded Fashion-MNIST
  dnas search --space darts --method darts --order 2 --dataset cifar10 --data-dir ~/data
  dnas search --space nb201 --dataset cifar10 --data-dir ~/data --epochs 50
  dnas search --out runs/my-run --resume                      continue an interrupted search`,
    )
    .action(async (flags: SearchFlags, cmd: Command) => search(flags, cmd));
}
