// Image folders train the ImageNet network with the DARTS ImageNet protocol.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import sharp from 'sharp';
import { resolveTrainConfig } from '../../src/cli/train-command.js';
import { NetworkImageNet } from '../../src/eval/darts-network.js';
import { PUBLISHED_GENOTYPES } from '../../src/eval/published-genotypes.js';
import type { DartsGenotype } from '../../src/nas/spaces/darts-genotype.js';
import * as torch from '../../src/torch/index.js';

describe('DARTS ImageNet protocol', () => {
  test('anImageFolderGetsTheImageNetNetworkAt224PixelsWithLabelSmoothingAndStepDecay', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnas-imagenet-'));
    for (const [c, rgb] of [['a', 40], ['b', 200]] as const) {
      mkdirSync(join(dir, c));
      for (const i of [0, 1]) await sharp({ create: { width: 40, height: 30, channels: 3, background: { r: rgb, g: i * 50, b: 10 + i * 20 } } }).png().toFile(join(dir, c, `${i}.png`));
    }
    const { cfg, dataset } = await resolveTrainConfig({ genotype: 'PC_DARTS_image', dataset: 'imagefolder', dataDir: dir, batchSize: 2 });
    assert.deepEqual(dataset.images.shape, [4, 224, 224, 3]);
    assert.deepEqual(
      [cfg.network, cfg.imageSize, cfg.initChannels, cfg.layers, cfg.epochs, cfg.lr, cfg.weightDecay, cfg.labelSmoothing, cfg.schedule, cfg.stepGamma, cfg.dropPathProb, cfg.auxiliary, cfg.numClasses],
      ['imagenet', 224, 48, 14, 250, 0.1, 3e-5, 0.1, 'step', 0.97, 0, true, 2],
    );
  });

  test('theImageNetNetworkReducesA224ImageTo7x7AndItsAuxiliaryHeadReadsTheSecondReduction', () => {
    torch.manualSeed(0);
    const net = new NetworkImageNet({ genotype: PUBLISHED_GENOTYPES.DARTS_V2!.genotype as DartsGenotype, numClasses: 5, initChannels: 4, layers: 3, auxiliary: true });
    net.train();
    const out = net.forwardTrain(torch.randn([2, 3, 224, 224]));
    assert.deepEqual(out.logits.shape, [2, 5]);
    assert.deepEqual(out.auxLogits?.shape, [2, 5]);
    net.eval();
    assert.throws(() => torch.noGrad(() => net.forward(torch.randn([2, 3, 128, 128]))), /NetworkImageNet expects 7×7 features before its 7×7 average pool \(224×224 images\), got 4×4: resize the images to 224/);
  });
});
