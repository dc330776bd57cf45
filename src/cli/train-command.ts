// `dnas train`: trains a genotype from scratch with the protocol of its network (DARTS CIFAR, DARTS
// ImageNet, NAS-Bench-201), writing its own run directory (config.json, log.jsonl, checkpoint/).
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import * as data from '../data/index.js';
import { genotypeJSON, readGenotypeFile, readRunGenotype, type ResolvedGenotype, resolveGenotype } from '../eval/genotype-source.js';
import { networkKindFor } from '../eval/network.js';
import { PUBLISHED_GENOTYPES } from '../eval/published-genotypes.js';
import { openTestDataset, testMetrics, testSetLoader } from '../eval/evaluate.js';
import { runTraining, type TrainEvent } from '../eval/train.js';
import { PROTOCOLS, parseTrainConfig, TRAIN_PRESETS, type TrainConfig } from '../eval/train-config.js';
import { openTrainDataset, trainLoader } from '../eval/train-data.js';
import { hasCheckpoint } from '../nas/checkpoint.js';
import { float, int } from './options.js';
import { RunDir } from './run-dir.js';
import { createTrainProgress } from './train-progress.js';

export interface TrainFlags {
  genotype?: string;
  from?: string;
  dataset?: string;
  dataDir?: string;
  imageSize?: number;
  epochs?: number;
  batchSize?: number;
  initChannels?: number;
  layers?: number;
  lr?: number;
  lrMin?: number;
  momentum?: number;
  weightDecay?: number;
  nesterov?: boolean;
  gradClip?: number;
  labelSmoothing?: number;
  auxiliary?: boolean;
  auxiliaryWeight?: number;
  dropPathProb?: number;
  cutout?: number;
  trainLimit?: number;
  seed?: number;
  evalEvery?: number;
  device?: string;
  out?: string;
  resume?: boolean;
  preset?: string;
  threads?: number;
  channelsLast?: boolean;
  json?: boolean;
}

/** The genotype and the data defaults of `--from RUN` / `--genotype`. */
function genotypeOf(flags: TrainFlags): { resolved: ResolvedGenotype; dataset?: string; dataDir?: string } {
  if (flags.from !== undefined && flags.genotype !== undefined) throw new Error('give either --from RUN or --genotype, not both');
  if (flags.from !== undefined) {
    if (!existsSync(flags.from)) throw new Error(`--from '${flags.from}' does not exist; give the run directory of a search (or its genotype.json)`);
    const resolved = statSync(flags.from).isDirectory() ? readRunGenotype(flags.from) : readGenotypeFile(flags.from);
    // A search's config.json says which data it searched on: train on the same by default.
    let searched: { dataset?: string; dataDir?: string } = {};
    try {
      searched = new RunDir(flags.from).readConfig() as typeof searched;
    } catch {
      /* a bare genotype.json has no config beside it */
    }
    return { resolved, dataset: searched.dataset, dataDir: searched.dataDir };
  }
  if (flags.genotype === undefined) throw new Error(`dnas train needs --genotype (a run directory, a genotype.json, a published name such as DARTS_V2, or a genotype string) or --from RUN`);
  return { resolved: resolveGenotype(flags.genotype) };
}

/** Feature-map side the auxiliary head reads: two stride-2 reductions after a stride-1 stem (CIFAR network). */
function auxiliaryInputSide(network: string, imageSize: number): number {
  return network === 'imagenet' ? Math.ceil(imageSize / 32) : Math.ceil(Math.ceil(imageSize / 2) / 2);
}

/**
 * Merges the protocol of the genotype's network, `--preset` and explicit flags, with what the data
 * set fixes (classes, channels, normalisation); loads the training set, which the caller then uses.
 */
