// Reads a pretrained model source: a TF.js Layers Sequential folder (model.json + weights.bin, with
// tasksieve-model.json when tasksieve wrote it) of an MLP (Dense layers) or of a CNN as tasksieve
// builds one (Reshape to [H, W, C], Conv2D blocks with 'same' padding and optional MaxPooling2D,
// Flatten, Dense layers), as its weight layers in order. Here in src/data because
// both sides read it: the main thread checks it at load time (src/config), the workers initialise a
// unit's trunk and score screens from it (src/worker). node:fs and node:crypto only, no tfjs.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { DataError } from '../errors.js';
import { convOutputSize, type Activation, type ConvBlockSpec } from '../spec/study.js';

/**
 * One weight layer: a Dense layer's kernel row-major [inputs, units]; a conv block's [kernel, kernel,
 * in channels, filters] (units = filters); bias [units].
 */
export interface LayerWeights {
  readonly name: string;
  readonly units: number;
  readonly activation: string;
  readonly kernel: Float32Array;
  readonly bias: Float32Array;
}

export interface ModelFolder {
  /** The folder (a path to its model.json is read as the folder). */
  readonly dir: string;
  readonly digest: string;
  readonly inputs: number;
  /** A CNN's image shape [H, W, C] (its Reshape layer); null: an MLP. */
  readonly inputShape: readonly [number, number, number] | null;
  /** A CNN's conv blocks from the input (their weights are the first entries of `layers`); empty: an MLP. */
  readonly conv: readonly ConvBlockSpec[];
  /** Every weight layer from the input: conv blocks, then Dense layers, the head last. */
  readonly layers: readonly LayerWeights[];
  /** The hidden layers' activation (one for all, as the study's model has). */
  readonly activation: Activation | null;
  /** Label value of each head output: tasksieve-model.json's, else "0", "1", … */
  readonly classNames: readonly string[];
}

const ACTIVATIONS: readonly string[] = ['relu', 'tanh', 'sigmoid', 'elu'];

/** The folder of a model source path: the path itself, or the folder of a `model.json` file. */
export function modelFolderOf(path: string): string {
  try {
    if (statSync(path).isFile() && basename(path) === 'model.json') return dirname(path);
  } catch {
    // Reported by readModelFolder.
  }
  return path;
}

/**
 * The model at `path` (a folder, or its model.json), checked: one weights file of the manifest's
 * size, a Sequential of Dense (and Dropout) layers only, each Dense layer's kernel and bias present
 * with shapes that chain. Every problem is a one-line DataError naming the file and, for a layer
 * that does not fit, the layer.
 */
export function readModelFolder(path: string): ModelFolder {
  const dir = modelFolderOf(path);
  const modelPath = join(dir, 'model.json');
  const modelText = readBytes(modelPath, `${dir}: no model.json (a model source is a TF.js Layers model folder)`);
  let model: unknown;
  try {
    model = JSON.parse(modelText.toString('utf8'));
  } catch {
    throw new DataError(`${modelPath}: not valid JSON`);
  }
  const m = model as { modelTopology?: unknown; weightsManifest?: unknown };
  const topology = m.modelTopology as { class_name?: unknown; config?: { layers?: unknown } } | undefined;
  const rawLayers = topology?.config?.layers;
  if (topology?.class_name !== 'Sequential' || !Array.isArray(rawLayers) || rawLayers.length === 0) {
    throw new DataError(`${modelPath}: not a Sequential Layers model (a model source must be an MLP of Dense layers)`);
  }
  const manifest = m.weightsManifest as { paths?: unknown; weights?: unknown }[] | undefined;
  const group = Array.isArray(manifest) && manifest.length === 1 ? manifest[0] : undefined;
  if (group === undefined || !Array.isArray(group.paths) || group.paths.length !== 1 || !Array.isArray(group.weights)) {
    throw new DataError(`${modelPath}: expected one weights group with one file`);
  }
  const weightsPath = join(dir, String(group.paths[0]));
  const weightBytes = readBytes(weightsPath, `${weightsPath}: missing`);
  const metaPath = join(dir, 'tasksieve-model.json');
  let metaBytes: Buffer | null = null;
  try {
    metaBytes = readFileSync(metaPath);
  } catch {
    metaBytes = null; // A plain TF.js folder: classes are then unnamed.
  }
  const weights = decodeWeights(group.weights, weightBytes, weightsPath);
  const { inputs, inputShape, conv, layers } = weightLayers(rawLayers, weights, modelPath);
  const hidden = layers.slice(0, -1).map((l) => l.activation);
  if (hidden.some((a) => a !== hidden[0])) throw new DataError(`${modelPath}: hidden layers with different activations (${hidden.join(', ')}): not a model tasksieve can build`);
  const activation = hidden[0] ?? null;
  if (activation !== null && !ACTIVATIONS.includes(activation)) {
    throw new DataError(`${modelPath}: layer ${JSON.stringify(layers[0]!.name)} has activation ${activation}; tasksieve's models have ${ACTIVATIONS.join(', ')}`);
  }
  const head = layers[layers.length - 1]!;
  const classNames = metaBytes === null ? Array.from({ length: head.units }, (_, k) => String(k)) : metaClassNames(metaBytes, metaPath, head.units);
  const hash = createHash('sha256').update(modelText).update(weightBytes);
  if (metaBytes !== null) hash.update(metaBytes);
  return { dir, digest: hash.digest('hex'), inputs, inputShape, conv, layers, activation: activation as Activation | null, classNames };
}

