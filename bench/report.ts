// `npm run bench -- report [--trials N]`: size and time of the HTML report of a large study. Builds a
// study with the ask/tell API on a real SQLite file (fake seeded values, units in the stored shape,
// intermediates for half of the trials), then times the report in-process by stage, through the CLI,
// and in headless Debian chromium (navigation to every chart drawn).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { chartLibrary } from '../src/report/chart-library.js';
import { collectReport } from '../src/report/collect.js';
import { renderHtml } from '../src/report/html.js';
import { buildPage } from '../src/report/sections.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../test/helpers/browser.js';
import { makeFakeStudy } from '../test/helpers/fake-study.js';
import { wholeOption } from './args.js';
import { goal, type Goals } from './goals.js';
import { integer, number, shape } from '../src/util/check.js';
import { parseChildJson } from './child-output.js';
import type { BenchContext, Benchmark } from './benchmark.js';

const ROOT = resolve(import.meta.dirname, '..');

function time<T>(fn: () => T): { value: T; ms: number } {
  const start = performance.now();
  const value = fn();
  return { value, ms: performance.now() - start };
}

async function browserRender(
  file: string,
): Promise<{ ms: number; charts: number; canvases: number; requests: number; errors: number; perChart: Record<string, number> }> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium`);
  const userDataDir = mkdtempSync(join(tmpdir(), 'tasksieve-bench-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  try {
    const page = await context.newPage();
    let requests = 0;
    let errors = 0;
    page.on('request', () => requests++);
    page.on('console', (m) => {
      if (m.type() === 'error') errors++;
    });
    page.on('pageerror', () => errors++);
    const start = performance.now();
    await page.goto(pathToFileURL(file).href);
    await page.waitForSelector('html[data-ready="true"]', { timeout: 120_000 });
    const ms = performance.now() - start;
    const charts = Number(await page.getAttribute('html', 'data-charts'));
    // A string, not a function: bench/ type-checks without the DOM library.
    const perChart = (await page.evaluate(
      `Object.fromEntries([...document.querySelectorAll('canvas')].map((c) => [c.getAttribute('data-chart'), Number(c.getAttribute('data-ms'))]))`,
    )) as Record<string, number>;
    const canvases = Number(await page.evaluate(`document.querySelectorAll('canvas').length`));
    return { ms, charts, canvases, requests, errors, perChart };
  } finally {
    await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

export const reportBench: Benchmark = {
  summary: 'HTML report of a large ask/tell study: size, time by stage, CLI and browser render',
  async run(args: readonly string[], { log }: BenchContext) {
    const trials = wholeOption(args, 'trials', 1000, 1);
    const dir = mkdtempSync(join(tmpdir(), 'tasksieve-bench-report-'));
    try {
      const db = join(dir, 'study.db');
      const made = time(() => {
        const store = SqliteStore.open(db);
        makeFakeStudy(store, { name: 'large', trials, failEvery: 50, rungs: true });
        store.close();
      });
      log(`study: ${trials} trials (2 targets x 2 seeds, intermediates, 2% failed) made in ${made.ms.toFixed(0)} ms`);

      const reader = SqliteStore.open(db, { readonly: true });
      const collected = time(() => collectReport(reader, 'large')!);
      reader.close();
      const page = time(() => buildPage(collected.value));
      const html = time(() => renderHtml(page.value, chartLibrary()));
      const bytes = Buffer.byteLength(html.value);
      const libraryBytes = Buffer.byteLength(chartLibrary().source);

      const out = join(dir, 'report.html');
      const cliStart = performance.now();
      const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'tasksieve.js'), 'report', 'large', '--db', db, '-o', out, '--json'], {
        encoding: 'utf8',
      });
      const cliMs = performance.now() - cliStart;
      if (r.status !== 0) throw new Error(`tasksieve report failed: ${r.stderr}`);
      const cliReport = parseChildJson(r.stdout, shape<{ ms: number; bytes: number }>({ ms: number, bytes: integer }, { open: true }), 'tasksieve report --json');

      const browser = await browserRender(out);
      const summary = {
        trials,
        bytes: statSync(out).size,
        bytesInProcess: bytes,
        chartLibraryBytes: libraryBytes,
        collectMs: Math.round(collected.ms),
        sectionsMs: Math.round(page.ms),
        renderMs: Math.round(html.ms),
        cliReportMs: cliReport.ms,
        cliProcessMs: Math.round(cliMs),
        browserMs: Math.round(browser.ms),
        browserCharts: browser.charts,
        browserRequests: browser.requests,
        browserErrors: browser.errors,
        browserChartMs: browser.perChart,
        // What docs/operations.md says of the report: it opens with no network (the only request is
        // the file itself), and in chromium every chart draws (one per canvas) with no console error.
        goals_met: {
          browser_no_request_but_the_file: goal(browser.requests, 1, '<='),
          browser_every_chart_drawn: goal(browser.canvases > 0 ? browser.charts : null, browser.canvases, '=='),
          browser_no_error: goal(browser.errors, 0, '=='),
        } satisfies Goals,
      };
      log(`report: ${(summary.bytes / 1024).toFixed(0)} KB (${(libraryBytes / 1024).toFixed(0)} KB of it Chart.js)`);
      log(`in process: snapshot ${summary.collectMs} ms, sections (importance, attribution, charts) ${summary.sectionsMs} ms, HTML ${summary.renderMs} ms`);
      log(`CLI: ${summary.cliReportMs} ms of work, ${summary.cliProcessMs} ms with process start`);
      log(`chromium: ${summary.browserCharts} charts drawn ${summary.browserMs} ms after navigation; ${summary.browserRequests} request(s), ${summary.browserErrors} error(s)`);
      log(`chromium, ms per chart: ${Object.entries(browser.perChart).map(([id, ms]) => `${id} ${ms}`).join(', ')}`);
      return summary;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
