// A model trained in a stack (trainStacked) against the same model trained alone (trainModel): the
// same seeds, rows and options; final weights within 1e-5 relative, predictions on a fixed
// evaluation set agreeing on >= 99% of rows. Real training on the wasm backend, small data.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Activation } from '../../src/spec/study.js';
import type { Dataset } from '../../src/data/types.js';
import { NonFiniteLossError } from '../../src/errors.js';
import { buildMlp, type Mlp } from '../../src/training/mlp.js';
import { trainModel, type TrainOptions } from '../../src/training/epoch-loop.js';
import { stackRefusal, trainStacked, type StackMember } from '../../src/training/stacked.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { blobCentres, blobs } from '../strategies/helpers.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const COLS = 12;
const CLASSES = 4;
const CENTRES = blobCentres(CLASSES, COLS, 5);
const EVAL = blobs(CENTRES, CLASSES, 400, 999);

function model(seed: number, activation: Activation = 'relu', dropout = 0, hidden = [24, 16]): Mlp {
  return buildMlp(tf, { inputs: COLS, numClasses: CLASSES, spec: { kind: 'mlp', hidden, activation, dropout }, dropout, seed });
}

function options(seed: number, extra: Partial<TrainOptions> = {}): TrainOptions {
  return { phase: 'target-only training', epochs: 4, batchSize: 16, optimizer: 'adam', learningRate: 0.01, seed, numClasses: CLASSES, ...extra };
}

/** max |a - b| / max |b| over every layer's kernel and bias (the norm-relative difference). */
function relativeDifference(a: Mlp, b: Mlp): number {
  let worst = 0;
  const sa = a.snapshot();
  const sb = b.snapshot();
  sa.forEach((layer, l) => {
    for (const key of ['kernel', 'bias'] as const) {
      const x = layer[key];
      const y = sb[l]![key];
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < x.length; i++) {
        diff = Math.max(diff, Math.abs((x[i] as number) - (y[i] as number)));
        scale = Math.max(scale, Math.abs(y[i] as number));
      }
      if (scale > 0) worst = Math.max(worst, diff / scale);
    }
  });
  return worst;
}

function agreement(a: Mlp, b: Mlp, ds: Dataset): number {
  const pa = a.predictClasses(ds);
  const pb = b.predictClasses(ds);
  let same = 0;
  for (let i = 0; i < pa.length; i++) if (pa[i] === pb[i]) same += 1;
  return same / pa.length;
}

interface Case {
  readonly seed: number;
  readonly data: Dataset;
  readonly options: TrainOptions;
  readonly build: () => Mlp;
}

/** Trains every case alone and all of them in one stack; returns both models per case. */
function alongside(cases: readonly Case[]) {
  const alone = cases.map((c) => {
    const m = c.build();
    return { model: m, stats: trainModel(m, c.data, c.options) };
  });
  const stacked = cases.map((c) => c.build());
  const outcomes = trainStacked(tf, cases.map((c, i): StackMember => ({ model: stacked[i]!, data: c.data, options: c.options })));
  return { alone, stacked, outcomes };
}

/** `exact`: the weights bit for bit (relu on wasm: the same products in the same order as XNNPACK's). */
function expectEquivalent(cases: readonly Case[], exact = false) {
  const { alone, stacked, outcomes } = alongside(cases);
  try {
    outcomes.forEach((outcome, i) => {
      expect(outcome.ok).toBe(true);
      if (!outcome.ok) return;
      expect(outcome.stats.epochs).toBe(alone[i]!.stats.epochs);
      expect(outcome.stats.samples).toBe(alone[i]!.stats.samples);
      expect(outcome.stats.loss).toBeCloseTo(alone[i]!.stats.loss, 4);
      expect(relativeDifference(stacked[i]!, alone[i]!.model)).toBeLessThan(1e-5);
      if (exact) expect(stacked[i]!.snapshot()).toEqual(alone[i]!.model.snapshot());
      expect(agreement(stacked[i]!, alone[i]!.model, EVAL)).toBeGreaterThanOrEqual(0.99);
      // The stack trained the model at all: its weights moved away from the fresh model's.
      const fresh = cases[i]!.build();
      expect(relativeDifference(stacked[i]!, fresh)).toBeGreaterThan(1e-2);
      fresh.dispose();
    });
  } finally {
    for (const a of alone) a.model.dispose();
    for (const s of stacked) s.dispose();
  }
}

