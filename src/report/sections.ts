// The report's sections, each built from the runs read from their directories. Several runs are
// compared side by side: curves are overlaid (one colour per run), cells and arch-weight panels sit
// in columns, one per run.
import { dartsCellEdges } from '../nas/spaces/darts-genotype.js';
import { nb201CellEdges } from '../nas/spaces/nb201-genotype.js';
import type { EarlyStopOptions, EarlyStopResult } from '../nas/diagnostics/early-stop.js';
import { cellDiagrams, renderDot } from './cell-diagram.js';
import { lineSpec, type RenderedChart, renderChart } from './chart.js';
import { chartFigure, escapeHtml, type Section } from './html.js';
import { NB201_DATASETS, NB201_REFERENCE } from './nb201-reference.js';
import type { Nb201Accuracies, RunLog } from './run-log.js';
import { earlyStopVerdicts, type EpochDiagnostics, runDiagnostics } from './run-series.js';

export interface ReportRun {
  run: RunLog;
  diagnostics: EpochDiagnostics[];
  verdicts: EarlyStopResult[];
  /** NAS-Bench-201 accuracies per logged epoch (logged, or looked up), aligned with run.epochs. */
  nb201: (Nb201Accuracies | undefined)[];
}

export function prepareRun(run: RunLog, rules: readonly string[], options: EarlyStopOptions, lookup?: (arch: string) => Nb201Accuracies | undefined): ReportRun {
  const diagnostics = runDiagnostics(run);
  return {
    run,
    diagnostics,
    verdicts: earlyStopVerdicts(diagnostics, rules, options),
    nb201: run.epochs.map((e) => e.nb201 ?? (run.space === 'nb201' && lookup ? lookup(e.genotype) : undefined)),
  };
}

const figures = (charts: RenderedChart[]) => `<div class="charts">${charts.map(chartFigure).join('')}</div>`;
const slug = (s: string) => s.replace(/[^A-Za-z0-9_-]+/g, '-');

export function summarySection(runs: readonly ReportRun[]): Section {
  const rows = runs.map(({ run, verdicts }) => {
    const last = run.epochs[run.epochs.length - 1];
    const planned = run.start?.epochs ?? (typeof run.config.epochs === 'number' ? run.config.epochs : '?');
    const stopped = run.earlyStop ? `<span class="fired">stopped by ${escapeHtml(run.earlyStop.rule)} at epoch ${run.earlyStop.epoch}</span>: ${escapeHtml(run.earlyStop.reason)}` : '<span class="quiet">ran to the end</span>';
    const rules = verdicts
      .map((v) => (v.fired ? `<div class="fired">${escapeHtml(v.rule)}: would fire at epoch ${v.epoch}${v.rollbackEpoch !== undefined ? ` (keep epoch ${v.rollbackEpoch})` : ''}</div>` : `<div class="quiet">${escapeHtml(v.rule)}: does not fire</div>`))
      .join('');
    return `<tr><td>${escapeHtml(run.name)}</td><td>${escapeHtml(run.space)}</td><td>${escapeHtml(run.method)}</td><td>${run.epochs.length} / ${planned}</td><td class="genotype">${last ? escapeHtml(last.genotype) : '<span class="warning">no epoch finished</span>'}</td><td>${stopped}${rules}</td></tr>`;
  });
  return {
    id: 'summary',
    title: 'Runs',
    body: `<table><thead><tr><th>run</th><th>space</th><th>method</th><th>epochs logged</th><th>derived genotype (last epoch)</th><th>early stop</th></tr></thead><tbody>${rows.join('')}</tbody></table>`,
  };
}

export async function cellsSection(runs: readonly ReportRun[]): Promise<Section> {
  const columns: string[] = [];
  for (const [i, { run }] of runs.entries()) {
    const last = run.epochs[run.epochs.length - 1];
    let inner: string;
    if (!last) inner = '<p class="warning">no epoch finished: nothing derived yet</p>';
    else {
      const parts: string[] = [];
      for (const d of cellDiagrams(last.genotypeJSON, `run${i}`)) {
        const svg = await renderDot(d.dot);
        parts.push(`<figure class="cell" data-run="${escapeHtml(run.name)}" data-cell="${d.cell}" data-nodes="${d.nodes}" data-edges="${d.edges}"><figcaption>${escapeHtml(d.cell)} cell, epoch ${last.epoch}</figcaption>${svg}</figure>`);
      }
      inner = parts.join('');
    }
    columns.push(`<div class="run"><h3>${escapeHtml(run.name)}</h3>${inner}</div>`);
  }
  return { id: 'cells', title: 'Derived cells', lead: 'The cell each run derived at its last logged epoch, drawn as in the DARTS reference (inputs green, output yellow).', body: `<div class="runs">${columns.join('')}</div>` };
}

