// A model folder: model.json + weights.bin in the TF.js Layers format (what tf.loadLayersModel reads,
// in Node or a browser) and tasksieve-model.json (the meta: preprocessing, labels, feature names,
// origin). Written atomically, read back with one-line errors. Main thread; node:fs only, no tfjs.
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import { DataError } from '../errors.js';
import { ARTIFACT_FORMAT, type ModelArtifact, type ModelMeta, type WeightSpec } from '../spec/artifacts.js';
import { modelMetaCheck } from '../study/decoders.js';
import { arrayOf, CheckError, integer, number, oneOf, optional, shape, string, type Check } from '../util/check.js';
import { syncFolder } from '../util/atomic-write.js';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
export const META_JSON = 'tasksieve-model.json';

/** model.json as TF.js writes it for one weights file. */
interface ModelJson {
  readonly modelTopology: object;
  readonly weightsManifest: readonly { readonly paths: readonly string[]; readonly weights: readonly WeightSpec[] }[];
  readonly format: 'layers-model';
  readonly generatedBy: string;
  readonly convertedBy: null;
}

/**
 * Writes `artifact` as a model folder `dir`: the three files go to a fresh folder beside it, are
 * flushed, then the folder is renamed into place, so a reader never sees half a model. An existing
 * model folder at `dir` is replaced; an existing empty folder too; anything else is refused.
 */
export function writeModelDir(dir: string, artifact: ModelArtifact): void {
  const target = resolve(dir);
  const existing = checkModelDirTarget(dir);
  mkdirSync(dirname(target), { recursive: true });
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  mkdirSync(tmp);
  try {
    writeDurably(join(tmp, MODEL_JSON), `${JSON.stringify(modelJson(artifact))}\n`);
    writeDurably(join(tmp, WEIGHTS_BIN), artifact.weights);
    writeDurably(join(tmp, META_JSON), `${JSON.stringify(artifact.meta, null, 2)}\n`);
    if (existing === 'model' || existing === 'empty') {
      // A folder cannot be renamed over a non-empty one: move the old one aside first.
      const old = `${tmp}.old`;
      renameSync(target, old);
      renameSync(tmp, target);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, target);
    }
  } catch (error) {
    rmSync(tmp, { recursive: true, force: true });
    throw error;
  }
  syncFolder(dirname(target));
}

/** What is at `dir` before writing a model there (nothing, an empty folder, a model); DataError for anything else. */
export function checkModelDirTarget(dir: string): 'none' | 'empty' | 'model' {
  const existing = inspect(resolve(dir));
  if (existing === 'other') throw new DataError(`${dir}: exists and is not a tasksieve model folder; not overwriting it`);
  return existing;
}

/** model.json's content for `artifact` (one weights file, TF.js's own key names). */
export function modelJson(artifact: ModelArtifact): ModelJson {
  const topology = artifact.topology as { keras_version?: unknown } | null;
  const layers = typeof topology?.keras_version === 'string' ? topology.keras_version : 'tfjs-layers';
  return {
    modelTopology: artifact.topology as object,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifact.weightSpecs }],
    format: 'layers-model',
    generatedBy: `TensorFlow.js ${layers} (written by tasksieve)`,
    convertedBy: null,
  };
}

/** Bytes of one weight in weights.bin. */
export function weightBytes(spec: WeightSpec): number {
  const count = spec.shape.reduce((a, b) => a * b, 1);
  return count * (spec.quantization ? (spec.quantization.dtype === 'uint8' ? 1 : 2) : 4);
}

const weightSpec: Check<WeightSpec> = shape<WeightSpec>(
  {
    name: string,
    shape: arrayOf(integer),
    dtype: oneOf(['float32', 'int32']),
    quantization: optional(shape<NonNullable<WeightSpec['quantization']>>({ dtype: oneOf(['uint8', 'uint16']), scale: number, min: number })),
  },
  { open: true },
);
const manifestGroup = shape<ModelJson['weightsManifest'][number]>({ paths: arrayOf(string), weights: arrayOf(weightSpec) });
const modelJsonCheck = shape<ModelJson>(
  {
    modelTopology: (v: unknown, path: string): object => {
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new CheckError(path, 'expected a mapping');
      return v;
    },
    weightsManifest: arrayOf(manifestGroup),
    format: oneOf(['layers-model']),
    generatedBy: string,
    convertedBy: (v: unknown) => v as null, // TF.js writes null or a converter's name: either is fine to load
  },
  { open: true },
);

/**
 * The model folder `dir`, checked: a folder without tasksieve-model.json, a meta of another format
 * version or shape, a model.json that is not a one-file Layers model, or a weights.bin whose size
 * is not what the manifest says: each a DataError of one line naming the file (exit 2).
 */
