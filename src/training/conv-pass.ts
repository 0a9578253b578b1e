// The CNN's forward and backward pass: convolution blocks (conv2d with 'same' padding, max pooling,
// the activation) below the Dense layers of forward-backward.ts, with the gradients of the trainable
// conv kernels and biases and of the input (FGSM). Worker side; gets tfjs passed in. Must not import
// the store, the CLI or YAML parsing.
//
// Why by hand, not tfjs autodiff: the wasm backend has no Conv2DBackpropFilter kernel (autodiff of
// conv2d fails there), and its Conv2DBackpropInput is a plain loop several times slower than a
// convolution. Both gradients are written as forward convolutions (XNNPACK on wasm): the kernel
// gradient as a convolution of the input with the output gradient (batch and channel axes swapped),
// the input gradient (stride 1) as a convolution with the flipped kernel. The activation runs after
// the pooling (it is monotone, so max-then-activate equals activate-then-max exactly), so its
// gradient is taken on the pooled, 4x smaller tensor. The pass is checked against tfjs autodiff (on
// the cpu backend) in the tests.
//
// On wasm, max-pooled blocks run forward and backward on the SIMD kernels of conv-pool-kernel.ts
// (in tfjs's heap: no conv output the size of the image, gradients only where the pool routes
// them) and the Dense layers' products on heap-dense.ts; the convolutions above serve the blocks
// without pooling and every block on other backends. Measured on the benchmark's CNN: see
// docs/benchmarks.md, 2026-12-07.
import type * as tfjs from '@tensorflow/tfjs';
import type { Activation } from '../spec/study.js';
import { wasmInternals, type WasmBackendInternals } from './adam-kernel.js';
import { heapBlockBackward, heapBlockForward, samePadding, type HeapTrace } from './conv-pool-kernel.js';
import { activate } from './dense.js';
import { activationGrad, forwardBackward, forwardLogits, type LayerWeights, type LoopConstants, type PassOptions, type PassResult, type PassTargets } from './forward-backward.js';
import { heapDenseProducts } from './heap-dense.js';
import type { Tf } from './types.js';

/** The weights one pass uses for a conv block, and its geometry. */
export interface ConvWeights {
  /** [kernel, kernel, in channels, filters]. */
  readonly kernel: tfjs.Tensor4D;
  readonly bias: tfjs.Tensor1D;
  readonly trainable: boolean;
  readonly stride: number;
  /** Max-pooling window and stride (1: none). */
  readonly pool: number;
}

/** The conv blocks and Dense layers of a pass, and the image shape rows are reshaped to. */
export interface CnnWeights {
  readonly inputShape: readonly [number, number, number];
  readonly conv: readonly ConvWeights[];
  /** Dense hidden layers, then the head. */
  readonly dense: readonly LayerWeights[];
  readonly activation: Activation;
}

/** What the backward pass of one block needs from its forward pass. */
interface BlockTrace {
  /** A pooled block run by the heap kernels (wasm): what their backward pass reads; null otherwise. */
  readonly heap: HeapTrace | null;
  readonly input: tfjs.Tensor4D;
  /** The convolution's output (with bias, before pooling and activation); null without pooling. */
  readonly z: tfjs.Tensor4D | null;
  /** The pooled z; null without pooling. */
  readonly pooled: tfjs.Tensor4D | null;
  /** The block's output (after the activation). */
  readonly output: tfjs.Tensor4D;
}

/**
 * One block forward; `trace` records what its backward pass needs. On wasm (`heap` non-null) a
 * pooled block runs on the heap kernels of conv-pool-kernel.ts. Call inside tf.tidy.
 */
function blockForward(tf: Tf, x: tfjs.Tensor4D, w: ConvWeights, activation: Activation, heap: WasmBackendInternals | null): BlockTrace {
  if (w.pool > 1 && heap !== null) {
    const trace = heapBlockForward(tf, heap, x, w, activation);
    return { heap: trace, input: x, z: null, pooled: null, output: trace.output };
  }
  if (w.pool > 1) {
    const z = tf.fused.conv2d({ x, filter: w.kernel, strides: w.stride, pad: 'same', bias: w.bias }) as tfjs.Tensor4D;
    const pooled = tf.maxPool(z, w.pool, w.pool, 'valid');
    return { heap: null, input: x, z, pooled, output: activate(tf, activation, pooled) };
  }
  const output =
    activation === 'tanh'
      ? tf.tanh(tf.fused.conv2d({ x, filter: w.kernel, strides: w.stride, pad: 'same', bias: w.bias }) as tfjs.Tensor4D)
      : (tf.fused.conv2d({ x, filter: w.kernel, strides: w.stride, pad: 'same', bias: w.bias, activation }) as tfjs.Tensor4D);
  return { heap: null, input: x, z: null, pooled: null, output };
}