export async function curvesSection(runs: readonly ReportRun[]): Promise<Section> {
  const loss: Record<string, unknown>[] = [];
  const acc: Record<string, unknown>[] = [];
  const lr: Record<string, unknown>[] = [];
  const tau: Record<string, unknown>[] = [];
  for (const { run } of runs) {
    for (const e of run.epochs) {
      loss.push({ run: run.name, epoch: e.epoch, split: 'train', loss: e.trainLoss });
      acc.push({ run: run.name, epoch: e.epoch, split: 'train', accuracy: 100 * e.trainAcc });
      if (typeof e.validLoss === 'number') loss.push({ run: run.name, epoch: e.epoch, split: 'valid', loss: e.validLoss });
      if (typeof e.validAcc === 'number') acc.push({ run: run.name, epoch: e.epoch, split: 'valid', accuracy: 100 * e.validAcc });
      lr.push({ run: run.name, epoch: e.epoch, lr: e.lr });
      if (typeof e.tau === 'number') tau.push({ run: run.name, epoch: e.epoch, tau: e.tau });
    }
  }
  const charts = [
    await renderChart('chart-loss', 'Loss (supernet, mean over the epoch)', lineSpec({ rows: loss, y: 'loss', yTitle: 'cross-entropy', color: 'run', colorTitle: 'run', dash: 'split', dashTitle: 'split' })),
    await renderChart('chart-accuracy', 'Accuracy (supernet, %)', lineSpec({ rows: acc, y: 'accuracy', yTitle: 'top-1 accuracy (%)', color: 'run', colorTitle: 'run', dash: 'split', dashTitle: 'split' })),
    await renderChart('chart-lr', 'Weight learning rate', lineSpec({ rows: lr, y: 'lr', yTitle: 'learning rate', color: 'run', colorTitle: 'run' })),
  ];
  if (tau.length) charts.push(await renderChart('chart-tau', 'Gumbel-softmax temperature τ', lineSpec({ rows: tau, y: 'tau', yTitle: 'τ', color: 'run', colorTitle: 'run' })));
  return { id: 'curves', title: 'Training curves', body: figures(charts) };
}

function edgeLabels(space: string, edges: number): string[] {
  const fallback = Array.from({ length: edges }, (_, i) => `edge ${i}`);
  if (space === 'nb201') {
    const all = nb201CellEdges();
    return all.length === edges ? all.map((e) => `${e.input} → ${e.node}`) : fallback;
  }
  // DARTS: 2 + 3 + … + (steps + 1) edges.
  for (let steps = 1; steps <= 8; steps++) {
    if ((steps * (steps + 3)) / 2 === edges) {
      const name = (j: number) => (j === 0 ? 'c_{k-2}' : j === 1 ? 'c_{k-1}' : String(j - 2));
      return dartsCellEdges(steps).map((e) => `${name(e.input)} → ${e.node}`);
    }
  }
  return fallback;
}

export async function archWeightsSection(runs: readonly ReportRun[]): Promise<Section> {
  const columns: string[] = [];
  for (const [i, { run }] of runs.entries()) {
    const cells = Object.keys(run.epochs[0]?.archWeights ?? {});
    const charts: RenderedChart[] = [];
    for (const cell of cells) {
      const edges = run.epochs[0]!.archWeights[cell]!.length;
      const labels = edgeLabels(run.space, edges);
      const rows: Record<string, unknown>[] = [];
      for (const e of run.epochs) {
        (e.archWeights[cell] ?? []).forEach((row, k) =>
          row.forEach((w, op) => rows.push({ edge: labels[k] ?? `edge ${k}`, edgeIndex: k, epoch: e.epoch, op: run.primitives[op] ?? `op ${op}`, weight: w })),
        );
      }
      const spec = {
        data: { values: rows },
        facet: { field: 'edge', type: 'ordinal', title: null, sort: { field: 'edgeIndex' }, header: { labelFontSize: 11 } },
        columns: run.space === 'nb201' ? 3 : 5,
        spec: {
          width: 150,
          height: 90,
          // Points only on short runs: 50 epochs × 14 edges × 8 ops of symbols would bloat the page.
          mark: { type: 'line', point: run.epochs.length <= 20 ? { size: 12 } : false, strokeWidth: 1.5 },
          encoding: {
            x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1, format: 'd' } },
            // Not pinned to [0, 1]: early in a search the weights sit near 1/ops and their drift is the story.
            y: { field: 'weight', type: 'quantitative', title: 'op weight', scale: { zero: false } },
            color: { field: 'op', type: 'nominal', title: 'op', scale: { domain: run.primitives } },
            tooltip: [{ field: 'edge' }, { field: 'op' }, { field: 'epoch' }, { field: 'weight' }],
          },
        },
      };
      charts.push(await renderChart(`chart-arch-${i}-${slug(cell)}`, `${run.name}: ${cell} cell, op weights per edge`, spec));
      // Edge normalisation (PC-DARTS): how each node shares its attention among its incoming edges.
      const edgeRows = run.epochs.flatMap((e) => (e.edgeWeights?.[cell] ?? []).map((w, k) => ({ epoch: e.epoch, edge: labels[k] ?? `edge ${k}`, weight: w })));
      if (edgeRows.length) {
        charts.push(await renderChart(`chart-edges-${i}-${slug(cell)}`, `${run.name}: ${cell} cell, edge-normalisation weights`, lineSpec({ rows: edgeRows, y: 'weight', yTitle: 'edge weight (per node)', color: 'edge', colorTitle: 'edge' })));
      }
    }
    columns.push(`<div class="run"><h3>${escapeHtml(run.name)}</h3>${charts.length ? figures(charts) : '<p class="warning">no epoch logged</p>'}</div>`);
  }
  return { id: 'arch-weights', title: 'Architecture weights', lead: 'How each edge’s op distribution evolved: a collapse shows as skip_connect or pools taking over early.', body: `<div class="runs">${columns.join('')}</div>` };
}