type RawLayer = { class_name?: unknown; config?: Record<string, unknown> };

/**
 * The weight layers of a Sequential, checked layer by layer: an MLP (Dense and Dropout layers), or a
 * CNN as tasksieve builds it (Reshape, then Conv2D blocks each with an optional MaxPooling2D, Flatten,
 * then Dense and Dropout layers). Shapes must chain; a layer that does not fit is named.
 */
function weightLayers(rawLayers: readonly unknown[], weights: Map<string, Weight>, modelPath: string) {
  const layers: LayerWeights[] = [];
  const conv: ConvBlockSpec[] = [];
  let inputShape: [number, number, number] | null = null;
  // Where the shapes stand: an image [h, w, channels] inside the conv part, else the features.
  let image: [number, number, number] | null = null;
  let features = -1;
  let flattened = false;
  const at = (name: string) => `${modelPath}: layer ${JSON.stringify(name)}`;
  const pair = (value: unknown): number | null => {
    const v = Array.isArray(value) ? value : [value, value];
    return v.length === 2 && v[0] === v[1] && Number.isInteger(v[0]) && (v[0] as number) > 0 ? (v[0] as number) : null;
  };
  const weightsOf = (name: string) => {
    const kernel = weights.get(`${name}/kernel`);
    const bias = weights.get(`${name}/bias`);
    if (kernel === undefined || bias === undefined) throw new DataError(`${at(name)} has no kernel and bias in the weights manifest`);
    return { kernel, bias };
  };
  for (const [i, raw] of rawLayers.entries()) {
    const layer = raw as RawLayer;
    const cls = String(layer.class_name);
    const config = layer.config ?? {};
    const name = String(config.name ?? `layer ${i}`);
    if (cls === 'Dropout') continue;
    if (cls === 'Reshape') {
      const target = config.target_shape;
      const input = config.batch_input_shape;
      if (i !== 0 || !Array.isArray(target) || target.length !== 3 || !target.every((v) => Number.isInteger(v) && v > 0)) {
        throw new DataError(`${at(name)}: a model source's Reshape must come first and make [height, width, channels] images`);
      }
      inputShape = [target[0], target[1], target[2]];
      const size = inputShape[0] * inputShape[1] * inputShape[2];
      if (Array.isArray(input) && input.length === 2 && input[1] !== size) throw new DataError(`${at(name)} reshapes ${String(input[1])} features to [${inputShape.join(', ')}]`);
      image = [...inputShape];
      features = size;
      continue;
    }
    if (cls === 'Conv2D') {
      if (image === null || flattened) throw new DataError(`${at(name)} is Conv2D outside the image part (a CNN source starts with Reshape and flattens after its conv blocks)`);
      const kernelSize = pair(config.kernel_size);
      const stride = pair(config.strides ?? 1);
      const filters = config.filters;
      if (kernelSize === null || stride === null || typeof filters !== 'number' || config.padding !== 'same') {
        throw new DataError(`${at(name)}: a conv block must have square kernels and strides and 'same' padding`);
      }
      const { kernel, bias } = weightsOf(name);
      const want = [kernelSize, kernelSize, image[2], filters];
      if (kernel.shape.join() !== want.join() || bias.values.length !== filters) {
        throw new DataError(`${at(name)}: kernel ${JSON.stringify(kernel.shape)} does not fit ${image[2]} input channels and ${filters} filters of ${kernelSize}x${kernelSize}`);
      }
      conv.push({ filters, kernel: kernelSize, stride, pool: 1 });
      const block = conv[conv.length - 1]!;
      image = [convOutputSize(image[0], block), convOutputSize(image[1], block), filters];
      layers.push({ name, units: filters, activation: String(config.activation ?? 'linear'), kernel: kernel.values, bias: bias.values });
      continue;
    }
    if (cls === 'MaxPooling2D') {
      const last = conv[conv.length - 1];
      const size = pair(config.pool_size);
      const stride = pair(config.strides ?? config.pool_size);
      if (last === undefined || last.pool !== 1 || flattened || size === null || stride !== size || config.padding !== 'valid') {
        throw new DataError(`${at(name)}: a model source pools once after a conv block, with a square window, its stride and 'valid' padding`);
      }
      // The pool floors what the conv block left, as convOutputSize does.
      conv[conv.length - 1] = { ...last, pool: size };
      image = [Math.floor(image![0] / size), Math.floor(image![1] / size), image![2]];
      continue;
    }
    if (cls === 'Flatten') {
      if (image === null || flattened) throw new DataError(`${at(name)}: Flatten only after the conv blocks of a CNN source`);
      flattened = true;
      features = image[0] * image[1] * image[2];
      continue;
    }
    if (cls !== 'Dense') throw new DataError(`${at(name)} is ${cls}: a model source is an MLP of Dense layers or a tasksieve CNN (Reshape, Conv2D, MaxPooling2D, Flatten, Dense)`);
    if (image !== null && !flattened) throw new DataError(`${at(name)} is Dense before the image is flattened`);
    const { kernel, bias } = weightsOf(name);
    const units = config.units;
    if (typeof units !== 'number') throw new DataError(`${at(name)} has no units`);
    const fanIn = kernel.shape[0] ?? -1;
    if (kernel.shape.length !== 2 || kernel.shape[1] !== units || bias.values.length !== units) {
      throw new DataError(`${at(name)}: kernel ${JSON.stringify(kernel.shape)} does not fit ${units} units`);
    }
    if (features < 0) features = fanIn;
    if (fanIn !== features) throw new DataError(`${at(name)} takes ${fanIn} inputs but the layer before it gives ${features}`);
    features = units;
    layers.push({ name, units, activation: String(config.activation ?? 'linear'), kernel: kernel.values, bias: bias.values });
  }
  if (!layers.some((_, l) => l >= conv.length)) throw new DataError(`${modelPath}: no Dense layer`);
  const inputs = inputShape !== null ? inputShape[0] * inputShape[1] * inputShape[2] : layers[0]!.kernel.length / layers[0]!.units;
  return { inputs, inputShape, conv, layers };
}

