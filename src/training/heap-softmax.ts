// The softmax of a stack's logits, every round: tfjs's own wasm Softmax kernel (XNNPACK's, whose exp
// is not Math.exp, so the probabilities are bit for bit those of a unit trained alone), called on
// two tensors kept in the wasm heap for the whole stack. tf.softmax per round made a tensor, ran the
// engine's bookkeeping and read the result back: ~12% of a quick-start worker's stacked training.
// Elsewhere (another backend, or a build without the kernel's export) it is tf.softmax. Worker side;
// gets tfjs passed in.
import type * as tfjs from '@tensorflow/tfjs';
import { heapOffset, wasmInternals } from './adam-kernel.js';
import { heapTensor } from './heap-kernel.js';
import type { Tf } from './types.js';

export interface RowSoftmax {
  /** The row-wise softmax of `logits` ([rows, classes] row-major); the array is reused by the next call. */
  run(logits: Float32Array): Float32Array;
  dispose(): void;
}

type SoftmaxKernel = (xId: number, outId: number, channels: number, batch: number) => void;

/** A softmax over `rows` x `classes` logits, for the life of one stack. */
export function rowSoftmax(tf: Tf, rows: number, classes: number): RowSoftmax {
  const out = new Float32Array(rows * classes);
  const backend = wasmInternals(tf);
  // Emscripten's export of the kernel tfjs cwraps as 'Softmax'.
  const kernel: unknown = backend === null ? undefined : Reflect.get(backend.wasm, '_Softmax');
  if (backend === null || typeof kernel !== 'function') {
    return {
      run(logits) {
        const p = tf.tidy(() => tf.softmax(tf.tensor2d(logits, [rows, classes])));
        try {
          out.set(p.dataSync() as Float32Array);
        } finally {
          p.dispose();
        }
        return out;
      },
      dispose() {},
    };
  }
  const softmax = kernel as SoftmaxKernel;
  const x = heapTensor<tfjs.Tensor2D>(tf, backend, [rows, classes]);
  const y = heapTensor<tfjs.Tensor2D>(tf, backend, [rows, classes]);
  const idOf = (t: tfjs.Tensor) => {
    const data = backend.dataIdMap.get(t.dataId);
    if (data === undefined) throw new Error('softmax tensor has no data in the wasm backend (disposed?)');
    return data.id;
  };
  const xId = idOf(x);
  const yId = idOf(y);
  return {
    run(logits) {
      // The heap may have grown (and its old buffer been detached) since the last call.
      const heap = new Float32Array(backend.wasm.asm.memory.buffer);
      heap.set(logits, heapOffset(backend, x) / 4);
      softmax(xId, yId, classes, rows);
      const at = heapOffset(backend, y) / 4;
      out.set(heap.subarray(at, at + rows * classes));
      return out;
    },
    dispose() {
      x.dispose();
      y.dispose();
    },
  };
}
