// End to end: `tasksieve report` of a real study (run with the CLI, reported once while still
// running), rendered in headless Debian Chromium: every chart drew, the page made no network request
// and logged no error; then a study named <script>alert(1)</script> renders its strings as text.
// Screenshots go to test-artifacts/ (gitignored).
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageModel } from '../../src/report/page-model.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { launchChromium, type Browser } from '../helpers/browser.js';
import { cli, cliAsync, ROOT, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';
import { makeFakeStudy } from '../helpers/fake-study.js';

const ARTIFACTS = join(ROOT, 'test-artifacts');
const EVIL_NAME = '<script>alert(1)</script>';
const TRIALS = 16;
const EVIL_ERROR = '<img src=x onerror=alert(2)> NaN loss </script><script>alert(3)</script>';

interface Rendered {
  readonly requests: string[];
  readonly errors: string[];
  readonly dialogs: string[];
  readonly charts: { id: string; painted: number; elements: number }[];
}

/** The chart blocks the report's data says it has. */
function chartBlocks(html: string): string[] {
  const json = /<script type="application\/json" id="report-data">([^]*?)<\/script>/.exec(html)![1]!;
  const model = JSON.parse(json) as PageModel;
  return model.sections.flatMap((s) => s.blocks.flatMap((b) => (b.kind === 'chart' ? [b.id] : [])));
}

async function render(browser: Browser, file: string, screenshot: string): Promise<{ page: Page; result: Rendered }> {
  const page = await browser.context.newPage();
  const requests: string[] = [];
  const errors: string[] = [];
  const dialogs: string[] = [];
  page.on('request', (r) => requests.push(r.url()));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await page.goto(pathToFileURL(file).href);
  await page.waitForSelector('html[data-ready="true"]', { timeout: 30_000 });
  const charts = await page.evaluate(() => {
    const Chart = (window as unknown as { Chart: { getChart(c: HTMLCanvasElement): { data: { datasets: unknown[] }; getDatasetMeta(i: number): { data: unknown[] } } | undefined } }).Chart;
    return [...document.querySelectorAll('canvas')].map((canvas) => {
      const { width, height } = canvas;
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, width, height).data;
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]! > 0) painted++;
      const chart = Chart.getChart(canvas);
      let elements = 0;
      if (chart) for (let d = 0; d < chart.data.datasets.length; d++) elements += chart.getDatasetMeta(d).data.length;
      return { id: canvas.getAttribute('data-chart') ?? '', painted: painted / (width * height), elements };
    });
  });
  mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, screenshot), fullPage: true });
  return { page, result: { requests, errors, dialogs, charts } };
}

function expectCleanRender(result: Rendered, file: string, expectedCharts: readonly string[]): void {
  expect(result.errors).toEqual([]);
  expect(result.dialogs).toEqual([]);
  expect(result.requests).toEqual([pathToFileURL(file).href]);
  expect(result.charts.map((c) => c.id)).toEqual(expectedCharts);
  for (const chart of result.charts) {
    expect(chart.elements, `chart ${chart.id} has drawn elements`).toBeGreaterThan(0);
    expect(chart.painted, `chart ${chart.id} painted pixels`).toBeGreaterThan(0.01);
  }
}