export function readModelDir(dir: string): ModelArtifact {
  let isDir = false;
  try {
    isDir = statSync(dir).isDirectory();
  } catch {
    throw new DataError(`${dir}: no such model folder`);
  }
  if (!isDir) throw new DataError(`${dir}: not a folder (a model is the folder tasksieve model -o wrote)`);
  const metaPath = join(dir, META_JSON);
  const rawMeta = readJson(metaPath, `${dir}: not a tasksieve model folder (no ${META_JSON})`);
  const format = (rawMeta as { format?: unknown } | null)?.format;
  if (format !== ARTIFACT_FORMAT) {
    throw new DataError(`${metaPath}: format ${JSON.stringify(format)}, this version of tasksieve reads ${ARTIFACT_FORMAT}`);
  }
  const meta = checked(modelMetaCheck, rawMeta, metaPath);
  const modelPath = join(dir, MODEL_JSON);
  const model = checked(modelJsonCheck, readJson(modelPath, `${modelPath}: missing`), modelPath);
  const group = model.weightsManifest[0];
  if (model.weightsManifest.length !== 1 || group === undefined || group.paths.length !== 1 || group.paths[0] !== WEIGHTS_BIN) {
    throw new DataError(`${modelPath}: expected one weights file, ${WEIGHTS_BIN}`);
  }
  const weightsPath = join(dir, WEIGHTS_BIN);
  let weights: Buffer;
  try {
    weights = readFileSync(weightsPath);
  } catch {
    throw new DataError(`${weightsPath}: missing`);
  }
  const expected = group.weights.reduce((n, s) => n + weightBytes(s), 0);
  if (weights.byteLength !== expected) {
    throw new DataError(`${weightsPath}: ${weights.byteLength} bytes, the weights manifest in ${MODEL_JSON} needs ${expected} (corrupt or from another model)`);
  }
  checkConsistent(meta, model.modelTopology, dir);
  return { meta, topology: model.modelTopology, weightSpecs: group.weights, weights: new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength) };
}

/**
 * Inputs and outputs of a Sequential Layers topology (the first layer's batch input shape, the last
 * Dense layer's units); null when the topology is not one tasksieve writes. Not from the weight
 * specs: tfjs lists trainable weights first, so a frozen first layer's kernel comes last.
 */
export function topologyShape(topology: unknown): { readonly inputs: number; readonly outputs: number } | null {
  const config = (topology as { config?: { layers?: unknown } } | null)?.config;
  const layers = Array.isArray(config?.layers) ? (config.layers as { class_name?: unknown; config?: Record<string, unknown> }[]) : null;
  if (layers === null || layers.length === 0) return null;
  const input = layers[0]?.config?.batch_input_shape;
  const dense = layers.filter((l) => l.class_name === 'Dense');
  const units = dense[dense.length - 1]?.config?.units;
  if (!Array.isArray(input) || typeof input[1] !== 'number' || typeof units !== 'number') return null;
  return { inputs: input[1], outputs: units };
}

/** The meta agrees with the network: as many class names as outputs, as many feature names as inputs. */
function checkConsistent(meta: ModelMeta, topology: unknown, dir: string): void {
  const shape = topologyShape(topology);
  if (shape === null) return;
  const where = join(dir, META_JSON);
  if (shape.outputs !== meta.classNames.length) {
    throw new DataError(`${where}: ${meta.classNames.length} class names for a model of ${shape.outputs} outputs`);
  }
  if (meta.featureNames !== null && meta.featureNames.length !== shape.inputs) {
    throw new DataError(`${where}: ${meta.featureNames.length} feature names for a model of ${shape.inputs} inputs`);
  }
}

function readJson(path: string, missing: string): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new DataError(missing);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new DataError(`${path}: not valid JSON`);
  }
}

function checked<T>(check: Check<T>, value: unknown, path: string): T {
  try {
    return check(value, '');
  } catch (error) {
    if (error instanceof CheckError) throw new DataError(`${path}: ${error.message}`);
    throw error;
  }
}

/** What is at `path`: nothing, an empty folder, a model folder, or something else. */
function inspect(path: string): 'none' | 'empty' | 'model' | 'other' {
  let entries: string[];
  try {
    if (!statSync(path).isDirectory()) return 'other';
    entries = readdirSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'none';
    return 'other';
  }
  if (entries.length === 0) return 'empty';
  const known = new Set([MODEL_JSON, WEIGHTS_BIN, META_JSON]);
  return entries.includes(META_JSON) && entries.every((e) => known.has(e)) ? 'model' : 'other';
}

function writeDurably(path: string, data: string | Uint8Array): void {
  const fd = openSync(path, 'w');
  try {
    writeFileSync(fd, data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
