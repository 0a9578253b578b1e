// Training throughput of the digits MLP (64-128-64-10, batch 32) on the wasm backend: the loop of
// src/training/epoch-loop.ts against tfjs' model.fit on the same pre-shuffled rows.
// Run: npx vitest bench --run test/training/epoch-loop.bench.ts  (samples/s = hz x 1797 x EPOCHS)
import { beforeAll, bench, describe } from 'vitest';
import type * as tfjs from '@tensorflow/tfjs';
import { loadCsv } from '../../src/data/index.js';
import type { Dataset } from '../../src/data/types.js';
import { buildMlp } from '../../src/training/mlp.js';
import { trainModel } from '../../src/training/epoch-loop.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { Rng } from '../../src/util/rng.js';
import { DIGITS } from '../worker/units.js';

const EPOCHS = 3;
const SPEC = { kind: 'mlp', hidden: [128, 64], activation: 'relu', dropout: 0 } as const;
let digits: Dataset;

beforeAll(async () => {
  await initBackend('wasm');
  digits = loadCsv(DIGITS, 'label');
});

function report(name: string, ms: number): void {
  console.log(`${name}: ${Math.round((digits.rows * EPOCHS) / (ms / 1000))} samples/s`);
}

describe(`digits MLP, ${EPOCHS} epochs, batch 32, wasm`, () => {
  bench('train-loop (adam)', () => {
    const mlp = buildMlp(tf, { inputs: 64, numClasses: 10, spec: SPEC, dropout: 0, seed: 1 });
    const started = performance.now();
    trainModel(mlp, digits, { phase: 'fine-tuning', epochs: EPOCHS, batchSize: 32, optimizer: 'adam', learningRate: 1e-3, seed: 2, numClasses: 10 });
    report('train-loop (adam)', performance.now() - started);
    mlp.model.dispose();
  });

  bench('train-loop (adam, dropout 0.2)', () => {
    const mlp = buildMlp(tf, { inputs: 64, numClasses: 10, spec: SPEC, dropout: 0.2, seed: 1 });
    const started = performance.now();
    trainModel(mlp, digits, { phase: 'fine-tuning', epochs: EPOCHS, batchSize: 32, optimizer: 'adam', learningRate: 1e-3, seed: 2, numClasses: 10 });
    report('train-loop (adam, dropout 0.2)', performance.now() - started);
    mlp.model.dispose();
  });

  bench('model.fit (adam, shuffle: false)', async () => {
    const mlp = buildMlp(tf, { inputs: 64, numClasses: 10, spec: SPEC, dropout: 0, seed: 1 });
    mlp.model.compile({ optimizer: tf.train.adam(1e-3), loss: 'sparseCategoricalCrossentropy' });
    const rng = new Rng(2);
    const started = performance.now();
    for (let epoch = 0; epoch < EPOCHS; epoch++) {
      const order = rng.permutation(digits.rows);
      const xs = new Float32Array(digits.rows * 64);
      const ys = new Float32Array(digits.rows);
      order.forEach((row, i) => {
        xs.set(digits.features.subarray(row * 64, row * 64 + 64), i * 64);
        ys[i] = digits.labels[row] as number;
      });
      const [x, y]: tfjs.Tensor[] = [tf.tensor2d(xs, [digits.rows, 64]), tf.tensor2d(ys, [digits.rows, 1])];
      await mlp.model.fit(x!, y!, { batchSize: 32, epochs: 1, shuffle: false, verbose: 0 });
      tf.dispose([x!, y!]);
    }
    report('model.fit (adam, shuffle: false)', performance.now() - started);
    mlp.model.optimizer.dispose();
    mlp.model.dispose();
  });
});
