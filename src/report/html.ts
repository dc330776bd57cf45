// The page: one self-contained HTML file (inline CSS and SVG, no script, nothing fetched), so it
// opens from disk, from a mail attachment or from a CI artefact alike.
import type { RenderedChart } from './chart.js';

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export function chartFigure(c: RenderedChart): string {
  return `<figure class="chart" id="${escapeHtml(c.id)}" data-chart="${escapeHtml(c.id)}"><figcaption>${escapeHtml(c.title)}</figcaption>${c.svg}</figure>`;
}

export interface Section {
  id: string;
  title: string;
  /** One line under the heading: what to look for. */
  lead?: string;
  body: string;
}

const CSS = `
body { font-family: Helvetica, Arial, sans-serif; margin: 24px; color: #222; background: #fafafa; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 4px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 15px; margin: 14px 0 6px; }
p.lead { color: #555; margin: 4px 0 12px; font-size: 13px; }
table { border-collapse: collapse; font-size: 13px; background: white; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
td.genotype { font-family: monospace; font-size: 11px; max-width: 520px; word-break: break-all; }
.runs { display: flex; flex-wrap: wrap; gap: 16px; align-items: flex-start; }
.run { background: white; border: 1px solid #ddd; border-radius: 4px; padding: 8px 12px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; } figcaption { font-size: 13px; color: #444; margin-bottom: 4px; }
figure.chart { background: white; border: 1px solid #ddd; border-radius: 4px; padding: 6px; }
figure.cell svg { max-width: 560px; height: auto; }
.fired { color: #c0392b; font-weight: bold; } .quiet { color: #777; }
.warning { color: #a15c00; }
`;

export function page(title: string, subtitle: string, sections: readonly Section[]): string {
  const nav = sections.map((s) => `<a href="#${escapeHtml(s.id)}">${escapeHtml(s.title)}</a>`).join(' · ');
  const body = sections
    .map((s) => `<section id="${escapeHtml(s.id)}"><h2>${escapeHtml(s.title)}</h2>${s.lead ? `<p class="lead">${escapeHtml(s.lead)}</p>` : ''}${s.body}</section>`)
    .join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title><style>${CSS}</style></head>
<body><header><h1>${escapeHtml(title)}</h1><p class="lead">${escapeHtml(subtitle)}</p><nav>${nav}</nav></header>
${body}
</body></html>
`;
}