export async function diagnosticsSection(runs: readonly ReportRun[], rules: readonly string[]): Promise<Section> {
  const counts: Record<string, unknown>[] = [];
  const eig: Record<string, unknown>[] = [];
  const entropy: Record<string, unknown>[] = [];
  const margin: Record<string, unknown>[] = [];
  const markers: Record<string, unknown>[] = [];
  for (const { run, diagnostics, verdicts } of runs) {
    for (const d of diagnostics) {
      counts.push({ run: run.name, epoch: d.epoch, measure: 'parameter-free ops', count: d.paramFreeOps });
      counts.push({ run: run.name, epoch: d.epoch, measure: 'skip_connect', count: d.skipConnects });
      if (typeof d.hessianEigenvalue === 'number') eig.push({ run: run.name, epoch: d.epoch, eigenvalue: d.hessianEigenvalue });
      for (const [cell, h] of Object.entries(d.meanEntropy)) entropy.push({ run: run.name, epoch: d.epoch, cell, entropy: h });
      for (const [cell, m] of Object.entries(d.meanMargin)) margin.push({ run: run.name, epoch: d.epoch, cell, margin: m });
    }
    for (const v of verdicts) if (v.fired) markers.push({ epoch: v.epoch, label: `${run.name}: ${v.rule}` });
    if (run.earlyStop) markers.push({ epoch: run.earlyStop.epoch, label: `${run.name}: stopped (${run.earlyStop.rule})` });
  }
  const cellName = runs[0]?.run.space === 'nb201' && runs.every((r) => r.run.space === 'nb201') ? 'cell' : 'normal cell';
  const charts = [
    await renderChart('chart-param-free', `Parameter-free ops in the derived ${cellName}`, lineSpec({ rows: counts, y: 'count', yTitle: 'ops', color: 'run', colorTitle: 'run', dash: 'measure', dashTitle: 'count of', yScale: { zero: true }, rules: markers })),
  ];
  if (eig.length) charts.push(await renderChart('chart-eigenvalue', 'Dominant eigenvalue of the validation-loss Hessian w.r.t. α', lineSpec({ rows: eig, y: 'eigenvalue', yTitle: 'λmax', color: 'run', colorTitle: 'run', rules: markers })));
  charts.push(await renderChart('chart-entropy', 'Mean edge entropy of the op weights (nats)', lineSpec({ rows: entropy, y: 'entropy', yTitle: 'entropy', color: 'run', colorTitle: 'run', dash: 'cell', dashTitle: 'cell type' })));
  charts.push(await renderChart('chart-margin', 'Mean edge margin (strongest − second op weight)', lineSpec({ rows: margin, y: 'margin', yTitle: 'margin', color: 'run', colorTitle: 'run', dash: 'cell', dashTitle: 'cell type', yScale: { zero: true } })));
  for (const [i, { run, diagnostics }] of runs.entries()) {
    const cells = Object.keys(diagnostics[0]?.entropy ?? {});
    for (const cell of cells) {
      const labels = edgeLabels(run.space, diagnostics[0]!.entropy[cell]!.length);
      const rows = diagnostics.flatMap((d) => (d.entropy[cell] ?? []).map((h, k) => ({ epoch: d.epoch, edge: labels[k] ?? `edge ${k}`, edgeIndex: k, entropy: h })));
      const spec = {
        data: { values: rows },
        width: 300,
        height: { step: 14 },
        mark: { type: 'rect' },
        encoding: {
          x: { field: 'epoch', type: 'ordinal', title: 'epoch (from 0)' },
          y: { field: 'edge', type: 'ordinal', title: null, sort: { field: 'edgeIndex' } },
          // Fixed domain [0, ln(ops)]: yellow is undecided (uniform), dark purple is one op holding the edge.
          color: { field: 'entropy', type: 'quantitative', title: 'nats', scale: { scheme: 'viridis', domain: [0, Math.log(run.primitives.length)] } },
          tooltip: [{ field: 'edge' }, { field: 'epoch' }, { field: 'entropy' }],
        },
      };
      charts.push(await renderChart(`chart-entropy-map-${i}-${slug(cell)}`, `${run.name}: ${cell} cell, entropy per edge`, spec));
    }
  }
  const verdictRows = runs.flatMap(({ run, verdicts }) =>
    verdicts.map((v) => `<tr><td>${escapeHtml(run.name)}</td><td>${escapeHtml(v.rule)}</td><td class="${v.fired ? 'fired' : 'quiet'}">${v.fired ? `fires at epoch ${v.epoch}` : 'does not fire'}</td><td>${escapeHtml(v.reason)}</td></tr>`),
  );
  const noEig = eig.length ? '' : '<p class="quiet">No Hessian eigenvalue was logged by these runs, so the eigen rule cannot fire.</p>';
  const table = `<h3>Early-stop rules on the logged history (${escapeHtml(rules.join(', '))})</h3><table><thead><tr><th>run</th><th>rule</th><th>verdict</th><th>why</th></tr></thead><tbody>${verdictRows.join('')}</tbody></table>`;
  return {
    id: 'diagnostics',
    title: 'Collapse diagnostics',
    lead: 'skip2 (DARTS+) stops when the normal cell holds two skip_connect; eigen (RobustDARTS) when the smoothed Hessian eigenvalue rises by the threshold factor. Red markers: where a rule fired or would have fired.',
    body: figures(charts) + noEig + table,
  };
}