/** The conv blocks' output, flattened to rows (what the first Dense layer reads). Call inside tf.tidy. */
export function convFeatures(tf: Tf, weights: CnnWeights, x: tfjs.Tensor2D): tfjs.Tensor2D {
  const heap = wasmInternals(tf);
  let h = tf.reshape(x, [x.shape[0], ...weights.inputShape]) as tfjs.Tensor4D;
  for (const w of weights.conv) h = blockForward(tf, h, w, weights.activation, heap).output;
  return tf.reshape(h, [x.shape[0], -1]) as tfjs.Tensor2D;
}

/** The head's logits for `x` (no dropout: inference). Call inside tf.tidy. */
export function cnnLogits(tf: Tf, weights: CnnWeights, x: tfjs.Tensor2D): tfjs.Tensor2D {
  return forwardLogits(tf, weights.dense, weights.activation, convFeatures(tf, weights, x));
}

/**
 * One forward and backward pass of a batch: conv blocks, then forwardBackward over the Dense layers
 * (`masks` are the Dense layers' dropout masks). The gradients come as [kernel, bias] of each
 * trainable layer from the input, conv blocks first; blocks below the lowest one that needs a
 * gradient only run forward. Call inside tf.tidy.
 */
export function cnnForwardBackward(
  tf: Tf,
  weights: CnnWeights,
  x: tfjs.Tensor2D,
  targets: PassTargets,
  masks: readonly (Float32Array | null)[],
  constants: LoopConstants,
  options: PassOptions = {},
): PassResult {
  const n = x.shape[0];
  const weightGrads = options.weightGrads ?? true;
  const lowestTrainable = weightGrads ? weights.conv.findIndex((w) => w.trainable) : -1;
  const lowest = options.inputGrad ? 0 : lowestTrainable;
  const traces: BlockTrace[] = [];
  const heap = wasmInternals(tf);
  let h = tf.reshape(x, [n, ...weights.inputShape]) as tfjs.Tensor4D;
  for (const w of weights.conv) {
    const trace = blockForward(tf, h, w, weights.activation, heap);
    traces.push(trace);
    h = trace.output;
  }
  const flat = tf.reshape(h, [n, -1]) as tfjs.Tensor2D;
  const needConv = lowest >= 0;
  const dense = forwardBackward(tf, weights.dense, weights.activation, flat, targets, masks, constants, {
    ...options,
    inputGrad: needConv,
    ...(heap !== null ? { products: heapDenseProducts(tf, heap) } : {}),
  });
  if (!needConv) return { ...dense, inputGrad: null };
  const convGrads: tfjs.Tensor[][] = [];
  let grad = tf.reshape(dense.inputGrad!, h.shape) as tfjs.Tensor4D;
  let inputGrad: tfjs.Tensor2D | null = null;
  for (let i = weights.conv.length - 1; i >= lowest; i--) {
    const w = weights.conv[i]!;
    const trace = traces[i]!;
    // Through the activation (on the pooled tensor), then the pooling (to the max of each window).
    // On the heap kernels both are taken in the kernel (relu) or just before it.
    const want = { kernel: weightGrads && w.trainable, input: i > lowest || options.inputGrad === true };
    const { kernel, bias, input } =
      trace.heap !== null
        ? heapBlockBackward(tf, heap!, trace.heap, grad, w, weights.activation, constants, want)
        : denseConvGrads(tf, trace, activationGrad(tf, grad, trace.output, weights.activation, constants), w, want);
    if (want.kernel) convGrads.unshift([kernel!, bias!]);
    if (i === lowest) {
      if (options.inputGrad) inputGrad = tf.reshape(input!, [n, -1]) as tfjs.Tensor2D;
      break;
    }
    grad = input!;
  }
  return { ...dense, grads: [...convGrads.flat(), ...dense.grads], inputGrad };
}

/**
 * A block's kernel and input gradients through the dense conv output gradient (the pooling's
 * gradient built in full, then forward convolutions): blocks without pooling, and every block off
 * wasm (the cpu backend of the tests).
 */
