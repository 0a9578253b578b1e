// The soft-sharing trainer: each task's own step, then the proximal step of the L2 penalty between
// the trunks, W_0 = ((1+c) V_0 + c sum V_k) / (1 + c(1+S)), W_k = (V_k + c W_0) / (1 + c).
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../src/worker/backend.js';
import { coupledTrainer } from '../../src/training/coupled-trainer.js';
import { buildMlp } from '../../src/training/mlp.js';
import { Rng } from '../../src/util/rng.js';
import type { Batch } from '../../src/training/types.js';

const COLS = 5;
const CLASSES = 3;

beforeAll(async () => {
  await initBackend('wasm');
});

const models = (seeds: readonly number[]) =>
  seeds.map((seed) => buildMlp(tf, { inputs: COLS, numClasses: CLASSES, spec: { kind: 'mlp', hidden: [6, 4], activation: 'relu', dropout: 0 }, dropout: 0, seed }));

/** Rows of three tasks (8, 5 and 3 rows), one-hot targets, scale 1/n per task. */
function batch(): Batch {
  const rng = new Rng(7);
  const counts = [8, 5, 3];
  const n = counts.reduce((a, b) => a + b);
  const y = new Float32Array(n * CLASSES);
  const scale = new Float32Array(n);
  let at = 0;
  const taskRows = [0];
  for (const count of counts) {
    for (let r = at; r < at + count; r++) {
      y[r * CLASSES + rng.int(0, CLASSES - 1)] = 1;
      scale[r] = 1 / count;
    }
    at += count;
    taskRows.push(at);
  }
  return { n, x: Float32Array.from({ length: n * COLS }, () => rng.normal()), y, scale, taskRows };
}

const trunk = (m: ReturnType<typeof models>[number]) => m.trunkKernels().map((k) => Float32Array.from(k.dataSync() as Float32Array));

describe('coupledTrainer', () => {
  // wasm pulls in place in its heap, other backends in tfjs ops: both are the formula.
  it.each(['wasm', 'cpu'] as const)('steps every task on its own rows, then takes the proximal step of the penalty (%s)', async (backend) => {
    expect(await initBackend(backend)).toBe(backend);
    const seeds = [1, 2, 3];
    const free = models(seeds);
    const coupled = models(seeds);
    const options = { optimizer: 'adam', learningRate: 0.05 } as const;
    const weight = 4;
    const c = 0.05 * weight;
    const a = coupledTrainer(tf, free, options, 0);
    const b = coupledTrainer(tf, coupled, options, weight);
    const ra = a.step(batch());
    const rb = b.step(batch());
    // The losses are taken before the step: the same whatever the coupling.
    expect(Array.from(rb.logLikelihood)).toEqual(Array.from(ra.logLikelihood));
    const V = free.map(trunk);
    const W = coupled.map(trunk);
    for (let l = 0; l < V[0]!.length; l++) {
      for (let i = 0; i < V[0]![l]!.length; i++) {
        const v = V.map((m) => m[l]![i]!);
        const w0 = ((1 + c) * v[0]! + c * (v[1]! + v[2]!)) / (1 + c * 3);
        expect(W[0]![l]![i]!).toBeCloseTo(w0, 5);
        for (const k of [1, 2]) expect(W[k]![l]![i]!).toBeCloseTo((v[k]! + c * w0) / (1 + c), 5);
      }
    }
    // Heads are not coupled.
    const head = (m: (typeof free)[number]) => Array.from(m.snapshot().at(-1)!.kernel);
    for (let t = 0; t < 3; t++) expect(head(coupled[t]!)).toEqual(head(free[t]!));
    a.dispose();
    b.dispose();
    for (const m of [...free, ...coupled]) m.dispose();
    await initBackend('wasm');
  });

  it('a very large weight leaves one trunk: every task\'s equal to their mean', () => {
    const ms = models([1, 2, 3]);
    const trainer = coupledTrainer(tf, ms, { optimizer: 'adam', learningRate: 0.05 }, 1e9);
    trainer.step(batch());
    const [t0, ...rest] = ms.map(trunk);
    for (const other of rest) other.forEach((k, l) => k.forEach((v, i) => expect(v).toBeCloseTo(t0![l]![i]!, 5)));
    trainer.dispose();
    for (const m of ms) m.dispose();
  });

  it('refuses a batch without its tasks\' rows', () => {
    const ms = models([1, 2]);
    const trainer = coupledTrainer(tf, ms, { optimizer: 'adam', learningRate: 0.05 }, 1);
    expect(() => trainer.step({ ...batch(), taskRows: null })).toThrow('needs the row ranges of its 2 tasks');
    trainer.dispose();
    for (const m of ms) m.dispose();
  });
});
