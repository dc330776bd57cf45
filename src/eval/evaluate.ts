// `dnas eval RUN`: the trained network of a run directory on a test set — top-1, top-5, loss — with
// its parameter count and multiply-adds as the papers count them; written to the run's eval.json.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { findCifar101, loadCifar101 } from '../data/cifar101.js';
import * as data from '../data/index.js';
import { hasCheckpoint, loadCheckpoint, unprefixed } from '../nas/checkpoint.js';
import * as torch from '../torch/index.js';
import type { GenotypeNetwork } from './darts-network.js';
import { countMacs } from './macs.js';
import { buildNetwork, countParameters } from './network.js';
import { parseTrainConfig, type TrainConfig } from './train-config.js';

export interface TestMetrics {
  /** Percent of images whose label is the top prediction. */
  top1: number;
  /** Percent whose label is among the top min(5, classes) predictions. */
  top5: number;
  /** Mean cross-entropy. */
  loss: number;
  images: number;
}

export interface EvalReport extends TestMetrics {
  runDir: string;
  dataset: string;
  dataDir: string | null;
  /** Parameters in millions without the auxiliary head (what papers report), and with it. */
  paramsM: number;
  paramsWithAuxiliaryM: number;
  /** Multiply-adds in millions per image (convolutions and linear layers, no auxiliary head). */
  macsM: number;
  /** Where training stood when the evaluated checkpoint was written. */
  epoch: number;
  epochs: number;
  genotype: string;
}

/** Top-1 / top-5 / loss of `net` over every batch of `loader` (one pass, inference mode). */
export function testMetrics(net: GenotypeNetwork, loader: data.DataLoader): TestMetrics {
  let top1 = 0;
  let top5 = 0;
  let loss = 0;
  let images = 0;
  const wasTraining = net.training;
  net.eval();
  try {
    for (let step = 0; step < loader.stepsPerEpoch; step++) {
      torch.tidy(() =>
        torch.noGrad(() => {
          const { x, y } = loader.next();
          const logits = net.forward(x);
          const n = y.shape[0]!;
          const k = Math.min(5, logits.shape[1]!);
          const best = logits.topk(k, 1).indices;
          const hits = best.eq(y.view([n, 1]));
          top1 += hits.narrow(1, 0, 1).sum().item();
          top5 += hits.sum().item();
          loss += torch.crossEntropy(logits, y, { reduction: 'sum' }).item();
          images += n;
        }),
      );
    }
  } finally {
    net.train(wasTraining);
  }
  return { top1: (100 * top1) / images, top5: (100 * top5) / images, loss: loss / images, images };
}

/** The test images: CIFAR-10.1 when `dataDir` holds its .npy files, else the run's data set's test split. */
export async function openTestDataset(cfg: TrainConfig, dataDir?: string): Promise<data.Dataset> {
  const dir = dataDir ?? cfg.dataDir;
  if (dir && findCifar101(dir)) return loadCifar101(dir);
  return data.loadDatasetAsync(cfg.dataset, { dataDir: dir, split: 'test', imageSize: cfg.imageSize });
}

/** Every test image once, in order, without augmentation; no draw from any random generator. */
export function testSetLoader(dataset: data.Dataset, cfg: TrainConfig, batchSize = Math.max(cfg.batchSize, 2)): data.DataLoader {
  const all = Int32Array.from({ length: data.datasetSize(dataset) }, (_, i) => i);
  return new data.DataLoader(dataset, all, {
    batchSize,
    shuffle: false,
    train: false,
    device: cfg.device,
    // Normalised with the training images' statistics, as the network saw them.
    augment: { mean: cfg.mean, std: cfg.std, memoryFormat: cfg.channelsLast ? 'channelsLast' : 'contiguous' },
  });
}

export function readTrainConfig(runDir: string): TrainConfig {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) throw new Error(`'${runDir}' is not a directory; give the run directory dnas train wrote`);
  const path = join(runDir, 'config.json');
  if (!existsSync(path)) throw new Error(`'${runDir}' is not a dnas run directory (no config.json)`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    throw new Error(`'${path}' is not valid JSON`);
  }
  if ((raw as { command?: unknown })?.command !== 'train') throw new Error(`'${runDir}' is not a training run (a search?): train its genotype first with dnas train --from ${runDir}`);
  return parseTrainConfig(raw);
}

export interface EvaluateOptions {
  dataDir?: string;
  batchSize?: number;
}

/** Evaluates the run's latest checkpoint; the caller writes the report to eval.json. */
export async function evaluateRun(runDir: string, o: EvaluateOptions = {}): Promise<EvalReport> {
  const cfg = readTrainConfig(runDir);
  if (!hasCheckpoint(runDir)) throw new Error(`'${runDir}' has no checkpoint to evaluate; train it first (dnas train --out ${runDir} --resume)`);
  const dataset = await openTestDataset(cfg, o.dataDir);
  const [h, w, c] = data.imageShape(dataset);
  if (dataset.classes.length !== cfg.numClasses) throw new Error(`the test data has ${dataset.classes.length} classes but the network was trained on ${cfg.numClasses}; point --data-dir at data of the same classes`);
  if (c !== cfg.inChannels) throw new Error(`the test images have ${c} channels but the network was trained on ${cfg.inChannels}`);

  torch.manualSeed(cfg.seed);
  const net = buildNetwork(cfg);
  const ckpt = loadCheckpoint<{ epoch: number }>(runDir);
  net.loadStateDict(unprefixed('net', ckpt.tensors));
  for (const t of Object.values(ckpt.tensors)) t.dispose();
  if (cfg.device !== 'cpu') net.to(cfg.device);
  if (cfg.channelsLast) net.to({ memoryFormat: 'channelsLast' });

  const metrics = testMetrics(net, testSetLoader(dataset, cfg, o.batchSize));
  const params = countParameters(net);
  // NB201's table counts the classifier's bias too; keeping its convention makes the two comparable.
  const macs = countMacs(net, [c, h, w], { linearBias: cfg.network === 'nb201' });
  return {
    runDir,
    dataset: dataset.name,
    dataDir: o.dataDir ?? cfg.dataDir ?? null,
    ...metrics,
    paramsM: params.withoutAuxiliary / 1e6,
    paramsWithAuxiliaryM: params.total / 1e6,
    macsM: macs / 1e6,
    epoch: ckpt.state.epoch,
    epochs: cfg.epochs,
    genotype: cfg.genotype,
  };
}