function denseConvGrads(
  tf: Tf,
  trace: BlockTrace,
  dPooled: tfjs.Tensor4D,
  w: ConvWeights,
  want: { readonly kernel: boolean; readonly input: boolean },
): { kernel: tfjs.Tensor4D | null; bias: tfjs.Tensor1D | null; input: tfjs.Tensor4D | null } {
  const dz = trace.z !== null ? maxPoolGrad(tf, dPooled, trace.z, trace.pooled!, w.pool) : dPooled;
  return {
    kernel: want.kernel ? kernelGrad(tf, trace.input, dz, w) : null,
    // Pooling routes each gradient to exactly one position: the bias gradient is the pooled sum.
    bias: want.kernel ? (tf.sum(dPooled, [0, 1, 2]) as tfjs.Tensor1D) : null,
    input: want.input ? inputGradOf(tf, dz, w, trace.input.shape) : null,
  };
}

/**
 * The gradient of max pooling (window and stride `pool`, 'valid'): each window's gradient goes to the
 * first position (row-major in the window) holding its max, as tfjs's cpu kernel does. In plain
 * JavaScript on the read-back arrays: the wasm backend's MaxPoolGrad kernel loses windows (it
 * disagrees with the cpu kernel on some images with a batch > 1) and is slower than this loop, and
 * the first-max rule matters on images with flat regions, where a window holds several equal maxima.
 */
function maxPoolGrad(tf: Tf, dy: tfjs.Tensor4D, input: tfjs.Tensor4D, pooled: tfjs.Tensor4D, pool: number): tfjs.Tensor4D {
  const [n, height, width, channels] = input.shape;
  const dx = poolGradient(input.dataSync() as Float32Array, pooled.dataSync() as Float32Array, dy.dataSync() as Float32Array, [n, height, width, channels], pool);
  return tf.tensor4d(dx, input.shape);
}

/** maxPoolGrad's loop over row-major [n, H, W, C] arrays: the first max of each pool x pool window gets its gradient. */
export function poolGradient(
  input: Float32Array,
  pooled: Float32Array,
  dy: Float32Array,
  [n, height, width, channels]: readonly [number, number, number, number],
  pool: number,
): Float32Array {
  const outH = Math.floor(height / pool);
  const outW = Math.floor(width / pool);
  const dx = new Float32Array(input.length);
  const rowStride = width * channels;
  if (pool === 2) {
    // The common case unrolled: the window's four positions in row-major order, the first max wins.
    for (let b = 0; b < n; b++) {
      for (let i = 0; i < outH; i++) {
        for (let j = 0; j < outW; j++) {
          const out = ((b * outH + i) * outW + j) * channels;
          const corner = ((b * height + 2 * i) * width + 2 * j) * channels;
          for (let c = 0; c < channels; c++) {
            const max = pooled[out + c];
            const k = corner + c;
            const at =
              input[k] === max ? k : input[k + channels] === max ? k + channels : input[k + rowStride] === max ? k + rowStride : input[k + rowStride + channels] === max ? k + rowStride + channels : -1;
            if (at >= 0) dx[at] = dy[out + c] as number;
          }
        }
      }
    }
    return dx;
  }
  // Channels innermost (contiguous in memory); `found` marks the channels whose max is placed.
  const found = new Uint8Array(channels);
  for (let b = 0; b < n; b++) {
    for (let i = 0; i < outH; i++) {
      for (let j = 0; j < outW; j++) {
        const out = ((b * outH + i) * outW + j) * channels;
        const corner = ((b * height + i * pool) * width + j * pool) * channels;
        found.fill(0);
        for (let a = 0; a < pool; a++) {
          for (let d = 0; d < pool; d++) {
            const base = corner + a * rowStride + d * channels;
            for (let c = 0; c < channels; c++) {
              // A NaN max matches nothing: its gradient is dropped (the loss check stops the run anyway).
              if (found[c] === 0 && input[base + c] === pooled[out + c]) {
                dx[base + c] = dy[out + c] as number;
                found[c] = 1;
              }
            }
          }
        }
      }
    }
  }
  return dx;
}

/**
 * dLoss/dKernel of a 'same' convolution: dW[a, b, c, f] = sum over n, i, j of
 * xpad[n, i*s + a, j*s + b, c] dz[n, i, j, f], computed as one convolution of the padded input with
 * the batch and channel axes swapped ([c, H, W, n]) by the output gradient as the filter
 * ([oh, ow, n, f], dilated by the stride).
 */