export async function resolveTrainConfig(flags: TrainFlags): Promise<{ cfg: TrainConfig; dataset: data.Dataset }> {
  const { resolved, dataset: searchedDataset, dataDir: searchedDataDir } = genotypeOf(flags);
  const datasetName = flags.dataset ?? searchedDataset ?? 'fashion-mnist';
  const network = networkKindFor(resolved.space, datasetName);
  if (flags.preset !== undefined && !TRAIN_PRESETS[flags.preset]) throw new Error(`unknown preset '${flags.preset}' (known: ${Object.keys(TRAIN_PRESETS).join(', ')})`);
  const preset = flags.preset ? TRAIN_PRESETS[flags.preset]!.apply(network) : {};
  const trainLimit = flags.trainLimit ?? preset.trainLimit ?? 0;
  const imageSize = flags.imageSize ?? (datasetName === 'imagefolder' && network === 'imagenet' ? 224 : undefined);
  const dataDir = flags.dataDir ?? (flags.dataset === undefined ? searchedDataDir : undefined);
  const dataset = await openTrainDataset({ dataset: datasetName, dataDir, trainLimit, imageSize });
  const [h, , c] = data.imageShape(dataset);

  const explicit: Partial<TrainConfig> = {};
  const set = <K extends keyof TrainConfig>(k: K, v: TrainConfig[K] | undefined) => {
    if (v !== undefined) explicit[k] = v;
  };
  set('epochs', flags.epochs);
  set('batchSize', flags.batchSize);
  set('initChannels', flags.initChannels);
  set('layers', flags.layers);
  set('lr', flags.lr);
  set('lrMin', flags.lrMin);
  set('momentum', flags.momentum);
  set('weightDecay', flags.weightDecay);
  set('nesterov', flags.nesterov);
  set('gradClip', flags.gradClip);
  set('labelSmoothing', flags.labelSmoothing);
  set('auxiliary', flags.auxiliary);
  set('auxiliaryWeight', flags.auxiliaryWeight);
  set('dropPathProb', flags.dropPathProb);
  set('cutout', flags.cutout);
  set('seed', flags.seed);
  set('evalEvery', flags.evalEvery);
  set('device', flags.device);
  set('numThreads', flags.threads);
  set('channelsLast', flags.channelsLast);

  const protocol = PROTOCOLS[network];
  const merged = { ...protocol, ...preset, ...explicit };
  const auxSide = auxiliaryInputSide(network, h);
  const auxMin = network === 'imagenet' ? 7 : 8;
  if (merged.auxiliary && auxSide < auxMin) {
    if (explicit.auxiliary) throw new Error(`--auxiliary needs images of at least ${network === 'imagenet' ? 193 : 29} px (the head reads a ${auxMin}×${auxMin} map); ${datasetName} images are ${h} px: drop --auxiliary`);
    // The protocol's head does not fit small images (Fashion-MNIST, synthetic): train without it.
    merged.auxiliary = false;
  }
  return {
    cfg: parseTrainConfig({
      command: 'train',
      space: resolved.space,
      genotype: resolved.text,
      genotypeSource: flags.from ?? resolved.source,
      network,
      dataset: datasetName,
      ...(dataDir !== undefined ? { dataDir } : {}),
      ...(imageSize !== undefined ? { imageSize } : {}),
      trainLimit,
      numClasses: dataset.classes.length,
      inChannels: c,
      mean: [...dataset.mean],
      std: [...dataset.std],
      device: 'cpu',
      channelsLast: true,
      numThreads: 0,
      preset: flags.preset ?? null,
      evalEvery: 0,
      ...merged,
    }),
    dataset,
  };
}

function defaultRunName(cfg: TrainConfig): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
  const name = cfg.genotypeSource in PUBLISHED_GENOTYPES ? cfg.genotypeSource : cfg.space;
  return join('runs', `train-${name}-${cfg.dataset}-${stamp}`);
}

