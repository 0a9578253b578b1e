// A model folder in a real browser: Debian chromium (playwright-core) loads model.json with TF.js from
// the project's node_modules, served from a loopback server (no other request is let through), applies
// tasksieve-model.json's one-hot encoding and scaling as docs/models.md's snippet does, and predicts what
// Node predicts: a digits model with feature selection, and an Auto MPG one with a categorical column.
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
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

// docs/models.md's browser snippet, as the page runs it (each case's page, model and rows under /CASE/).
const PAGE = `<!doctype html><meta charset="utf-8"><script src="/tf.min.js"></script><script>
async function run() {
  await tf.setBackend('cpu');
  const model = await tf.loadLayersModel('model/model.json');
  const meta = await (await fetch('model/tasksieve-model.json')).json();
  const rows = await (await fetch('rows.json')).json();
  const s = meta.preprocessing.scaling;
  const onehot = new Map((meta.categorical ?? []).flatMap((c) => c.values.map((v) => [\`\${c.column}=\${v}\`, [c.column, v]])));
  const raw = (row, name) => (onehot.has(name) ? +(String(row[onehot.get(name)[0]]) === onehot.get(name)[1]) : row[name]);
  const x = rows.map((row) => meta.featureNames.map((name, j) =>
    s ? Math.max(-10, Math.min(10, (raw(row, name) - s.offset[j]) / s.scale[j])) : raw(row, name)));
  const p = model.predict(tf.tensor2d(x)).arraySync();
  return { labels: p.map((q) => meta.classNames[q.indexOf(Math.max(...q))]), probabilities: p };
}
run().then((r) => { window.result = r; }, (e) => { window.result = { error: String(e) }; });
</script>`;

const AUTO_MPG = join(ROOT, 'data', 'auto-mpg.csv.gz');

interface Case {
  readonly dir: string;
  readonly rows: Record<string, number | string>[];
}
const cases: Record<string, Case> = {};
let server: Server;
let browser: Browser | undefined;

/** The first ROWS complete rows of the Auto MPG file, by column name, as a page would get them (numbers and text). */
function autoMpgRows(): Record<string, number | string>[] {
  const [header, ...lines] = gunzipSync(readFileSync(AUTO_MPG)).toString('utf8').trim().split('\n');
  const names = header!.split(',');
  return lines
    .map((line) => line.split(','))
    .filter((cells) => cells.length === names.length && cells.every((c) => c !== ''))
    .slice(0, ROWS)
    .map((cells) => Object.fromEntries(names.map((name, i) => [name, name === 'origin' || name === 'car name' ? cells[i]! : Number(cells[i])])));
}

beforeAll(async () => {
  await initBackend('wasm');
  const root = tempDir('tasksieve-browser-model-');
  const digits = unit({ artifact: true, withBaseline: false }, { scaling: 'standard', feature_selection: 'variance', feature_k: 48 });
  const digitsDir = join(root, 'digits');
  writeModelDir(digitsDir, (await runUnit(tf, digits, 'wasm')).artifact!);
  // Raw validation rows by name, every original column (the model reads the 48 it selected).
  const { rest } = holdOutTest(materializeTask(digits.target), digits.target.test);
  const validation = splitTarget(rest, digits.target.labelled, digits.seed).validation;
  const names = validation.featureNames!;
  cases.digits = { dir: digitsDir, rows: Array.from({ length: ROWS }, (_, r) => Object.fromEntries(names.map((name, j) => [name, validation.features[r * validation.cols + j]!]))) };
  const cars = unit(
    {
      artifact: true,
      withBaseline: false,
      sources: [],
      model: { kind: 'mlp', hidden: [16], activation: 'relu', dropout: 0 },
      target: {
        name: 'cars',
        dataset: { kind: 'csv', path: AUTO_MPG, label: 'mpg01', drop: ['car name', 'mpg', 'year'], categorical: [{ column: 'origin' }], missing: 'drop' },
        transforms: [],
        labelled: 200,
      },
    },
    { scaling: 'standard' },
  );
  const carsDir = join(root, 'cars');
  const carsArtifact = (await runUnit(tf, cars, 'wasm')).artifact!;
  expect(carsArtifact.meta.categorical).toEqual([{ column: 'origin', values: ['Europe', 'Japan', 'USA'] }]);
  writeModelDir(carsDir, carsArtifact);
  cases.cars = { dir: carsDir, rows: autoMpgRows() };
  const files: Record<string, [string, Buffer | string]> = { '/tf.min.js': ['text/javascript', readFileSync(TFJS)] };
  for (const [name, c] of Object.entries(cases)) {
    files[`/${name}/`] = ['text/html', PAGE];
    files[`/${name}/rows.json`] = ['application/json', JSON.stringify(c.rows)];
    files[`/${name}/model/model.json`] = ['application/json', readFileSync(join(c.dir, 'model.json'))];
    files[`/${name}/model/weights.bin`] = ['application/octet-stream', readFileSync(join(c.dir, 'weights.bin'))];
    files[`/${name}/model/tasksieve-model.json`] = ['application/json', readFileSync(join(c.dir, 'tasksieve-model.json'))];
  }
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
  it.each(['digits', 'cars'])('%s: loads with tf.loadLayersModel and matches Node probabilities to 1e-5', async (name) => {
    const { dir, rows } = cases[name]!;
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const page = await browser!.context.newPage();
    const foreign: string[] = [];
    // No network: anything but the loopback server is refused (and recorded).
    await page.route('**/*', (route) => {
      if (route.request().url().startsWith(origin)) return route.continue();
      foreign.push(route.request().url());
      return route.abort();
    });
    await page.goto(`${origin}/${name}/`);
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
