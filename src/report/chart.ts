// Charts: Vega-Lite specs compiled to Vega and rendered to SVG in Node at report time (vega's
// View.toSVG with the headless 'none' renderer), so the report file needs no script or network.
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A chart ready for the page: a title, a stable id (for tests and links) and its SVG. */
export interface RenderedChart {
  id: string;
  title: string;
  svg: string;
}

const CONFIG = {
  font: 'Helvetica, Arial, sans-serif',
  view: { stroke: '#ddd' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#eee' },
  legend: { labelFontSize: 11, titleFontSize: 12, labelLimit: 260 },
  title: { fontSize: 14, anchor: 'start' as const },
};

export async function renderChart(id: string, title: string, spec: Record<string, unknown>): Promise<RenderedChart> {
  const full = { $schema: 'https://vega.github.io/schema/vega-lite/v6.json', config: CONFIG, ...spec } as TopLevelSpec;
  const view = new vega.View(vega.parse(compile(full).spec), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    return { id, title, svg };
  } finally {
    view.finalize();
  }
}

/** An x/y line chart over epochs, one line per `color` value, optionally dashed by `dash`. */
export function lineSpec(o: {
  rows: Record<string, unknown>[];
  y: string;
  yTitle: string;
  color: string;
  colorTitle: string;
  dash?: string;
  dashTitle?: string;
  yScale?: Record<string, unknown>;
  rules?: Record<string, unknown>[];
  width?: number;
}): Record<string, unknown> {
  const line = {
    mark: { type: 'line', point: { size: 30 }, strokeWidth: 2 },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch (from 0)', axis: { tickMinStep: 1, format: 'd' } },
      y: { field: o.y, type: 'quantitative', title: o.yTitle, scale: { zero: false, ...o.yScale } },
      color: { field: o.color, type: 'nominal', title: o.colorTitle },
      ...(o.dash ? { strokeDash: { field: o.dash, type: 'nominal', title: o.dashTitle ?? o.dash } } : {}),
      tooltip: [{ field: o.color }, { field: 'epoch' }, { field: o.y }],
    },
  };
  const layers: Record<string, unknown>[] = [{ data: { values: o.rows }, ...line }];
  if (o.rules?.length) {
    // Vertical markers (an early-stop epoch), one per row of `rules`: {epoch, label}.
    layers.push({
      data: { values: o.rules },
      mark: { type: 'rule', strokeDash: [6, 3], strokeWidth: 1.5, color: '#c0392b' },
      encoding: { x: { field: 'epoch', type: 'quantitative' }, tooltip: [{ field: 'label' }] },
    });
    layers.push({
      data: { values: o.rules },
      mark: { type: 'text', align: 'left', dx: 3, dy: -4, fontSize: 10, color: '#c0392b', baseline: 'top' },
      encoding: { x: { field: 'epoch', type: 'quantitative' }, y: { value: 2 }, text: { field: 'label' } },
    });
  }
  return { width: o.width ?? 420, height: 240, layer: layers };
}