function readBytes(path: string, missing: string): Buffer {
  try {
    return readFileSync(path);
  } catch {
    throw new DataError(missing);
  }
}

/** tasksieve-model.json's classNames, as many as the head has outputs. */
function metaClassNames(bytes: Buffer, path: string, outputs: number): readonly string[] {
  let meta: unknown;
  try {
    meta = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new DataError(`${path}: not valid JSON`);
  }
  const names = (meta as { classNames?: unknown } | null)?.classNames;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw new DataError(`${path}: classNames: expected a list of strings`);
  if (names.length !== outputs) throw new DataError(`${path}: ${names.length} class names for a head of ${outputs} outputs`);
  return names as string[];
}

interface Weight {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** The manifest's weights by name, float32 (uint8/uint16-quantised ones dequantised: q x scale + min). */
function decodeWeights(specs: readonly unknown[], bytes: Buffer, path: string): Map<string, Weight> {
  const out = new Map<string, Weight>();
  let offset = 0;
  for (const raw of specs) {
    const spec = raw as { name?: unknown; shape?: unknown; dtype?: unknown; quantization?: { dtype?: unknown; scale?: unknown; min?: unknown } };
    const shape = Array.isArray(spec.shape) ? spec.shape.map(Number) : [];
    const count = shape.reduce((a, b) => a * b, 1);
    const q = spec.quantization;
    const width = q === undefined ? 4 : q.dtype === 'uint8' ? 1 : 2;
    if (spec.dtype !== 'float32' && spec.dtype !== 'int32') throw new DataError(`${path}: weight ${String(spec.name)} has dtype ${String(spec.dtype)}`);
    if (offset + count * width > bytes.byteLength) throw new DataError(`${path}: ${bytes.byteLength} bytes, shorter than the weights manifest needs (corrupt or from another model)`);
    const values = new Float32Array(count);
    const view = new DataView(bytes.buffer, bytes.byteOffset + offset, count * width);
    for (let i = 0; i < count; i++) {
      if (q === undefined) values[i] = spec.dtype === 'int32' ? view.getInt32(4 * i, true) : view.getFloat32(4 * i, true);
      else values[i] = (q.dtype === 'uint8' ? view.getUint8(i) : view.getUint16(2 * i, true)) * Number(q.scale) + Number(q.min);
    }
    offset += count * width;
    out.set(String(spec.name), { shape, values });
  }
  if (offset !== bytes.byteLength) throw new DataError(`${path}: ${bytes.byteLength} bytes, the weights manifest needs ${offset} (corrupt or from another model)`);
  return out;
}

/** Initial weights of a unit's layers from its chosen model sources (StrategyInput.pretrained). */
export interface PretrainedLayers {
  /** Per weight layer from the input (a CNN's conv blocks, then Dense layers), the head last: kernel and bias, row-major. */
  readonly layers: readonly { readonly kernel: Float32Array; readonly bias: Float32Array }[];
}

/**
 * Several chosen model sources mean their weights averaged, layer by layer (a "model soup"; Wortsman
 * et al. 2022): load time made every model source fit the study's one model, so they all have the
 * same shapes, and the unit's trunk stays the study's model (concatenated features would widen it).
 * The head's columns are moved to the target's class order by label value (`targetClasses`, width
 * `numClasses`); a target class no model has gets zero weights. The caller re-initialises the head
 * under `head: reinit`, so the head's mapping matters only under `keep`.
 */
export function averagedLayers(models: readonly ModelFolder[], targetClasses: readonly string[], numClasses: number): PretrainedLayers {
  const first = models[0];
  if (first === undefined) throw new DataError('no model source to initialise from');
  const body = first.layers.slice(0, -1).map((layer, l) => {
    const kernel = new Float32Array(layer.kernel.length);
    const bias = new Float32Array(layer.bias.length);
    for (const m of models) {
      const other = m.layers[l]!;
      for (let i = 0; i < kernel.length; i++) kernel[i]! += other.kernel[i]! / models.length;
      for (let i = 0; i < bias.length; i++) bias[i]! += other.bias[i]! / models.length;
    }
    return { kernel, bias };
  });
  const fanIn = first.layers[first.layers.length - 1]!.kernel.length / first.layers[first.layers.length - 1]!.units;
  const kernel = new Float32Array(fanIn * numClasses);
  const bias = new Float32Array(numClasses);
  for (const m of models) {
    const head = m.layers[m.layers.length - 1]!;
    m.classNames.forEach((name, c) => {
      const k = targetClasses.indexOf(name);
      if (k < 0 || k >= numClasses) return; // Not a target class: load time refused it under keep.
      for (let r = 0; r < fanIn; r++) kernel[r * numClasses + k]! += head.kernel[r * head.units + c]! / models.length;
      bias[k]! += head.bias[c]! / models.length;
    });
  }
  return { layers: [...body, { kernel, bias }] };
}
