// What the hand-written kernels that work in tfjs's wasm heap share (conv-pool-kernel.ts,
// heap-dense.ts): a module instantiated once per heap memory, and output tensors allocated in the
// heap for a kernel to write. Worker side; gets tfjs passed in.
import type * as tfjs from '@tensorflow/tfjs';
import type { WasmBackendInternals } from './adam-kernel.js';
import type { Tf } from './types.js';

interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
}
// Reflect.get: the global exists in every Node and browser tfjs runs in; the lib has no type for it.
const WebAssemblyApi: WasmApi = Reflect.get(globalThis, 'WebAssembly');

const instances = new Map<string, WeakMap<WasmMemory, unknown>>();

/** The exports of the module in `base64`, instantiated on the backend's memory (once per module and memory). */
export function heapInstance<T>(backend: WasmBackendInternals, base64: string): T {
  const memory = backend.wasm.asm.memory;
  let byMemory = instances.get(base64);
  if (byMemory === undefined) {
    byMemory = new WeakMap();
    instances.set(base64, byMemory);
  }
  let found = byMemory.get(memory) as T | undefined;
  if (found === undefined) {
    const module = new WebAssemblyApi.Module(Buffer.from(base64, 'base64'));
    found = new WebAssemblyApi.Instance(module, { env: { memory } }).exports as T;
    byMemory.set(memory, found);
  }
  return found;
}

/** The backend's makeOutput (what a kernel needs beyond the Adam kernel's internals), checked once per call. */
type MakeOutput = (shape: number[], dtype: 'float32' | 'bool') => tfjs.TensorInfo;

/** An uninitialised tensor in the wasm heap, for a kernel to write whole. 'bool': 1 byte per element. */
export function heapTensor<T extends tfjs.Tensor>(tf: Tf, backend: WasmBackendInternals, shape: number[], dtype: 'float32' | 'bool' = 'float32'): T {
  // Reflect.get: makeOutput is the wasm backend's, not in the typed internals; checked, not cast.
  const makeOutput: unknown = Reflect.get(backend, 'makeOutput');
  if (typeof makeOutput !== 'function') throw new Error('the wasm backend has no makeOutput (another tfjs-backend-wasm version?)');
  const info = (makeOutput as MakeOutput).call(backend, shape, dtype);
  return tf.engine().makeTensorFromTensorInfo(info) as T;
}
