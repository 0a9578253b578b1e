// A model folder as a predictor: loadModel reads it and loads its Layers model into tfjs (imported on
// the first call, through src/worker's loadTf); predict takes raw rows, applies the model's own
// preprocessing (feature selection, then scaling with its clip) and gives classes, label values and
// probabilities. Main thread (tfjs loaded lazily); must not import the store or the CLI.
import { applyScaling, SCALING_CLIP } from '../data/scaling.js';
import { categoryOf, indicatorsOf } from '../data/categories.js';
import { projectColumns } from '../data/feature-selection.js';
import { DataError } from '../errors.js';
import type { ModelArtifact, ModelMeta } from '../spec/artifacts.js';
import type { BackendName } from '../spec/units.js';
import { loadTf, type Tf } from '../worker/index.js';
import { readModelDir, writeModelDir } from './model-files.js';

type LayersModel = Awaited<ReturnType<Tf['loadLayersModel']>>;

/** A loaded model: its meta and its tfjs model. Dispose it when done. */
export interface LoadedModel {
  readonly meta: ModelMeta;
  /** The backend it predicts on (the one it was trained on when that one loads: exact predictions). */
  readonly backend: BackendName;
  /** Inputs of the network (after feature selection). */
  readonly inputs: number;
  readonly tf: Tf;
  readonly layers: LayersModel;
  dispose(): void;
}

/**
 * Rows to predict on: by feature name (what a model with named features expects; extra keys are
 * ignored; a one-hot encoded column by its own name and value, `{ job: 'admin' }`, or by its
 * indicators), or as arrays in the model's feature order (`meta.featureNames`; for an unnamed model
 * with feature selection, every original column, the selection applied here). Or a row-major matrix.
 */
export type PredictRows =
  | readonly Readonly<Record<string, number | string>>[]
  | readonly (readonly number[])[]
  | { readonly features: Float32Array; readonly rows: number; readonly cols: number };

export interface Prediction {
  /** Class index of every row. */
  readonly classes: Int32Array;
  /** The class's label value (meta.classNames). */
  readonly labels: readonly string[];
  /** rows x classes, row-major: the softmax of the head. */
  readonly probabilities: Float32Array;
  readonly classNames: readonly string[];
  /**
   * Rows with a feature SCALING_CLIP or more fitted units (standard deviations, or ranges for
   * minmax) from the training rows, clipped there: rows unlike any the model was trained on. 0
   * without scaling.
   */
  readonly clippedRows: number;
}

/** Loads the model folder `dir` (readModelDir's checks and errors), ready to predict. */
export async function loadModel(dir: string): Promise<LoadedModel> {
  const artifact = readModelDir(dir);
  return loadArtifact(artifact);
}

/** An artifact loaded into tfjs through an in-memory io handler (what a browser does with model.json). */
export async function loadArtifact(artifact: ModelArtifact): Promise<LoadedModel> {
  const { tf, backend } = await loadTf(artifact.meta.backend);
  const { weights } = artifact;
  const layers = await tf.loadLayersModel({
    load: async () => ({
      modelTopology: artifact.topology as object,
      weightSpecs: artifact.weightSpecs.map((s) => ({ ...s, shape: [...s.shape] })),
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    }),
  });
  const shape = layers.inputs[0]?.shape;
  const inputs = typeof shape?.[1] === 'number' ? shape[1] : 0;
  return { meta: artifact.meta, backend, inputs, tf, layers, dispose: () => layers.dispose() };
}

/** Writes `artifact` as a model folder (model.json, weights.bin, tasksieve-model.json). */
export function saveModel(dir: string, artifact: ModelArtifact): void {
  writeModelDir(dir, artifact);
}

/** Rows the network predicts at once: big enough that the per-batch cost vanishes, small enough for large layers' activations. */
const PREDICT_BATCH = 4096;

