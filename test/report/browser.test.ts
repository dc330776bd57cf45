/// <reference lib="dom" />
// The report in a real browser: headless Chromium (Debian's `chromium`, installed by scripts/setup.sh
// where it can be) driven by puppeteer-core. Skipped, saying so, where no Chromium is installed.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, test } from 'node:test';
import puppeteer from 'puppeteer-core';
import { writeReport } from '../../src/report/write-report.js';
import { DARTS_RUN, NB201_GDAS_RUN, NB201_RUN } from './report-fixtures.js';

/** CHROME_PATH when set (and only it), else Debian's and the usual install paths; with why not, when none is there. */
function findChromium(): { path: string } | { missing: string } {
  const env = process.env.CHROME_PATH;
  if (env) return existsSync(env) ? { path: env } : { missing: `CHROME_PATH=${env} does not exist` };
  const path = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
  return path ? { path } : { missing: 'Chromium is not installed (apt-get install chromium, or set CHROME_PATH)' };
}

interface PageFacts {
  cells: { run: string; cell: string; nodes: number; edges: number; declaredNodes: number; declaredEdges: number }[];
  charts: { id: string; marks: number; drawnWidth: number }[];
}

describe('report in a real browser', () => {
  test('chromiumShowsEveryCellAndChartWithoutConsoleErrorsAndAScreenshotIsWritten', { timeout: 180_000 }, async (t) => {
    const chromium = findChromium();
    if ('missing' in chromium) {
      t.skip(`${chromium.missing}: the real-browser check of the report did not run`);
      return;
    }
    const executablePath = chromium.path;
    const dir = mkdtempSync(join(tmpdir(), 'dnas-report-browser-'));
    const report = join(dir, 'report.html');
    const screenshot = join(dir, 'report.png');
    await writeReport([DARTS_RUN, NB201_RUN, NB201_GDAS_RUN], report);

    // Root in a container needs --no-sandbox; the GPU and /dev/shm flags keep headless Chromium quiet in CI.
    const browser = await puppeteer.launch({ executablePath, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${String(e)}`));
      page.on('request', (r) => {
        if (!r.url().startsWith('file:')) problems.push(`network request: ${r.url()}`);
      });
      await page.setViewport({ width: 1400, height: 900 });
      await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
      const facts = await page.evaluate((): PageFacts => {
        const cells = [...document.querySelectorAll('figure.cell')].map((f) => ({
          run: f.getAttribute('data-run') ?? '',
          cell: f.getAttribute('data-cell') ?? '',
          nodes: f.querySelectorAll('svg g.node').length,
          edges: f.querySelectorAll('svg g.edge').length,
          declaredNodes: Number(f.getAttribute('data-nodes')),
          declaredEdges: Number(f.getAttribute('data-edges')),
        }));
        const charts = [...document.querySelectorAll('figure.chart')].map((f) => {
          // Marks vega drew: line and symbol paths with geometry, rules as lines, bars as rects.
          const marks = [...f.querySelectorAll('g.mark-line path, g.mark-symbol path, g.mark-rule line, g.mark-rect path')].filter((m) => {
            const box = (m as SVGGraphicsElement).getBBox();
            return box.width > 0 || box.height > 0;
          });
          return { id: f.id, marks: marks.length, drawnWidth: (f.querySelector('svg') as SVGSVGElement).getBoundingClientRect().width };
        });
        return { cells, charts };
      });
      await page.screenshot({ path: screenshot as `${string}.png`, fullPage: true });

      assert.deepEqual(problems, []);
      assert.deepEqual(facts.cells.map((c) => [c.cell, c.nodes, c.edges]), [['normal', 7, 12], ['reduce', 7, 12], ['cell', 4, 6], ['cell', 4, 6]]);
      for (const c of facts.cells) assert.deepEqual([c.nodes, c.edges], [c.declaredNodes, c.declaredEdges], `${c.run} ${c.cell}`);
      assert.equal(facts.charts.length, 16);
      for (const c of facts.charts) {
        assert.ok(c.drawnWidth > 100, `${c.id} is laid out (${c.drawnWidth}px wide)`);
        assert.ok(c.marks > 0, `${c.id} has drawn marks`);
      }
      const png = readFileSync(screenshot);
      assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG');
      assert.ok(png.length > 50_000, `screenshot of the whole page (${png.length} bytes)`);
      t.diagnostic(`screenshot: ${screenshot}`);
    } finally {
      await browser.close();
    }
  });
});
