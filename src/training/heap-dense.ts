// A Dense layer's three matrix products (x W + b, x^T delta, delta W^T) on the wasm backend by the
// stacked pass's gemm and transpose kernels (stack-kernel.wat), instantiated on tfjs's own heap like
// the Adam kernel: the CNN's first Dense layer (1,568 x 64 in the benchmark) otherwise re-packs its
// freshly updated kernel into a new XNNPACK operator on every step and transposes both operands with
// tfjs's generic transpose. Measured alone (wasm, one core, batch 32): x W + b 0.22 against 0.4-0.6
// ms, x^T delta 0.38 against 0.77 ms, delta W^T 0.70 against 0.95 ms. Worker side; gets tfjs passed in.
import type * as tfjs from '@tensorflow/tfjs';
import type { Activation } from '../spec/study.js';
import { heapOffset, type WasmBackendInternals } from './adam-kernel.js';
import { activate } from './dense.js';
import type { DenseProducts, LayerWeights } from './forward-backward.js';
import { heapInstance, heapTensor } from './heap-kernel.js';
import { STACK_KERNEL_WASM } from './stack-kernel.js';
import type { Tf } from './types.js';

/** stack-kernel.wat's exports used here (byte offsets; see the .wat). */
interface GemmKernels {
  gemm(a: number, sai: number, sap: number, b: number, c: number, m: number, k: number, n: number, bias: number, relu: number): void;
  transpose(src: number, dst: number, rows: number, cols: number): void;
}

/** The products on `backend`'s heap; each output a new tensor there. Call inside tf.tidy. */
export function heapDenseProducts(tf: Tf, backend: WasmBackendInternals): DenseProducts {
  const k = heapInstance<GemmKernels>(backend, STACK_KERNEL_WASM);
  const at = (t: tfjs.Tensor) => heapOffset(backend, t);
  const output = (shape: [number, number]) => heapTensor<tfjs.Tensor2D>(tf, backend, shape);
  return {
    forward(x: tfjs.Tensor2D, w: LayerWeights, activation: Activation | null): tfjs.Tensor2D {
      const [m, inner] = x.shape;
      const n = w.kernel.shape[1];
      const out = output([m, n]);
      k.gemm(at(x), inner, 1, at(w.kernel), at(out), m, inner, n, at(w.bias), activation === 'relu' ? 1 : 0);
      return activation === null || activation === 'relu' ? out : activate(tf, activation, out);
    },
    kernelGrad(x: tfjs.Tensor2D, delta: tfjs.Tensor2D): tfjs.Tensor2D {
      // x^T delta: A = x read transposed through its strides.
      const [rows, inner] = x.shape;
      const n = delta.shape[1];
      const out = output([inner, n]);
      k.gemm(at(x), 1, inner, at(delta), at(out), inner, rows, n, 0, 0);
      return out;
    },
    inputGrad(delta: tfjs.Tensor2D, kernel: tfjs.Tensor2D): tfjs.Tensor2D {
      const [m, n] = delta.shape;
      const inner = kernel.shape[0];
      const transposed = output([n, inner]);
      k.transpose(at(kernel), at(transposed), inner, n);
      const out = output([m, inner]);
      k.gemm(at(delta), n, 1, at(transposed), at(out), m, n, inner, 0, 0);
      return out;
    },
  };
}
