import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resolveSearchConfig } from '../../src/nas/config.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

function dnas(...args: string[]): { code: number | null; stderr: string; stdout: string } {
  const r = spawnSync(process.execPath, [MAIN, ...args], { encoding: 'utf8', env: { ...process.env, DNAS_NUM_THREADS: '1' } });
  return { code: r.status, stderr: r.stderr, stdout: r.stdout };
}

function assertOneLineError(r: { code: number | null; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 1, `exit code (stderr: ${r.stderr})`);
  const lines = r.stderr.trim().split('\n').filter((l) => !l.startsWith('(run with --help'));
  assert.equal(lines.length, 1, `one line of error, got: ${r.stderr}`);
  assert.match(lines[0]!, pattern);
}

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
