import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { resolveSearchConfig } from '../../src/nas/config.js';
import { assertOneLineError, dnas } from './run-cli.js';

describe('dnas search flags', () => {
  test('presetsResolveToThePapersSettings', () => {
    const darts = resolveSearchConfig({});
    assert.equal(darts.batchSize, 64);
    assert.equal(darts.epochs, 50);
    assert.equal(darts.lr, 0.025);
    assert.equal(darts.lrMin, 0.001);
    assert.equal(darts.weightDecay, 3e-4);
    assert.equal(darts.archLr, 3e-4);
    assert.deepEqual(darts.archBetas, [0.5, 0.999]);
    assert.equal(darts.archWeightDecay, 1e-3);
    assert.equal(darts.initChannels, 16);
    assert.equal(darts.layers, 8);
    assert.equal(darts.order, 1);
    const nb201 = resolveSearchConfig({ space: 'nb201', order: 2 });
    assert.equal(nb201.layers, 5);
    assert.equal(nb201.weightDecay, 5e-4);
    assert.equal(nb201.nesterov, true);
    assert.equal(nb201.stepOrder, 'weights-first');
    assert.equal(nb201.order, 2);
  });

  test('explicitFlagsOverrideThePreset', () => {
    const cfg = resolveSearchConfig({ preset: 'quick', epochs: 7, lr: 0.1 });
    assert.equal(cfg.epochs, 7);
    assert.equal(cfg.lr, 0.1);
    assert.equal(cfg.initChannels, 8);
  });

  test('unknownSpaceIsAOneLineError', () => {
    assertOneLineError(dnas('search', '--space', 'nasbench101'), /--space.*expected one of darts, nb201, hypercuboid, got 'nasbench101'/);
  });

  test('unknownMethodIsAOneLineError', () => {
    assertOneLineError(dnas('search', '--method', 'enas'), /unknown method 'enas' \(known: darts/);
  });

  test('badNumberIsAOneLineError', () => {
    assertOneLineError(dnas('search', '--epochs', 'ten'), /--epochs.*expected an integer ≥ 1, got 'ten'/);
    assertOneLineError(dnas('search', '--order', '3'), /--order.*expected one of 1, 2, got '3'/);
  });

  test('unknownDatasetIsAOneLineError', () => {
    const out = mkdtempSync(join(tmpdir(), 'dnas-cli-'));
    assertOneLineError(dnas('search', '--dataset', 'imagenet-1k', '--out', join(out, 'run')), /unknown dataset 'imagenet-1k'/);
  });

  test('dataDirWithoutTheExpectedFilesIsAOneLineError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnas-cli-'));
    assertOneLineError(dnas('search', '--dataset', 'cifar10', '--data-dir', dir, '--out', join(dir, 'run')), /cifar10|cifar-10/i);
  });

  test('resumeWithoutACheckpointIsAOneLineError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dnas-cli-'));
    assertOneLineError(dnas('search', '--resume', '--out', dir), /not a dnas run directory/);
    writeFileSync(join(dir, 'config.json'), JSON.stringify(resolveSearchConfig({})));
    assertOneLineError(dnas('search', '--resume', '--out', dir), /no checkpoint/);
  });
});
