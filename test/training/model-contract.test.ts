// The model interface's contract, run against every engine buildModel knows (the MLP, the CNN): what a
// strategy relies on when it freezes, replaces a head, trains jointly, predicts and disposes. A new
// engine (a loaded TF.js model) is added to ENGINES and must pass the same tests.
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelSpec } from '../../src/spec/study.js';
import { buildModel, trainModel, type TrainableModel } from '../../src/training/index.js';
import { Rng } from '../../src/util/rng.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { blobCentres, blobs } from '../strategies/helpers.js';

const ENGINES: readonly { readonly name: string; readonly spec: ModelSpec }[] = [
  { name: 'mlp', spec: { kind: 'mlp', hidden: [12, 8], activation: 'relu', dropout: 0 } },
  {
    name: 'cnn',
    spec: { kind: 'cnn', input_shape: [3, 2, 1], conv: [{ filters: 4, kernel: 3, stride: 1, pool: 1 }, { filters: 3, kernel: 2, stride: 1, pool: 2 }], hidden: [8], activation: 'relu', dropout: 0 },
  },
];

const CLASSES = 3;
/** Features per row: 6, read by the CNN as 3 x 2 x 1 images. */
const COLS = 6;
const centres = blobCentres(CLASSES, COLS, 11);
const data = blobs(centres, CLASSES, 60, 1);
const options = { phase: 'fine-tuning', epochs: 2, batchSize: 16, optimizer: 'adam', learningRate: 0.01, seed: 4, numClasses: CLASSES } as const;

beforeAll(async () => {
  await initBackend('cpu');
});

function changed(before: Float32Array, after: Float32Array): boolean {
  return before.some((v, i) => v !== after[i]);
}