export async function nb201Section(runs: readonly ReportRun[]): Promise<Section | null> {
  const rows: Record<string, unknown>[] = [];
  for (const r of runs) {
    r.run.epochs.forEach((e, i) => {
      const acc = r.nb201[i];
      for (const ds of NB201_DATASETS) {
        const test = acc?.[ds]?.test;
        if (typeof test === 'number') rows.push({ kind: 'run', series: r.run.name, dataset: ds, epoch: e.epoch, accuracy: test });
      }
    });
  }
  if (!runs.some((r) => r.run.space === 'nb201')) return null;
  if (rows.length === 0) {
    return { id: 'nb201', title: 'NAS-Bench-201 look-up', body: '<p class="warning">The runs logged no NAS-Bench-201 accuracies; pass --nb201 with the path of nb201.json to look the derived cells up.</p>' };
  }
  for (const ds of NB201_DATASETS) {
    rows.push({ kind: 'ref', series: 'benchmark optimum', dataset: ds, accuracy: NB201_REFERENCE[ds].optimum });
    rows.push({ kind: 'ref', series: 'all-skip_connect cell', dataset: ds, accuracy: NB201_REFERENCE[ds].allSkip });
  }
  const spec = {
    data: { values: rows },
    facet: { column: { field: 'dataset', type: 'nominal', title: null, sort: [...NB201_DATASETS] } },
    spec: {
      width: 260,
      height: 220,
      layer: [
        {
          transform: [{ filter: "datum.kind === 'run'" }],
          mark: { type: 'line', point: { size: 30 }, strokeWidth: 2 },
          encoding: {
            x: { field: 'epoch', type: 'quantitative', title: 'epoch (from 0)', axis: { tickMinStep: 1, format: 'd' } },
            y: { field: 'accuracy', type: 'quantitative', title: 'test accuracy (%)', scale: { domain: [0, 100] } },
            color: { field: 'series', type: 'nominal', title: 'run / reference' },
            tooltip: [{ field: 'series' }, { field: 'epoch' }, { field: 'accuracy' }],
          },
        },
        {
          transform: [{ filter: "datum.kind === 'ref'" }],
          mark: { type: 'rule', strokeDash: [6, 4], strokeWidth: 1.5 },
          encoding: { y: { field: 'accuracy', type: 'quantitative' }, color: { field: 'series', type: 'nominal' }, tooltip: [{ field: 'series' }, { field: 'accuracy' }] },
        },
      ],
    },
  };
  const chart = await renderChart('chart-nb201', 'NAS-Bench-201 test accuracy of the derived cell (200-epoch training, seed mean)', spec);
  return {
    id: 'nb201',
    title: 'NAS-Bench-201 look-up',
    lead: `Dashed: the benchmark optimum (CIFAR-10 ${NB201_REFERENCE.cifar10.optimum}, CIFAR-100 ${NB201_REFERENCE.cifar100.optimum}, ImageNet16-120 ${NB201_REFERENCE['ImageNet16-120'].optimum}) and the all-skip_connect cell DARTS collapses to.`,
    body: figures([chart]),
  };
}