/** Predicts `rows` (raw values, as in the training CSV) with `model`. */
export function predict(model: LoadedModel, rows: PredictRows): Prediction {
  const { meta } = model;
  const matrix = modelInputs(model, rows);
  const x = meta.preprocessing.scaling
    ? applyScaling(
        { ...matrix, labels: new Int32Array(matrix.rows), numClasses: meta.classNames.length, ...(meta.imputesMissing ? { imputed: true as const } : {}) },
        meta.preprocessing.scaling,
      ).features
    : matrix.features;
  const { tf } = model;
  // tfjs's default batch of 32 reads every batch back: 32k rows took 8.6 s on wasm, 42 ms in one batch.
  const out = tf.tidy(() => model.layers.predict(tf.tensor2d(x, [matrix.rows, model.inputs]), { batchSize: PREDICT_BATCH }) as ReturnType<Tf['tensor2d']>);
  let probabilities: Float32Array;
  try {
    probabilities = Float32Array.from(out.dataSync());
  } finally {
    out.dispose();
  }
  const width = meta.classNames.length;
  const classes = new Int32Array(matrix.rows);
  for (let r = 0; r < matrix.rows; r++) {
    let best = 0;
    for (let k = 1; k < width; k++) if ((probabilities[r * width + k] as number) > (probabilities[r * width + best] as number)) best = k;
    classes[r] = best;
  }
  const clippedRows = meta.preprocessing.scaling ? countClippedRows(x, model.inputs) : 0;
  return { classes, labels: Array.from(classes, (k) => meta.classNames[k] as string), probabilities, classNames: meta.classNames, clippedRows };
}

/** The rows as the network's inputs before scaling: by name, or projected to the selected columns. */
function modelInputs(model: LoadedModel, rows: PredictRows): { features: Float32Array; rows: number; cols: number } {
  const { meta, inputs } = model;
  const names = meta.featureNames;
  const columns = meta.preprocessing.columns;
  if (!Array.isArray(rows)) {
    const m = rows as Exclude<PredictRows, readonly unknown[]>;
    return project(m, columns, inputs, names !== null);
  }
  const list = rows as readonly (Readonly<Record<string, number>> | readonly number[])[];
  if (list.length > 0 && !Array.isArray(list[0])) {
    if (names === null) throw new DataError('this model has no feature names: give rows as arrays of numbers');
    const features = new Float32Array(list.length * names.length);
    const indicators = indicatorsOf(meta.categorical);
    list.forEach((row, r) => {
      names.forEach((name, j) => {
        const record = row as Readonly<Record<string, number | string>>;
        const one = indicators.get(name);
        if (one !== undefined && !(name in record)) {
          const cell = record[one.column];
          if (cell === undefined) throw new DataError(`row ${r}: column ${JSON.stringify(one.column)} is missing`);
          features[r * names.length + j] = categoryOf(String(cell).trim()) === one.value ? 1 : 0;
          return;
        }
        const v = record[name];
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new DataError(`row ${r}: feature ${JSON.stringify(name)} is ${v === undefined ? 'missing' : 'not a finite number'}`);
        features[r * names.length + j] = v;
      });
    });
    return { features, rows: list.length, cols: names.length };
  }
  const arrays = list as readonly (readonly number[])[];
  const cols = arrays[0]?.length ?? inputs;
  const features = new Float32Array(arrays.length * cols);
  arrays.forEach((row, r) => {
    if (row.length !== cols) throw new DataError(`row ${r}: ${row.length} values, row 0 has ${cols}`);
    features.set(row, r * cols);
  });
  return project({ features, rows: arrays.length, cols }, columns, inputs, names !== null);
}

/** Named models' matrices are already in the model's feature order; unnamed ones get the selection applied. */
function project(
  m: { readonly features: Float32Array; readonly rows: number; readonly cols: number },
  columns: readonly number[] | undefined,
  inputs: number,
  named: boolean,
): { features: Float32Array; rows: number; cols: number } {
  if (!named && columns !== undefined && m.cols !== inputs) {
    const widest = Math.max(...columns);
    if (m.cols <= widest) throw new DataError(`rows have ${m.cols} features, the model selects column ${widest + 1}`);
    const ds = projectColumns({ ...m, labels: new Int32Array(m.rows), numClasses: 1 }, columns);
    return { features: ds.features, rows: ds.rows, cols: ds.cols };
  }
  if (m.cols !== inputs) throw new DataError(`rows have ${m.cols} features, the model reads ${inputs}`);
  return { features: m.features, rows: m.rows, cols: m.cols };
}

/** Rows of scaled `x` (`cols` wide) with a value at the clip. */
function countClippedRows(x: Float32Array, cols: number): number {
  let rows = 0;
  for (let at = 0; at < x.length; at += cols) {
    for (let c = 0; c < cols; c++) {
      if (Math.abs(x[at + c] as number) >= SCALING_CLIP) {
        rows++;
        break;
      }
    }
  }
  return rows;
}