async function train(flags: TrainFlags, cmd: Command): Promise<void> {
  let cfg: TrainConfig;
  let dataset: data.Dataset;
  let dir: RunDir;
  if (flags.resume) {
    if (!flags.out) throw new Error('--resume needs --out DIR: the training run to continue');
    dir = new RunDir(flags.out);
    cfg = parseTrainConfig(dir.readConfig());
    const given = cmd.options.filter((o) => !['--resume', '--out', '--json', '--threads'].includes(o.long ?? '') && cmd.getOptionValueSource(o.attributeName()) === 'cli');
    if (given.length) throw new Error(`--resume continues the run with its saved config.json; remove ${given.map((o) => o.long).join(', ')} (or start a new run with another --out)`);
    if (flags.threads !== undefined) cfg.numThreads = flags.threads;
    dataset = await openTrainDataset(cfg);
  } else {
    ({ cfg, dataset } = await resolveTrainConfig(flags));
    dir = new RunDir(flags.out ?? defaultRunName(cfg));
    if (hasCheckpoint(dir.path)) throw new Error(`'${dir.path}' already holds a run: pass --resume to continue it, or choose another --out`);
    dir.create();
    dir.writeJSON('config.json', cfg);
    dir.writeJSON('genotype.json', genotypeJSON(resolveGenotype(cfg.genotype)));
    if (existsSync(dir.logPath)) dir.truncateLog(0);
  }

  const testLoader = cfg.evalEvery > 0 ? testSetLoader(await openTestDataset(cfg), cfg) : null;
  let stop = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stop) process.exit(signal === 'SIGINT' ? 130 : 143);
    stop = true;
    process.stderr.write(`\n${signal}: stopping after this step with a checkpoint (again to quit without one)…\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const progress = createTrainProgress({ tty: Boolean(process.stderr.isTTY), quiet: Boolean(flags.json), write: (l) => process.stderr.write(`${l}\n`) });
  let last: Extract<TrainEvent, { type: 'epoch' }> | null = null;
  let params = 0;
  try {
    const result = await runTraining(cfg, {
      runDir: dir.path,
      resume: Boolean(flags.resume),
      loader: trainLoader(dataset, cfg),
      onEvent: (e) => {
        progress.onEvent(e);
        if (e.type === 'epoch') last = e;
        if (e.type === 'start') params = e.paramsWithoutAuxiliary;
        dir.log(e);
      },
      logBytes: () => dir.logBytes(),
      truncateLog: (b) => dir.truncateLog(b),
      shouldStop: () => stop,
      evaluate: testLoader ? (net) => testMetrics(net, testLoader) : undefined,
    });
    progress.stop();
    const final = last as Extract<TrainEvent, { type: 'epoch' }> | null;
    const summary = { runDir: dir.path, interrupted: result.interrupted, epochs: result.epochsDone, params, trainLoss: final?.trainLoss ?? null, trainAcc: final?.trainAcc ?? null };
    if (flags.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
    else {
      process.stdout.write(`${result.interrupted ? 'interrupted' : 'trained'}: ${result.epochsDone}/${cfg.epochs} epochs${final ? `, train accuracy ${(100 * final.trainAcc).toFixed(2)}%` : ''}\n`);
      process.stdout.write(`run directory: ${dir.path} (evaluate with: dnas eval ${dir.path})\n`);
    }
    if (result.interrupted) process.exitCode = 130;
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export function trainCommand(): Command {
  return new Command('train')
    .description('train a genotype from scratch with its protocol (DARTS CIFAR/ImageNet or NAS-Bench-201); writes a run directory (config.json, log.jsonl, checkpoint/)')
    .option('--genotype <spec>', `run directory, genotype.json, published name (${Object.keys(PUBLISHED_GENOTYPES).join(', ')}), or a genotype string (Genotype(normal=[...], ...) or |op~0|+|...|)`)
    .option('--from <run>', 'train what a search found: its run directory (data set defaults to the search\'s)')
    .option('--dataset <name>', `${data.DATASET_NAMES.join(', ')} (imagefolder trains the ImageNet network)`)
    .option('--data-dir <dir>', 'folder holding the data set files')
    .option('--image-size <n>', 'imagefolder: side images are resized to (224 for the ImageNet network)', int(8))
    .option('--preset <name>', Object.entries(TRAIN_PRESETS).map(([k, v]) => `'${k}': ${v.help}`).join('; '))
    .option('--epochs <n>', 'epochs (DARTS CIFAR 600, ImageNet 250, NB201 200)', int(1))
    .option('--batch-size <n>', 'batch size (96 / 128 / 256)', int(2))
    .option('--init-channels <n>', 'initial channels C (36 / 48 / 16)', int(2))
    .option('--layers <n>', 'cells (DARTS: 20 / 14) or cells per stage (NB201: 5)', int(1))
    .option('--lr <x>', 'initial learning rate (0.025 / 0.1 / 0.1)', float({ min: 0, exclusiveMin: true }))
    .option('--lr-min <x>', 'final learning rate of the cosine schedule (0)', float({ min: 0 }))
    .option('--momentum <x>', 'SGD momentum (0.9)', float({ min: 0, max: 1 }))
    .option('--weight-decay <x>', 'weight decay (3e-4 / 3e-5 / 5e-4)', float({ min: 0 }))
    .option('--nesterov', 'Nesterov momentum (on for NB201)')
    .option('--no-nesterov', 'plain momentum')
    .option('--grad-clip <x>', 'gradient-norm clip, 0 = off (5; NB201 off)', float({ min: 0 }))
    .option('--label-smoothing <x>', 'label smoothing (ImageNet 0.1)', float({ min: 0, max: 0.99 }))
    .option('--auxiliary', 'auxiliary head after the second reduction cell (DARTS default; needs ≥ 29 px images)')
    .option('--no-auxiliary', 'no auxiliary head')
    .option('--auxiliary-weight <x>', 'weight of the auxiliary loss (0.4)', float({ min: 0 }))
    .option('--drop-path-prob <x>', 'final drop-path probability, ramped linearly from 0 (0.2; pc-darts 0.3)', float({ min: 0, max: 0.99 }))
    .option('--cutout <n>', 'cutout length in pixels, 0 = off (16 for the DARTS protocol)', int(0))
    .option('--train-limit <n>', 'use only the first N training images (0 = all)', int(0))
    .option('--seed <n>', 'random seed (0)', int(0))
    .option('--eval-every <n>', 'test-split accuracy every N epochs and after the last (0 = never; the reference does it every epoch)', int(0))
    .option('--device <device>', "'cpu' or 'cuda'")
    .option('--out <dir>', 'run directory (default runs/train-<genotype>-<dataset>-<time>)')
    .option('--resume', 'continue the run in --out from its checkpoint, bit for bit')
    .option('--threads <n>', 'CPU threads (default: all cores)', int(1))
    .option('--no-channels-last', 'keep activations in contiguous (NCHW) memory instead of channels-last')
    .option('--json', 'print the result as one JSON line on stdout (no progress output)')
    .addHelpText(
      'after',
      `
Examples:
  dnas train --genotype DARTS_V2 --dataset cifar10 --data-dir ~/data      the DARTS CIFAR-10 protocol (600 epochs)
  dnas train --genotype PC_DARTS_cifar --preset pc-darts --dataset cifar10 --data-dir ~/data
  dnas train --from runs/my-search --preset quick                         a first look at what a search found
  dnas train --genotype '|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_1x1~2|' --dataset cifar10 --data-dir ~/data
  dnas train --out runs/my-train --resume                                 continue an interrupted run`,
    )
    .action(async (flags: TrainFlags, cmd: Command) => train(flags, cmd));
}