describe('trainStacked', () => {
  it('trains each model of a stack as trainModel trains it alone: own seeds, own row counts (relu)', () => {
    // Different seeds draw different rows, and the row counts differ (the last batch is partial).
    const cases = [0, 1, 2, 3].map((k) => {
      const data = blobs(CENTRES, CLASSES, 90 + 37 * k, 10 + k);
      return { seed: k, data, options: options(100 + k), build: () => model(20 + k) };
    });
    expectEquivalent(cases, true);
  });

  for (const activation of ['tanh', 'sigmoid', 'elu'] as const) {
    it(`agrees with trainModel under ${activation}`, () => {
      expectEquivalent([0, 1].map((k) => ({ seed: k, data: blobs(CENTRES, CLASSES, 120, 30 + k), options: options(7 + k), build: () => model(40 + k, activation) })));
    });
  }

  it('agrees with dropout, mixup and input noise (every member its own masks and draws)', () => {
    const extra: Partial<TrainOptions> = { augment: { noise: 0.1, mixupAlpha: 0.4 } };
    expectEquivalent([0, 1, 2].map((k) => ({ seed: k, data: blobs(CENTRES, CLASSES, 100 + 10 * k, 50 + k), options: options(60 + k, extra), build: () => model(70 + k, 'relu', 0.3) })));
  });

  it('agrees with row weights, soft targets, per-layer learning rates, weight decay and L2-SP', () => {
    const cases = [0, 1].map((k) => {
      const data = blobs(CENTRES, CLASSES, 110, 80 + k);
      const rowWeights = Float32Array.from({ length: data.rows }, (_, i) => 0.5 + (i % 3) * 0.25);
      const targets = new Float32Array(data.rows * CLASSES);
      for (let r = 0; r < data.rows; r++) for (let c = 0; c < CLASSES; c++) targets[r * CLASSES + c] = c === data.labels[r] ? 0.85 : 0.05;
      const anchorModel = model(90 + k);
      const anchors = anchorModel.snapshot().map((layer, i) => (i < 2 ? layer.kernel : null));
      anchorModel.dispose();
      return {
        seed: k,
        data,
        options: options(95 + k, { rowWeights, targets, lrScales: [0.1, 0.5, 1], weightDecay: 0.01, l2sp: 0.1, anchors }),
        build: () => model(90 + k),
      };
    });
    expectEquivalent(cases);
  });

  it('agrees with frozen layers and with pruned weights held at zero (kernel masks)', () => {
    const cases = [0, 1].map((k) => {
      const data = blobs(CENTRES, CLASSES, 100, 110 + k);
      const kernelMasks = [null, Float32Array.from({ length: 24 * 16 }, (_, i) => (i % 3 === 0 ? 0 : 1)), null];
      const build = () => {
        const m = model(120 + k);
        m.freezeBody(1);
        return m;
      };
      return { seed: k, data, options: options(130 + k, { kernelMasks }), build };
    });
    expectEquivalent(cases);
  });

  it('stops each member at its own epoch (afterEpoch) with its weights written back before every hook', () => {
    const seen: number[][] = [[], [], []];
    const stops = [2, 4, 3];
    const cases = [0, 1, 2].map((k) => ({
      seed: k,
      data: blobs(CENTRES, CLASSES, 80, 140 + k),
      options: options(150 + k, { epochs: 5 }),
      build: () => model(160 + k),
    }));
    const stacked = cases.map((c) => c.build());
    const outcomes = trainStacked(
      tf,
      cases.map((c, k) => ({
        model: stacked[k]!,
        data: c.data,
        options: {
          ...c.options,
          afterEpoch: (epoch) => {
            // The hook reads the model: it must be the stack's weights after this epoch.
            seen[k]!.push(stacked[k]!.predictClasses(EVAL).reduce((a, b) => a + b, 0));
            return epoch < stops[k]!;
          },
        },
      })),
    );
    try {
      outcomes.forEach((o, k) => {
        expect(o.ok && o.stats.epochs).toBe(stops[k]);
        expect(seen[k]).toHaveLength(stops[k]!);
      });
      // Each matches the model trained alone for as many epochs.
      cases.forEach((c, k) => {
        const alone = c.build();
        trainModel(alone, c.data, { ...c.options, epochs: stops[k]! });
        expect(relativeDifference(stacked[k]!, alone)).toBeLessThan(1e-5);
        alone.dispose();
      });
    } finally {
      for (const s of stacked) s.dispose();
    }
  });

  it('fails only the member that diverges, with the error trainModel throws for it', () => {
    const good = { seed: 0, data: blobs(CENTRES, CLASSES, 80, 170), options: options(171), build: () => model(172) };
    const bad = { ...good, options: options(173, { learningRate: 1e30 }), build: () => model(174) };
    let aloneError: unknown = null;
    const alone = bad.build();
    try {
      trainModel(alone, bad.data, bad.options);
    } catch (error) {
      aloneError = error;
    } finally {
      alone.dispose();
    }
    expect(aloneError).toBeInstanceOf(NonFiniteLossError);
    const models = [good.build(), bad.build()];
    try {
      const outcomes = trainStacked(tf, [good, bad].map((c, i) => ({ model: models[i]!, data: c.data, options: c.options })));
      expect(outcomes[0]!.ok).toBe(true);
      expect(outcomes[1]!.ok).toBe(false);
      if (!outcomes[1]!.ok) {
        expect(outcomes[1]!.error).toBeInstanceOf(NonFiniteLossError);
        expect(outcomes[1]!.error.message).toBe((aloneError as Error).message);
      }
    } finally {
      for (const m of models) m.dispose();
    }
  });

  it('refuses members that differ in architecture, batch size or optimizer, or need unstacked passes', () => {
    const data = blobs(CENTRES, CLASSES, 40, 180);
    const a = model(1);
    const b = model(2, 'relu', 0, [24, 8]);
    try {
      expect(stackRefusal([{ model: a, data, options: options(1) }])).toBeNull();
      expect(stackRefusal([{ model: a, data, options: options(1) }, { model: b, data, options: options(2) }])).toMatch(/widths/);
      expect(stackRefusal([{ model: a, data, options: options(1) }, { model: a, data, options: options(2, { batchSize: 8 }) }])).toMatch(/batch size/);
      expect(stackRefusal([{ model: a, data, options: options(1, { optimizer: 'sgd' }) }])).toMatch(/adam only/);
      expect(stackRefusal([{ model: a, data, options: options(1, { adversarial: { epsilon: 0.1, ratio: 0.5 } }) }])).toMatch(/FGSM/);
      expect(() => trainStacked(tf, [{ model: a, data, options: options(1, { optimizer: 'rmsprop' }) }])).toThrow(/cannot train stacked: .*adam only/);
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});
