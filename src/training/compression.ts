// Compression after training: magnitude pruning and int8 post-training quantisation of a model's
// kernels (Dense and conv), in place, and the model's size (parameters, non-zeros, bytes). Worker side; gets tfjs
// passed in. Must not import the store, the CLI or YAML parsing.
import type { DenseStack } from './dense.js';
import type { ModelSize, Tf } from './types.js';

/**
 * Layer-wise magnitude pruning (Han et al. 2015, without retraining): zeroes, in every kernel, the
 * floor(sparsity x size) weights of smallest magnitude (a tie goes to the lower index, so exactly
 * that many); biases are kept. Layer-wise rather than one global threshold because the layers'
 * initial scales differ (He vs Glorot, fan-in): a global threshold can wipe out the whole head.
 * Returns each kernel's mask (1 kept, 0 pruned) for retraining with the pruned weights held at zero.
 */
export function pruneByMagnitude(tf: Tf, mlp: DenseStack, sparsity: number): Float32Array[] {
  if (!(sparsity >= 0 && sparsity < 1)) throw new RangeError(`prune sparsity must be in [0, 1) (got ${sparsity})`);
  return mlp.dense.map((d) => {
    const values = Float32Array.from(d.kernel.dataSync());
    const mask = new Float32Array(values.length).fill(1);
    const cut = Math.floor(sparsity * values.length);
    if (cut === 0) return mask;
    const order = Array.from({ length: values.length }, (_, i) => i);
    order.sort((a, b) => Math.abs(values[a] as number) - Math.abs(values[b] as number) || a - b);
    for (let i = 0; i < cut; i++) {
      values[order[i] as number] = 0;
      mask[order[i] as number] = 0;
    }
    tf.tidy(() => d.kernel.assign(tf.tensor(values, d.kernel.shape)));
    return mask;
  });
}

/**
 * Symmetric int8 quantisation of every kernel with one scale per output unit (max |w| / 127), the
 * weights replaced by their dequantised values, so the model then computes exactly what an int8
 * kernel would (zeros stay zeros). Biases are kept in float32.
 */
export function quantizeInt8(tf: Tf, mlp: DenseStack): void {
  for (const d of mlp.dense) {
    const values = Float32Array.from(d.kernel.dataSync());
    // The output units are the last axis (Dense [in, out], conv [k, k, in, filters]): row-major, the
    // kernel is a [size / out, out] matrix either way.
    const cols = d.kernel.shape[d.kernel.shape.length - 1] as number;
    const rows = d.kernel.size / cols;
    for (let c = 0; c < cols; c++) {
      let max = 0;
      for (let r = 0; r < rows; r++) max = Math.max(max, Math.abs(values[r * cols + c] as number));
      if (max === 0) continue;
      const scale = max / 127;
      for (let r = 0; r < rows; r++) {
        const q = Math.max(-127, Math.min(127, Math.round((values[r * cols + c] as number) / scale)));
        values[r * cols + c] = q * scale;
      }
    }
    tf.tidy(() => d.kernel.assign(tf.tensor(values, d.kernel.shape)));
  }
}

/** Parameters, non-zeros and storage bytes of the model (`int8`: its kernels are int8). */
export function modelSize(mlp: DenseStack, int8: boolean): ModelSize {
  let params = 0;
  let nonzeros = 0;
  let bytes = 0;
  for (const d of mlp.dense) {
    for (const v of [d.kernel, d.bias]) {
      const values = v.dataSync();
      params += values.length;
      for (let i = 0; i < values.length; i++) if (values[i] !== 0) nonzeros += 1;
    }
    bytes += int8 ? d.kernel.size + 4 * d.units + 4 * d.bias.size : 4 * (d.kernel.size + d.bias.size);
  }
  return { params, nonzeros, bytes };
}