describe('tasksieve report in a real browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('reports a real study while it runs, then renders every chart offline with no error', async () => {
    const dir = tempDir('tasksieve-report-e2e-');
    // One worker and one seed keep it small; ASHA (judging from the 6th report at a rung) prunes some
    // trials, so the rungs chart shows real intermediate values.
    const file = writeStudy(
      dir,
      syntheticStudyYaml({
        name: 'report-e2e',
        trials: TRIALS,
        workers: 1,
        seeds: 1,
        extra: 'scheduler: { kind: asha, min_epochs: 1, eta: 2, min_reports: 6 }',
      }),
    );
    const db = join(dir, 'study.db');
    const live = join(dir, 'live.html');
    const { child, done } = cliAsync(['run', file, '--db', db, '--quiet']);

    // Mid-study: once a trial is COMPLETE the runner is frozen (SIGSTOP, possibly inside a write
    // transaction), so the report is taken of a study that is certainly still running, and it must
    // not wait for the runner. Then the runner goes on and finishes normally.
    const countsNow = (): { complete: number; running: number } => {
      const none = { complete: 0, running: 0 };
      if (!existsSync(db)) return none;
      let store: SqliteStore;
      try {
        store = SqliteStore.open(db, { readonly: true });
      } catch {
        return none; // the runner has created the file but not its tables yet
      }
      try {
        const study = store.getStudy('report-e2e');
        return study ? { complete: store.countTrials(study.id, ['COMPLETE']), running: store.countTrials(study.id, ['RUNNING']) } : none;
      } finally {
        store.close();
      }
    };
    // Frozen with a trial COMPLETE and one RUNNING: between telling one trial and asking the next the
    // study has no RUNNING trial for a moment, and a snapshot then would not show it as running.
    const deadline = Date.now() + 240_000;
    let frozenComplete = 0;
    for (;;) {
      if (Date.now() > deadline) throw new Error('the study did not complete a trial in time');
      const seen = countsNow();
      if (seen.complete >= 1 && seen.running >= 1) {
        child.kill('SIGSTOP');
        const frozen = countsNow();
        if (frozen.complete >= 1 && frozen.running >= 1) {
          frozenComplete = frozen.complete;
          break;
        }
        child.kill('SIGCONT');
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    let liveReport: ReturnType<typeof cli>;
    try {
      liveReport = cli(['report', file, '--db', db, '-o', live, '--json']);
    } finally {
      child.kill('SIGCONT');
    }
    expect(liveReport.stderr).toBe('');
    expect(liveReport.status).toBe(0);
    expect(frozenComplete).toBeLessThan(TRIALS);
    const liveSummary = JSON.parse(liveReport.stdout) as { trials: number; bytes: number };
    expect(liveSummary.bytes).toBe(statSync(live).size);
    const finished = await done;
    expect(finished.stderr).toBe('');
    expect(finished.status).toBe(0);

    const out = join(dir, 'report.html');
    const final = cli(['report', file, '--db', db, '-o', out]);
    expect(final.stderr).toBe('');
    expect(final.status).toBe(0);
    expect(final.stdout).toMatch(/^wrote .*report\.html: \d+ KB, study report-e2e, 16 trial\(s\), in \d+ ms\n$/);
    const html = readFileSync(out, 'utf8');
    const expected = chartBlocks(html);
    const { page, result } = await render(browser, out, 'report.png');
    expectCleanRender(result, out, expected);
    const text = await page.locator('#summary').innerText();
    const [, complete, pruned] = /(\d+) COMPLETE, (\d+) PRUNED \(budget 16\)/.exec(text)!.map(Number);
    expect(complete! + pruned!).toBe(TRIALS);
    expect(pruned).toBeGreaterThan(0);
    expect(text).toContain('asha (min_epochs 1, eta 2, min_reports 6)');
    expect(expected).toEqual(
      expect.arrayContaining(['history', 'sources-inclusion', 'attribution', 'rungs', ...(complete! >= 5 ? ['importance'] : [])]),
    );
    expect(await page.locator('#leaderboard tbody tr').count()).toBe(complete);
    // Every trial reported at the first rung (epoch 1).
    expect(await page.locator('#rungs tbody tr').first().innerText()).toMatch(/^1\t16\t/);
    await page.close();

    // The live snapshot renders as well, as a study still running.
    const livePage = await render(browser, live, 'report-live.png');
    expectCleanRender(livePage.result, live, chartBlocks(readFileSync(live, 'utf8')));
    const liveText = await livePage.page.locator('#summary').innerText();
    expect(liveText).toContain('so far (the study is still running)');
    expect(liveText).toContain(`${frozenComplete} COMPLETE, `);
    await livePage.page.close();
  }, 300_000);

  it(`renders a study named ${EVIL_NAME} and an HTML-looking error as text, with rungs drawn`, async () => {
    const dir = tempDir('tasksieve-report-escape-');
    const db = join(dir, 'evil.db');
    const store = SqliteStore.open(db);
    makeFakeStudy(store, { name: EVIL_NAME, trials: 30, failEvery: 7, failMessage: EVIL_ERROR, rungs: true });
    store.close();
    const out = join(dir, 'evil.html');
    const result = cli(['report', EVIL_NAME, '--db', db, '-o', out]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const html = readFileSync(out, 'utf8');
    expect(html).not.toContain(EVIL_NAME);
    expect(html).not.toContain('<img');
    const expected = chartBlocks(html);
    expect(expected).toContain('rungs');

    const { page, result: rendered } = await render(browser, out, 'report-escaping.png');
    expectCleanRender(rendered, out, expected);
    expect(await page.locator('h1').textContent()).toBe(`tasksieve report: ${EVIL_NAME}`);
    expect(await page.title()).toBe(`tasksieve report: ${EVIL_NAME}`);
    expect(await page.locator('script').count()).toBe(3);
    expect(await page.locator('img').count()).toBe(0);
    const errors = await page.locator('#failures tbody td:last-child').allTextContents();
    expect(errors).toHaveLength(4);
    for (const error of errors) expect(error).toBe(EVIL_ERROR);
    await page.close();
  }, 120_000);
});