describe.each(ENGINES)('model contract: $name', ({ spec }) => {
  const build = (seed = 1, dropout = 0): TrainableModel => buildModel(tf, { inputs: COLS, numClasses: CLASSES, spec, dropout, seed });

  it('is built deterministically from its seed, with the declared shape', () => {
    const [a, b, c] = [build(1), build(1), build(2)];
    try {
      expect(a.inputs).toBe(COLS);
      expect(a.classes).toBe(CLASSES);
      expect(a.layerCount).toBe(a.snapshot().length);
      expect(a.snapshot()).toEqual(b.snapshot());
      expect(changed(a.snapshot()[0]!.kernel, c.snapshot()[0]!.kernel)).toBe(true);
    } finally {
      [a, b, c].forEach((m) => m.dispose());
    }
  });

  it('freezing keeps the head trainable, and training changes only the trainable layers', () => {
    const model = build();
    try {
      model.freezeBody(1);
      const flags = model.trainableLayers();
      expect(flags[0]).toBe(false);
      expect(flags[flags.length - 1]).toBe(true);
      model.freezeBody(99);
      expect(model.trainableLayers().filter(Boolean)).toHaveLength(1);
      const before = model.snapshot();
      trainModel(model, data, options);
      const after = model.snapshot();
      after.forEach((layer, i) => expect(changed(before[i]!.kernel, layer.kernel), `layer ${i}`).toBe(i === after.length - 1));
    } finally {
      model.dispose();
    }
  });

  it('a fresh head changes the head only, the same for the same seed', () => {
    const [a, b] = [build(), build()];
    try {
      const before = a.snapshot();
      a.reinitHead(9);
      b.reinitHead(9);
      const after = a.snapshot();
      expect(after.slice(0, -1)).toEqual(before.slice(0, -1));
      expect(changed(before.at(-1)!.kernel, after.at(-1)!.kernel)).toBe(true);
      expect(after.at(-1)!.bias.every((v) => v === 0)).toBe(true);
      expect(b.snapshot()).toEqual(after);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it("setLayers puts another model's weights in: it then predicts as that model; a wrong shape throws", () => {
    const [a, b] = [build(1), build(2)];
    try {
      trainModel(a, data, options);
      b.setLayers(a.snapshot());
      expect(b.snapshot().map((l) => [l.kernel, l.bias])).toEqual(a.snapshot().map((l) => [l.kernel, l.bias]));
      expect(b.predictLogits(data)).toEqual(a.predictLogits(data));
      expect(() => b.setLayers(a.snapshot().slice(1))).toThrow(/layers of weights/);
    } finally {
      a.dispose();
      b.dispose();
    }
  });

  it('trunkKernels are the live kernels below the head: what the model trains and predicts with', () => {
    const model = build();
    try {
      const trunk = model.trunkKernels();
      expect(trunk).toHaveLength(model.layerCount - 1);
      trunk.forEach((k, l) => expect(Float32Array.from(k.dataSync() as Float32Array)).toEqual(model.snapshot()[l]!.kernel));
      // Soft sharing moves them between steps: the model then computes with the new values.
      const before = model.predictLogits(data);
      tf.tidy(() => trunk[0]!.assign(tf.mul(trunk[0]!, 0.5)));
      expect(model.snapshot()[0]!.kernel).toEqual(Float32Array.from(trunk[0]!.dataSync() as Float32Array));
      expect(changed(before, model.predictLogits(data))).toBe(true);
    } finally {
      model.dispose();
    }
  });

  it('a joint trainer steps the body and commits head 0 back; every tensor it made is freed', () => {
    const model = build();
    try {
      const tensors = tf.memory().numTensors;
      const before = model.snapshot();
      const trainer = model.jointTrainer({ optimizer: 'adam', learningRate: 0.05 }, [21, 22]);
      expect(trainer.width).toBe(3 * CLASSES);
      const x = data.features.subarray(0, 4 * COLS);
      const y = new Float32Array(4 * 3 * CLASSES);
      const mask = new Float32Array(4 * 3 * CLASSES);
      for (let r = 0; r < 4; r++) {
        y[r * 3 * CLASSES + (data.labels[r] as number)] = 1;
        mask.fill(1, r * 3 * CLASSES, r * 3 * CLASSES + CLASSES);
      }
      const result = trainer.step({ n: 4, x, y, groups: { count: 3, mask } });
      expect(result.logLikelihood).toHaveLength(4);
      expect(trainer.finite()).toBe(true);
      trainer.dispose();
      const after = model.snapshot();
      expect(changed(before[0]!.kernel, after[0]!.kernel)).toBe(true);
      expect(changed(before.at(-1)!.kernel, after.at(-1)!.kernel)).toBe(true);
      expect(tf.memory().numTensors).toBe(tensors);
    } finally {
      model.dispose();
    }
  });

  it('predicts consistently: classes are the argmax of the logits, probabilities sum to one', () => {
    const model = build();
    try {
      trainModel(model, data, options);
      const logits = model.predictLogits(data);
      const classes = model.predictClasses(data);
      expect(logits).toHaveLength(data.rows * CLASSES);
      classes.forEach((k, r) => {
        const row = logits.subarray(r * CLASSES, (r + 1) * CLASSES);
        expect(row[k]).toBe(Math.max(...row));
      });
      const { probabilities, features, width } = model.representation(data);
      expect(features).toHaveLength(data.rows * width);
      for (let r = 0; r < data.rows; r++) {
        const sum = probabilities.subarray(r * CLASSES, (r + 1) * CLASSES).reduce((a, b) => a + b, 0);
        expect(sum).toBeCloseTo(1, 5);
      }
      expect(model.fgsmAccuracy(data, 0)).toBeCloseTo(classes.filter((k, r) => k === data.labels[r]).length / data.rows, 10);
    } finally {
      model.dispose();
    }
  });

  it('dropout masks follow the rate and the seed; none without dropout', () => {
    const [plain, dropped] = [build(1, 0), build(1, 0.5)];
    try {
      expect(plain.dropoutMasks(8, new Rng(1)).every((m) => m === null)).toBe(true);
      const masks = dropped.dropoutMasks(8, new Rng(1));
      expect(masks.at(-1)).toBeNull();
      // The first layer with dropout (the CNN has none after its conv blocks).
      const first = masks.find((m) => m !== null)!;
      expect(new Set(first)).toEqual(new Set([0, 2]));
      expect(dropped.dropoutMasks(8, new Rng(1))).toEqual(masks);
    } finally {
      plain.dispose();
      dropped.dispose();
    }
  });

  it('pruning zeroes the share asked of every kernel and sizes count what is left', () => {
    const model = build();
    try {
      const params = model.parameterCount();
      const masks = model.prune(0.5);
      expect(masks).toHaveLength(model.layerCount);
      model.snapshot().forEach((layer, i) => {
        expect(layer.kernel.filter((w) => w === 0)).toHaveLength(Math.floor(0.5 * layer.kernel.length));
        expect(masks[i]!.filter((m) => m === 0)).toHaveLength(Math.floor(0.5 * layer.kernel.length));
      });
      const size = model.size(false);
      expect(size.params).toBe(params);
      expect(size.bytes).toBe(4 * params);
      expect(size.nonzeros).toBeLessThan(params);
    } finally {
      model.dispose();
    }
  });
});
