// A model folder in a real browser: Debian chromium (playwright-core) loads model.json with TF.js from
// the project's node_modules, served from a loopback server (no other request is let through), applies
// tasksieve-model.json's scaling as the README's snippet does, and predicts what Node predicts.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { holdOutTest, materializeTask, splitTarget } from '../../src/data/index.js';
import { loadModel, predict, writeModelDir } from '../../src/model/index.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { runUnit } from '../../src/worker/run-unit.js';
import { launchChromium, type Browser } from '../helpers/browser.js';
import { ROOT, tempDir } from '../helpers/cli.js';
import { unit } from '../worker/units.js';

const TFJS = join(ROOT, 'node_modules', '@tensorflow', 'tfjs', 'dist', 'tf.min.js');
const ROWS = 60;

// The README's browser snippet, as the page runs it.
const PAGE = `<!doctype html><meta charset="utf-8"><script src="/tf.min.js"></script><script>
async function run() {
  await tf.setBackend('cpu');
  const model = await tf.loadLayersModel('/model/model.json');
  const meta = await (await fetch('/model/tasksieve-model.json')).json();
  const rows = await (await fetch('/rows.json')).json();
  const s = meta.preprocessing.scaling;
  const x = rows.map((row) => meta.featureNames.map((name, j) =>
    s ? Math.max(-10, Math.min(10, (row[name] - s.offset[j]) / s.scale[j])) : row[name]));
  const p = model.predict(tf.tensor2d(x)).arraySync();
  return { labels: p.map((q) => meta.classNames[q.indexOf(Math.max(...q))]), probabilities: p };
}
run().then((r) => { window.result = r; }, (e) => { window.result = { error: String(e) }; });
</script>`;

let dir: string;
let server: Server;
let browser: Browser | undefined;
let rows: Record<string, number>[];

beforeAll(async () => {
  await initBackend('wasm');
  dir = join(tempDir('tasksieve-browser-model-'), 'model');
  const u = unit({ artifact: true, withBaseline: false }, { scaling: 'standard', feature_selection: 'variance', feature_k: 48 });
  const result = await runUnit(tf, u, 'wasm');
  writeModelDir(dir, result.artifact!);
  // Raw validation rows by name, every original column (the model reads the 48 it selected).
  const { rest } = holdOutTest(materializeTask(u.target), u.target.test);
  const validation = splitTarget(rest, u.target.labelled, u.seed).validation;
  const names = validation.featureNames!;
  rows = Array.from({ length: ROWS }, (_, r) => Object.fromEntries(names.map((name, j) => [name, validation.features[r * validation.cols + j]!])));
  const files: Record<string, [string, Buffer | string]> = {
    '/': ['text/html', PAGE],
    '/tf.min.js': ['text/javascript', readFileSync(TFJS)],
    '/rows.json': ['application/json', JSON.stringify(rows)],
    '/model/model.json': ['application/json', readFileSync(join(dir, 'model.json'))],
    '/model/weights.bin': ['application/octet-stream', readFileSync(join(dir, 'weights.bin'))],
    '/model/tasksieve-model.json': ['application/json', readFileSync(join(dir, 'tasksieve-model.json'))],
  };
  server = createServer((req, res) => {
    const file = files[req.url ?? ''];
    if (!file) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': file[0] }).end(file[1]);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  browser = await launchChromium();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((done) => server?.close(done));
});

describe('an exported model in chromium', () => {
  it('loads with tf.loadLayersModel and matches Node probabilities to 1e-5', async () => {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const page = await browser!.context.newPage();
    const foreign: string[] = [];
    // No network: anything but the loopback server is refused (and recorded).
    await page.route('**/*', (route) => {
      if (route.request().url().startsWith(origin)) return route.continue();
      foreign.push(route.request().url());
      return route.abort();
    });
    await page.goto(`${origin}/`);
    await page.waitForFunction(() => (window as { result?: unknown }).result !== undefined, undefined, { timeout: 60_000 });
    const got = (await page.evaluate(() => (window as { result?: unknown }).result)) as { labels: string[]; probabilities: number[][]; error?: string };
    await page.close();
    expect(got.error).toBeUndefined();
    expect(foreign).toEqual([]);

    const model = await loadModel(dir);
    const node = predict(model, rows);
    model.dispose();
    expect(got.labels).toEqual(node.labels);
    const width = node.classNames.length;
    let worst = 0;
    got.probabilities.forEach((row, r) => row.forEach((p, k) => (worst = Math.max(worst, Math.abs(p - node.probabilities[r * width + k]!)))));
    expect(worst).toBeLessThan(1e-5);
  });
});
