// A tfjs LayersModel as TF.js Layers data (topology, weight specs, weight bytes), saved through an
// in-memory tf.io handler (tfjs-node and its file:// handler are not available here), and TF.js's
// own uint8 affine weight quantisation. Worker side; gets tfjs passed in. Must not import the store,
// the CLI or YAML parsing.
import type * as tfjs from '@tensorflow/tfjs';
import type { WeightSpec } from '../spec/artifacts.js';
import type { ExportedModel } from './types.js';

/**
 * Saves `model` through a handler that keeps what tfjs hands it. `quantize(name)`: whether the
 * float32 weight `name` is written uint8-quantised (the loader dequantises it on load).
 */
export async function exportLayersModel(
  model: tfjs.LayersModel,
  quantize: (name: string) => boolean,
): Promise<ExportedModel> {
  let saved: tfjs.io.ModelArtifacts | undefined;
  await model.save({
    save: async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  });
  if (saved?.modelTopology === undefined || saved.weightSpecs === undefined || saved.weightData === undefined) {
    throw new Error('tfjs saved the model without its topology or weights');
  }
  const data = joinBuffers(saved.weightData);
  const specs: WeightSpec[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  let zeros = 0;
  let kernelValues = 0;
  for (const spec of saved.weightSpecs) {
    if (spec.dtype !== 'float32' && spec.dtype !== 'int32') throw new Error(`weight ${spec.name} has dtype ${spec.dtype}: not exportable`);
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = data.subarray(offset, offset + 4 * count);
    offset += 4 * count;
    if (spec.name.endsWith('/kernel') && spec.dtype === 'float32') {
      const values = new Float32Array(bytes.slice().buffer);
      kernelValues += values.length;
      for (const v of values) if (v === 0) zeros += 1;
    }
    if (spec.dtype === 'float32' && quantize(spec.name)) {
      const { q, scale, min } = quantizeUint8(new Float32Array(bytes.slice().buffer));
      specs.push({ name: spec.name, shape: [...spec.shape], dtype: 'float32', quantization: { dtype: 'uint8', scale, min } });
      parts.push(q);
    } else {
      specs.push({ name: spec.name, shape: [...spec.shape], dtype: spec.dtype });
      parts.push(bytes);
    }
  }
  const weights = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    weights.set(p, at);
    at += p.length;
  }
  return { topology: saved.modelTopology, weightSpecs: specs, weights, sparsity: kernelValues === 0 ? 0 : zeros / kernelValues };
}

/**
 * TF.js's uint8 affine quantisation of one tensor (as tensorflowjs_converter --quantize_uint8 does):
 * dequantised = q x scale + min, the range widened to hold 0 and min nudged so that 0 is exactly a
 * level, so pruned weights stay exactly zero after loading.
 */
export function quantizeUint8(values: Float32Array): { q: Uint8Array; scale: number; min: number } {
  let lo = 0;
  let hi = 0;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const q = new Uint8Array(values.length);
  if (hi === lo) return { q, scale: 1, min: 0 };
  const scale = (hi - lo) / 255;
  const zeroPoint = Math.round(-lo / scale);
  const min = -zeroPoint * scale;
  for (let i = 0; i < values.length; i++) {
    q[i] = Math.max(0, Math.min(255, Math.round(((values[i] as number) - min) / scale)));
  }
  return { q, scale, min };
}

function joinBuffers(data: ArrayBuffer | ArrayBuffer[]): Uint8Array {
  if (!Array.isArray(data)) return new Uint8Array(data);
  const out = new Uint8Array(data.reduce((n, b) => n + b.byteLength, 0));
  let at = 0;
  for (const b of data) {
    out.set(new Uint8Array(b), at);
    at += b.byteLength;
  }
  return out;
}