function kernelGrad(tf: Tf, x: tfjs.Tensor4D, dz: tfjs.Tensor4D, w: ConvWeights): tfjs.Tensor4D {
  const [k, , inC, filters] = w.kernel.shape;
  const [, height, width] = x.shape;
  if (k * k * inC <= IM2COL_MAX_PATCH) return kernelGradIm2col(tf, x, dz, w);
  const [top, bottom] = samePadding(height, k, w.stride);
  const [left, right] = samePadding(width, k, w.stride);
  const padded = top + bottom + left + right > 0 ? tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]) : x;
  const swapped = tf.transpose(padded, [3, 1, 2, 0]);
  const filter = tf.transpose(dz, [1, 2, 0, 3]);
  let out = tf.conv2d(swapped, filter, 1, 'valid', 'NHWC', w.stride) as tfjs.Tensor4D; // [c, >= k, >= k, f]
  if (out.shape[1] !== k || out.shape[2] !== k) out = tf.slice(out, [0, 0, 0, 0], [inC, k, k, filters]);
  return tf.transpose(out, [1, 2, 0, 3]);
}

/**
 * Patch sizes (k x k x in channels) up to which the kernel gradient is one matMul of the transposed
 * im2col matrix, built in JavaScript, by the output gradient: for the first block of grayscale
 * images (3 x 3 x 1 = 9) the swapped-axes convolution is a 28 x 28 filter over 32 channels, and this
 * costs about 12% less of the whole step (measured interleaved on the benchmark's CNN, wasm, before
 * pooled blocks moved to the heap kernels: it now serves unpooled blocks and the cpu backend); for
 * the second block (3 x 3 x 16 = 144) the matrix is too large to build and the convolution wins.
 */
const IM2COL_MAX_PATCH = 27;

/** dW = P^T dz, P^T [k*k*c, n*oh*ow] the input's 'same'-padded patches (zero outside), row (a, b, c). */
function kernelGradIm2col(tf: Tf, x: tfjs.Tensor4D, dz: tfjs.Tensor4D, w: ConvWeights): tfjs.Tensor4D {
  const [k, , inC, filters] = w.kernel.shape;
  const [n, height, width] = x.shape;
  const [, outH, outW] = dz.shape;
  const [top] = samePadding(height, k, w.stride);
  const [left] = samePadding(width, k, w.stride);
  const values = x.dataSync() as Float32Array;
  const columns = n * outH * outW;
  const patches = new Float32Array(k * k * inC * columns);
  for (let a = 0; a < k; a++) {
    for (let b = 0; b < k; b++) {
      for (let c = 0; c < inC; c++) {
        const row = ((a * k + b) * inC + c) * columns;
        for (let s = 0; s < n; s++) {
          for (let i = 0; i < outH; i++) {
            const y = i * w.stride + a - top;
            if (y < 0 || y >= height) continue;
            const at = row + (s * outH + i) * outW;
            const from = (s * height + y) * width;
            for (let j = 0; j < outW; j++) {
              const xx = j * w.stride + b - left;
              if (xx >= 0 && xx < width) patches[at + j] = values[(from + xx) * inC + c] as number;
            }
          }
        }
      }
    }
  }
  const grad = tf.matMul(tf.tensor2d(patches, [k * k * inC, columns]), tf.reshape(dz, [columns, filters]) as tfjs.Tensor2D);
  return tf.reshape(grad, [k, k, inC, filters]) as tfjs.Tensor4D;
}

/**
 * dLoss/dInput of a 'same' convolution. Stride 1: a convolution of dz with the kernel flipped in
 * space and its channel axes swapped, padded by what the forward padding left over. Larger strides:
 * tfjs's Conv2DBackpropInput kernel.
 */
function inputGradOf(tf: Tf, dz: tfjs.Tensor4D, w: ConvWeights, inputShape: readonly number[]): tfjs.Tensor4D {
  const [k] = w.kernel.shape;
  const shape = inputShape as [number, number, number, number];
  if (w.stride === 1) {
    const [top, bottom] = samePadding(shape[1], k, 1);
    const [left, right] = samePadding(shape[2], k, 1);
    const flipped = tf.transpose(tf.reverse(w.kernel, [0, 1]), [0, 1, 3, 2]);
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [bottom, top], [right, left], [0, 0]];
    return tf.conv2d(dz, flipped, 1, top === bottom && left === right ? 'same' : pad);
  }
  return tf.engine().runKernel(
    'Conv2DBackpropInput',
    { dy: dz, filter: w.kernel },
    { strides: [w.stride, w.stride], pad: 'same', dataFormat: 'NHWC', inputShape: shape },
  ) as tfjs.Tensor4D;
}
