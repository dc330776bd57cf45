import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { DARTS_V2, dartsGenotypeToJSON, formatDartsGenotype } from '../../src/nas/spaces/darts-genotype.js';
import { readRun } from '../../src/report/run-log.js';
import { writeReport } from '../../src/report/write-report.js';
import { CLI, DARTS_RUN, NB201_GDAS_RUN, NB201_RUN } from './report-fixtures.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'dnas-report-'));
const figuresOf = (html: string, cls: string) => [...html.matchAll(new RegExp(`<figure class="${cls}"[^>]*>`, 'g'))].map((m) => m[0]);

/** A DARTS run directory whose epoch events carry everything the search loop may add (tau, diagnostics, earlyStop). */
function loggedRun(dir: string, eigenvalues: number[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ space: 'darts', method: 'gdas', epochs: 20 }));
  const uniform = Array.from({ length: 14 }, () => Array(8).fill(1 / 8));
  const events: object[] = [{ type: 'start', epochs: 20, stepsPerEpoch: 2, weights: 100, archParams: 224 }];
  eigenvalues.forEach((ev, epoch) => {
    events.push({
      type: 'epoch', epoch, lr: 0.025, trainLoss: 2 - epoch / 20, trainAcc: 0.1 + epoch / 40, validLoss: 2.1, validAcc: 0.1, seconds: 1,
      genotype: formatDartsGenotype(DARTS_V2), genotypeJSON: dartsGenotypeToJSON(DARTS_V2), archWeights: { normal: uniform, reduce: uniform },
      tau: 10 - epoch * 0.4,
      edgeWeights: { normal: Array(14).fill(0.5), reduce: Array(14).fill(0.5) },
      diagnostics: { hessianEigenvalue: ev, paramFreeOps: 2, skipConnects: 2 },
      ...(epoch === eigenvalues.length - 1 ? { earlyStop: { rule: 'eigen', epoch, reason: 'scripted' } } : {}),
    });
  });
  writeFileSync(join(dir, 'log.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
}

describe('dnas report', () => {
  test('theReportOfTheFixtureRunsHoldsEverySectionInlineWithNothingToFetch', async () => {
    const out = join(tmp(), 'report.html');
    await writeReport([DARTS_RUN, NB201_RUN, NB201_GDAS_RUN], out, { warn: (m) => assert.fail(m) });
    const html = readFileSync(out, 'utf8');
    for (const id of ['summary', 'cells', 'curves', 'arch-weights', 'diagnostics', 'nb201']) assert.match(html, new RegExp(`<section id="${id}">`), `section ${id}`);
    const cells = figuresOf(html, 'cell');
    assert.deepEqual(cells.map((f) => /data-cell="(\w+)" data-nodes="(\d+)" data-edges="(\d+)"/.exec(f)!.slice(1)), [['normal', '7', '12'], ['reduce', '7', '12'], ['cell', '4', '6'], ['cell', '4', '6']]);
    const charts = figuresOf(html, 'chart').map((f) => /id="([^"]+)"/.exec(f)![1]);
    assert.deepEqual(charts, [
      'chart-loss', 'chart-accuracy', 'chart-lr', 'chart-tau',
      'chart-arch-0-normal', 'chart-arch-0-reduce', 'chart-arch-1-cell', 'chart-arch-2-cell',
      'chart-param-free', 'chart-entropy', 'chart-margin',
      'chart-entropy-map-0-normal', 'chart-entropy-map-0-reduce', 'chart-entropy-map-1-cell', 'chart-entropy-map-2-cell',
      'chart-nb201',
    ]);
    assert.match(html, /<td>nb201-gdas-synthetic<\/td><td>nb201<\/td><td>gdas<\/td><td>4 \/ 4<\/td>/);
    // Both runs' derived genotypes (last epoch) in the summary, and the NB201 reference values.
    const nb201Last = readFileSync(join(NB201_RUN, 'genotype.json'), 'utf8');
    assert.ok(html.includes(JSON.parse(nb201Last).arch as string));
    assert.ok(html.includes('94.3733') && html.includes('54.2967'), 'optimum and all-skip reference lines are named');
    assert.doesNotMatch(html, /<script|<link|<img|\ssrc=|href="http/, 'self-contained');
  });

  test('loggedTauEigenvaluesAndAnEarlyStopAreDrawnWithTheEpochWhereEachRuleFires', async () => {
    const dir = join(tmp(), 'gdas-run');
    // Flat eigenvalues until epoch 15, then rising: RobustDARTS' rule fires at epoch 17 (see the early-stop tests).
    loggedRun(dir, Array.from({ length: 19 }, (_, e) => (e < 16 ? 1 : e - 14)));
    const out = join(dir, 'report', 'index.html');
    await writeReport([dir], out);
    const html = readFileSync(out, 'utf8');
    assert.match(html, /id="chart-tau"/);
    assert.match(html, /id="chart-edges-0-normal"/);
    assert.match(html, /id="chart-edges-0-reduce"/);
    assert.match(html, /id="chart-eigenvalue"/);
    assert.match(html, /stopped by eigen at epoch 18<\/span>: scripted/);
    assert.match(html, /skip2: would fire at epoch 0/);
    assert.match(html, /eigen: would fire at epoch 17 \(keep epoch 11\)/);
  });

  test('aLogCutOffMidLineIsReportedByLineAndTheCompleteLinesAreUsed', async () => {
    const dir = join(tmp(), 'cut');
    mkdirSync(dir);
    writeFileSync(join(dir, 'config.json'), readFileSync(join(DARTS_RUN, 'config.json')));
    const lines = readFileSync(join(DARTS_RUN, 'log.jsonl'), 'utf8').trimEnd().split('\n');
    let lastEpoch = lines.length - 1;
    while (!lines[lastEpoch]!.includes('"type":"epoch"')) lastEpoch--;
    const cut = [...lines.slice(0, lastEpoch), lines[lastEpoch]!.slice(0, 200)].join('\n');
    writeFileSync(join(dir, 'log.jsonl'), cut);
    const warnings: string[] = [];
    const run = readRun(dir, (m) => warnings.push(m));
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, new RegExp(`log\\.jsonl:${lastEpoch + 1}: cut off mid-line`));
    assert.deepEqual(run.epochs.map((e) => e.epoch), [0, 1, 2]);
    await writeReport([dir], join(dir, 'r.html'), { warn: () => {} });
  });

  test('badInputGetsAOneLineErrorSayingWhatToFix', async () => {
    const dir = tmp();
    await assert.rejects(writeReport([dir], join(dir, 'r.html')), /^Error: run directory '.*' has no log\.jsonl; pass a directory written by dnas search \(--out\)$/);
    await assert.rejects(writeReport([DARTS_RUN], join(dir, 'r.html'), { rules: ['skip2', 'patience'] }), /^Error: unknown early-stop rule 'patience' \(known: skip2, eigen\)$/);
    writeFileSync(join(dir, 'file'), '');
    await assert.rejects(writeReport([DARTS_RUN], join(dir, 'file', 'r.html')), /^Error: cannot write the report to '.*file\/r\.html' \((ENOTDIR|EEXIST)\); choose a writable path with --out$/);
  });

  test('theReportCommandWritesTheFileAndFailsWithOneLine', () => {
    const dir = tmp();
    const out = join(dir, 'r.html');
    const ok = spawnSync(process.execPath, [CLI, 'report', NB201_RUN, '--out', out], { encoding: 'utf8' });
    assert.equal(ok.status, 0, ok.stderr);
    assert.equal(ok.stdout, `report: ${out}\n`);
    assert.match(readFileSync(out, 'utf8'), /<section id="nb201">/);
    const bad = spawnSync(process.execPath, [CLI, 'report', NB201_RUN, '--rules', 'skip3', '--out', out], { encoding: 'utf8' });
    assert.equal(bad.status, 1);
    assert.equal(bad.stderr, "dnas: unknown early-stop rule 'skip3' (known: skip2, eigen)\n");
  });
});
