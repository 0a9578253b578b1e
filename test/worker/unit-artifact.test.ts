// A unit asked for its model hands back a ModelArtifact that TF.js loads unchanged and that predicts
// exactly what the unit measured; int8 models are written quantised, pruned ones report sparsity.
import { beforeAll, describe, expect, it } from 'vitest';
import { holdOutTest, materializeTask, splitTarget } from '../../src/data/index.js';
import { applyScaling } from '../../src/data/scaling.js';
import { projectColumns } from '../../src/data/feature-selection.js';
import { classificationMetrics } from '../../src/metrics/classification.js';
import type { ModelArtifact } from '../../src/spec/artifacts.js';
import type { Dataset } from '../../src/data/types.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { runUnit } from '../../src/worker/run-unit.js';
import { unit } from './units.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** The artifact loaded through an in-memory tf.io handler, as a browser or Node would load model.json. */
async function load(artifact: ModelArtifact) {
  const { weights } = artifact;
  return tf.loadLayersModel({
    load: async () => ({
      modelTopology: artifact.topology as object,
      weightSpecs: artifact.weightSpecs.map((s) => ({ ...s, shape: [...s.shape] })),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength),
    }),
  });
}

/** The unit's validation rows, as the worker split them, before any preprocessing. */
function validationRows(u: ReturnType<typeof unit>): Dataset {
  const { rest } = holdOutTest(materializeTask(u.target), u.target.test);
  return splitTarget(rest, u.target.labelled, u.seed).validation;
}

async function predictClasses(artifact: ModelArtifact, rows: Dataset): Promise<Int32Array> {
  const { columns, scaling } = artifact.meta.preprocessing;
  let ds = columns ? projectColumns(rows, columns) : rows;
  if (scaling) ds = applyScaling(ds, scaling);
  const model = await load(artifact);
  try {
    const out = tf.tidy(() => (model.predict(tf.tensor2d(ds.features, [ds.rows, ds.cols])) as ReturnType<typeof tf.tensor2d>).argMax(1));
    const classes = Int32Array.from(out.dataSync());
    out.dispose();
    return classes;
  } finally {
    model.dispose();
  }
}

describe('a unit with artifact: true', () => {
  it('returns the transfer model, which TF.js loads and which predicts the unit validation metrics exactly', async () => {
    const u = unit({ artifact: true }, { scaling: 'standard', feature_selection: 'variance', feature_k: 40 });
    const before = tf.memory().numTensors;
    const result = await runUnit(tf, u, 'wasm');
    expect(tf.memory().numTensors).toBe(before);
    const artifact = result.artifact!;
    expect(artifact.meta).toMatchObject({ format: 'tasksieve-model/1', kind: 'mlp', backend: 'wasm', recipe: u.recipe });
    expect(artifact.meta.metrics).toEqual(result.transfer.metrics);
    expect(artifact.meta.featureNames).toHaveLength(40);
    expect(artifact.meta.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(artifact.meta.preprocessing).toEqual(result.transfer.preprocessing);
    expect(artifact.meta.sparsity).toBeUndefined();
    // Float32 weights: 4 bytes per parameter.
    expect(artifact.weights.byteLength).toBe(4 * (40 * 128 + 128 + 128 * 64 + 64 + 64 * 10 + 10));
    // The metrics on the unit side are neither changed nor extended by the export.
    expect('artifact' in result.transfer).toBe(false);
    const predicted = await predictClasses(artifact, validationRows(u));
    expect(classificationMetrics(validationRows(u).labels, predicted, 10)).toEqual(result.transfer.metrics);
    // The baseline has no model to hand back, and a unit not asked for one returns none.
    expect((await runUnit(tf, unit({ withBaseline: false }), 'wasm')).artifact).toBeUndefined();
  });

  it('writes an int8 model with TF.js uint8 quantisation (3.86x smaller: biases stay float32) and reports a pruned model sparsity', async () => {
    const float = (await runUnit(tf, unit({ artifact: true, withBaseline: false, sources: [] }), 'wasm')).artifact!;
    const u = unit({ artifact: true, withBaseline: false, sources: [] }, { quantize: 'int8', prune_sparsity: 0.5, prune_epochs: 1 });
    const result = await runUnit(tf, u, 'wasm');
    const int8 = result.artifact!;
    const kernels = int8.weightSpecs.filter((s) => s.name.endsWith('/kernel'));
    expect(kernels.every((s) => s.quantization?.dtype === 'uint8')).toBe(true);
    expect(int8.weightSpecs.filter((s) => s.name.endsWith('/bias')).every((s) => s.quantization === undefined)).toBe(true);
    expect(float.weights.byteLength / int8.weights.byteLength).toBeGreaterThan(3.8);
    // Exactly half of every kernel pruned; the quantisation keeps zeros exactly zero.
    expect(int8.meta.sparsity).toBeCloseTo(0.5, 2);
    const model = await load(int8);
    const zeros = model.layers
      .filter((l) => l.getClassName() === 'Dense')
      .map((l) => Array.from(l.getWeights()[0]!.dataSync()).filter((v) => v === 0).length);
    model.dispose();
    expect(zeros.reduce((a, b) => a + b, 0)).toBe(Math.round(int8.meta.sparsity! * kernels.reduce((n, s) => n + s.shape[0]! * s.shape[1]!, 0)));
    // Re-quantised per tensor: close to the unit's accuracy, not bit-equal.
    const predicted = await predictClasses(int8, validationRows(u));
    const accuracy = classificationMetrics(validationRows(u).labels, predicted, 10).accuracy;
    expect(Math.abs(accuracy - result.transfer.metrics.accuracy)).toBeLessThan(0.03);
  });
});
