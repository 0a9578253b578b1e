// Stacked training: K MLPs of one architecture trained together in one WebAssembly memory by the
// kernels of stack-kernel.wat (matrix products, relu's derivative, Adam), each with its own rows,
// batches, random streams, optimizer state, epochs and early stop, as trainModel would train it
// alone. Worker side; gets tfjs passed in (only to read and write the models' weights). Must not
// import the store, the CLI or YAML parsing.
//
// Why not tfjs: a small MLP's step is dominated by per-op dispatch (≈26 tfjs ops per step, plus a
// tidy and a read-back), and the wasm backend's batched matMul (rank 3, batch > 1) is ~16x slower
// than K separate products (measured: 8 x [32,64]x[64,128] 2.1 ms batched against 0.63 ms looped).
// Here a stack's pass is a few direct kernel calls per layer and model with no allocation; each
// model is a slice of the stacked arrays ([K, in, out] kernels, [K, out] biases, [K, rows, width]
// activations), so unequal row counts need no padding: every model's products run over its own rows.
//
// Equivalence: the same batches, masks and Adam update (the fused kernel, bit for bit) as trainModel;
// the products sum in another order than XNNPACK's, so weights agree to float rounding (the tests
// bound it), not bit for bit.
import type * as tfjs from '@tensorflow/tfjs';
import type { Dataset } from '../data/types.js';
import type { Activation } from '../spec/study.js';
import { NonFiniteLossError } from '../errors.js';
import type { Rng } from '../util/rng.js';
import { batchFiller, phaseBatchSize, phaseStreams, type TrainOptions, type TrainStats } from './epoch-loop.js';
import { rowLogLikelihood } from './forward-backward.js';
import { Mlp } from './mlp.js';
import { rowSoftmax } from './heap-softmax.js';
import { StackMemory, type Region } from './stack-kernel.js';
import type { Batch, Tf, TrainableModel } from './types.js';

/** One unit's phase in a stack: what trainModel(model, data, options) would get. */
export interface StackMember {
  readonly model: TrainableModel;
  readonly data: Dataset;
  readonly options: TrainOptions;
}

/** Per member: its statistics, or the error trainModel would have thrown for it (the others go on). */
export type StackOutcome = { readonly ok: true; readonly stats: TrainStats } | { readonly ok: false; readonly error: Error };

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPSILON = 1e-7;
const f = Math.fround;

/**
 * Why `members` cannot train in one stack, or null when they can: every model an MLP of the same
 * widths, activation and trainable layers; the same batch size; Adam; no FGSM copies, consistency
 * rows, distillation or domain alignment (their extra passes are not stacked yet).
 */
export function stackRefusal(members: readonly StackMember[]): string | null {
  if (members.length === 0) return 'an empty stack';
  const first = members[0]!;
  if (!(first.model instanceof Mlp)) return `a ${first.model.kind} model does not stack (MLPs only)`;
  const widths = mlpWidths(first.model).join('-');
  const trainable = first.model.trainableLayers().join(',');
  for (const [i, m] of members.entries()) {
    const { model, options, data } = m;
    if (!(model instanceof Mlp)) return `member ${i}: a ${model.kind} model does not stack (MLPs only)`;
    if (mlpWidths(model).join('-') !== widths) return `member ${i}: widths ${mlpWidths(model).join('-')} differ from ${widths}`;
    if (model.activation !== first.model.activation) return `member ${i}: activation ${model.activation} differs from ${first.model.activation}`;
    if (model.trainableLayers().join(',') !== trainable) return `member ${i}: other layers are frozen`;
    if (options.batchSize !== first.options.batchSize) return `member ${i}: batch size ${options.batchSize} differs from ${first.options.batchSize}`;
    if (options.optimizer !== 'adam') return `member ${i}: optimizer ${options.optimizer} does not stack (adam only)`;
    if (options.adversarial && options.adversarial.epsilon > 0 && options.adversarial.ratio > 0) return `member ${i}: FGSM training does not stack`;
    if (options.consistency && options.consistency.weight > 0 && options.consistency.rows > 0) return `member ${i}: consistency rows do not stack`;
    if (options.distill) return `member ${i}: distillation does not stack`;
    if (options.alignment && options.alignment.rows > 0) return `member ${i}: domain alignment (align, dann) does not stack`;
    if (options.featureGradient) return `member ${i}: a feature gradient (bss) does not stack`;
    if (data.rows > 0 && data.cols !== model.inputs) return `member ${i}: the data has ${data.cols} features but the model expects ${model.inputs}`;
  }
  return null;
}

function mlpWidths(model: Mlp): number[] {
  return [model.inputs, ...model.dense.map((d) => d.units)];
}

/** A member while it trains: its streams, batches, optimizer clock and where its epoch stands. */
interface Live {
  readonly index: number;
  readonly member: StackMember;
  readonly model: Mlp;
  readonly orderRng: Rng;
  readonly dropoutRng: Rng;
  readonly fill: (order: Int32Array, start: number, n: number) => Batch;
  readonly batchSize: number;
  readonly steps: number;
  readonly order: Int32Array;
  epoch: number;
  step: number;
  lossSum: number;
  lossCount: number;
  samples: number;
  epochsRun: number;
  loss: number;
  /** Adam's step count. */
  t: number;
  /** Per trainable variable (kernel, bias alternating, from the input): learning-rate scale. */
  readonly scales: readonly { readonly k: number; readonly perElement: Region | null }[];
  readonly anchors: readonly (Region | null)[];
  readonly decays: readonly number[];
  readonly alpha: number;
}

/**
 * Trains every member as trainModel(model, data, options) would, in one stack; writes each model's
 * weights back when it finishes (and before each of its afterEpoch hooks, which may read the model).
 * Throws RangeError when stackRefusal refuses the members; a member that diverges gets its
 * NonFiniteLossError as its outcome (its weights as they were then) and the others go on.
 */
export function trainStacked(tf: Tf, members: readonly StackMember[]): StackOutcome[] {
  const refusal = stackRefusal(members);
  if (refusal !== null) throw new RangeError(`these units cannot train stacked: ${refusal}`);
  const outcomes: (StackOutcome | null)[] = members.map(({ model, data, options }) =>
    options.epochs <= 0 || data.rows === 0 || !model.trainableLayers().some(Boolean)
      ? { ok: true, stats: { epochs: 0, samples: 0, loss: Number.NaN } }
      : null,
  );
  const training = members.map((m, i) => [m, i] as const).filter(([, i]) => outcomes[i] === null);
  if (training.length === 0) return outcomes as StackOutcome[];
  const first = training[0]![0].model as Mlp;
  const widths = mlpWidths(first);
  const layers = widths.length - 1;
  const trainable = first.trainableLayers();
  const lowest = trainable.findIndex(Boolean);
  const activation = first.activation;
  const batchSize = Math.max(...training.map(([m]) => phaseBatchSize(m.options, m.data.rows)));
  const K = training.length;
  const dropout = first.dropout > 0;

  // Every region up front, so views stay valid: weights and Adam state stacked [K, ...].
  const kernelSize = (l: number) => widths[l]! * widths[l + 1]!;
  let floats = 4;
  for (let l = 0; l < layers; l++) {
    const per = kernelSize(l) + widths[l + 1]!;
    floats += K * per * (trainable[l] ? 4 : 1) + 8;
    floats += K * batchSize * widths[l + 1]! * (dropout ? 4 : 2) + 8;
    if (trainable[l]) floats += 2 * K * kernelSize(l) + 8; // anchors and per-element scales, at most
  }
  floats += K * batchSize * widths[0]! + 2 * Math.max(...widths.slice(0, -1).map((w, l) => w * widths[l + 1]!)) + 64;
  const mem = new StackMemory(floats * 4 + 4096);
  const one = mem.alloc(1);
  mem.f32(one)[0] = 1;
  const W = widths.slice(0, -1).map((_, l) => mem.alloc(K * kernelSize(l)));
  const B = widths.slice(0, -1).map((_, l) => mem.alloc(K * widths[l + 1]!));
  const grad = (l: number) => (trainable[l] ? { w: mem.alloc(K * kernelSize(l)), b: mem.alloc(K * widths[l + 1]!) } : null);
  const GW = widths.slice(0, -1).map((_, l) => grad(l));
  const MW = widths.slice(0, -1).map((_, l) => grad(l));
  const VW = widths.slice(0, -1).map((_, l) => grad(l));
  const X = mem.alloc(K * batchSize * widths[0]!);
  // A[l]: layer l's activation; H[l]: what layer l + 1 reads (A[l] after dropout); D[l]: dLoss/d(pre-activation of l).
  const A = widths.slice(1).map((w) => mem.alloc(K * batchSize * w));
  const H = widths.slice(1).map((w, l) => (dropout && l < layers - 1 ? mem.alloc(K * batchSize * w) : A[l]!));
  const M = widths.slice(1).map((w, l) => (dropout && l < layers - 1 ? mem.alloc(K * batchSize * w) : null));
  const D = widths.slice(1).map((w) => mem.alloc(K * batchSize * w));
  const transposed = mem.alloc(Math.max(...widths.slice(0, -1).map((w, l) => w * widths[l + 1]!)));
  const classes = widths[layers]!;

  const live: Live[] = training.map(([member, index], k) => {
    const model = member.model as Mlp;
    const { options, data } = member;
    // The model's own weights, as they are now (built from its seed, or after an earlier phase).
    model.dense.forEach((d, l) => {
      mem.f32(W[l]!, k * kernelSize(l), kernelSize(l)).set(d.kernel.dataSync() as Float32Array);
      mem.f32(B[l]!, k * widths[l + 1]!, widths[l + 1]!).set(d.bias.dataSync() as Float32Array);
    });
    const streams = phaseStreams(options.seed);
    const own = phaseBatchSize(options, data.rows);
    // As DenseTrainer builds them: a kernel mask scales element by element (times the layer's
    // multiplier), a layer multiplier as a number; biases take the multiplier.
    const scales: { k: number; perElement: Region | null }[] = [];
    const anchors: (Region | null)[] = [];
    const decays: number[] = [];
    for (let l = 0; l < layers; l++) {
      if (!trainable[l]) continue;
      const lr = options.lrScales?.[l] ?? 1;
      const mask = options.kernelMasks?.[l] ?? null;
      let perElement: Region | null = null;
      if (mask) {
        perElement = mem.alloc(kernelSize(l));
        mem.f32(perElement).set(mask.map((m) => m * lr));
      }
      scales.push({ k: mask ? 1 : lr, perElement }, { k: lr, perElement: null });
      const anchor = options.l2sp && options.anchors ? (options.anchors[l] ?? null) : null;
      let anchorRegion: Region | null = null;
      if (anchor) {
        anchorRegion = mem.alloc(kernelSize(l));
        mem.f32(anchorRegion).set(anchor);
      }
      anchors.push(anchorRegion, null);
      decays.push(f(options.learningRate * (options.weightDecay ?? 0)), 0);
    }
    return {
      index,
      member,
      model,
      orderRng: streams.orderRng,
      dropoutRng: streams.dropoutRng,
      fill: batchFiller(data, options, own, streams.augmentRng),
      batchSize: own,
      steps: Math.ceil(data.rows / own),
      order: new Int32Array(data.rows),
      epoch: 1,
      step: 0,
      lossSum: 0,
      lossCount: 0,
      samples: 0,
      epochsRun: 0,
      loss: Number.NaN,
      t: 0,
      scales,
      anchors,
      decays,
      alpha: f(options.l2sp && options.anchors ? options.l2sp : 0),
    };
  });

  const writeBack = (m: Live, k: number) =>
    tf.tidy(() =>
      m.model.dense.forEach((d, l) => {
        d.kernel.assign(tf.tensor(Float32Array.from(mem.f32(W[l]!, k * kernelSize(l), kernelSize(l))), d.kernel.shape) as tfjs.Tensor);
        d.bias.assign(tf.tensor(Float32Array.from(mem.f32(B[l]!, k * widths[l + 1]!, widths[l + 1]!)), d.bias.shape) as tfjs.Tensor);
      }),
    );
  const finite = (k: number) => {
    for (let l = 0; l < layers; l++) {
      if (!trainable[l]) continue;
      if (!allFinite(mem.f32(W[l]!, k * kernelSize(l), kernelSize(l)))) return false;
      if (!allFinite(mem.f32(B[l]!, k * widths[l + 1]!, widths[l + 1]!))) return false;
    }
    return true;
  };
  const finish = (m: Live, k: number, outcome: StackOutcome) => {
    writeBack(m, k);
    outcomes[m.index] = outcome;
  };

  const pass: Pass = { mem, widths, layers, batchSize, X, H, A, M, D, W, B, GW, MW, VW, activation, one, transposed, classes, lowest, trainable };

  // Rounds: one step of every member still training. Members keep their own epochs and step
  // counts, so one may start its third epoch while another is in its second.
  let active = live.map((m, k) => [m, k] as const);
  const batches: (Batch | null)[] = live.map(() => null);
  const softmax = rowSoftmax(tf, K * batchSize, classes);
  try {
    while (active.length > 0) {
      for (const [m, k] of active) {
        if (m.step === 0) m.orderRng.permutationInto(m.order);
        const start = m.step * m.batchSize;
        const n = Math.min(m.batchSize, m.member.data.rows - start);
        // Each member's batch is its own copy: the filler's buffers are the member's.
        const batch = m.fill(m.order, start, n);
        batches[k] = batch;
        forward(pass, k, batch, m.model.dropoutMasks(n, m.dropoutRng));
      }
      // The softmax of every member's logits in one call of the backend's own softmax kernel, so the
      // probabilities are bit for bit those of the pass alone (its exp is not Math.exp).
      const probabilities = softmax.run(mem.f32(A[layers - 1]!));
      for (const [m, k] of active) {
        const { options } = m.member;
        const batch = batches[k]!;
        const n = batch.n;
        try {
          const p = probabilities.subarray(k * batchSize * classes, (k * batchSize + n) * classes);
          const logLikelihood = backward(pass, k, batch, p);
          // trainModel's step updates the weights before its loss is checked: so does this one.
          adamStep(pass, m, k);
          let batchLoss = 0;
          let allFinite = true;
          for (let i = 0; i < n; i++) {
            const value = logLikelihood[i] as number;
            if (!Number.isFinite(value)) allFinite = false;
            batchLoss -= value;
          }
          if (!Number.isFinite(batchLoss) || !allFinite) {
            const value = Number.isFinite(batchLoss) ? Number.NaN : batchLoss;
            throw new NonFiniteLossError(`loss became ${value} at epoch ${m.epoch} of ${options.phase}`);
          }
          m.lossSum += batchLoss;
          m.lossCount += n;
          m.step += 1;
          if (m.step < m.steps) continue;
          // The end of the member's epoch: as runEpochs ends one.
          m.loss = m.lossSum / m.lossCount;
          if (!finite(k)) throw new NonFiniteLossError(`weights became non-finite at epoch ${m.epoch} of ${options.phase}`);
          m.epochsRun = m.epoch;
          m.samples += m.lossCount;
          let go = m.epoch < options.epochs;
          if (options.afterEpoch) {
            writeBack(m, k);
            go = options.afterEpoch(m.epoch, m.loss) && go;
          }
          if (!go) {
            finish(m, k, { ok: true, stats: { epochs: m.epochsRun, samples: m.samples, loss: m.loss } });
            continue;
          }
          m.epoch += 1;
          m.step = 0;
          m.lossSum = 0;
          m.lossCount = 0;
        } catch (error) {
          if (!(error instanceof Error)) throw error;
          finish(m, k, { ok: false, error });
        }
      }
      active = active.filter(([m]) => outcomes[m.index] === null);
    }
  } finally {
    softmax.dispose();
  }
  return outcomes as StackOutcome[];
}

/**
 * A stack's arrays and shape, for the pass and the optimizer step. Those are module functions, not
 * closures of trainStacked: V8 keeps type feedback per closure, and a phase of a few dozen steps
 * would otherwise run its hot loop cold in every call.
 */
interface Pass {
  readonly mem: StackMemory;
  readonly widths: readonly number[];
  readonly layers: number;
  readonly batchSize: number;
  readonly X: Region;
  readonly H: readonly Region[];
  readonly A: readonly Region[];
  readonly M: readonly (Region | null)[];
  readonly D: readonly Region[];
  readonly W: readonly Region[];
  readonly B: readonly Region[];
  readonly GW: readonly ({ readonly w: Region; readonly b: Region } | null)[];
  readonly MW: readonly ({ readonly w: Region; readonly b: Region } | null)[];
  readonly VW: readonly ({ readonly w: Region; readonly b: Region } | null)[];
  readonly activation: Activation;
  readonly one: Region;
  readonly transposed: Region;
  readonly classes: number;
  readonly lowest: number;
  readonly trainable: readonly boolean[];
}

/** The forward pass of member k (slot k of every stacked array) on its next batch, to the logits. */
function forward(s: Pass, k: number, batch: Batch, masks: readonly (Float32Array | null)[]): void {
  const { mem, widths, layers, batchSize, X, H, A, M, W, B, activation } = s;
  const kernelSize = (l: number) => widths[l]! * widths[l + 1]!;
  const n = batch.n;
  const rows = (l: number) => k * batchSize * widths[l + 1]!;
  const xOffset = k * batchSize * widths[0]!;
  mem.f32(X, xOffset, n * widths[0]!).set(batch.x);
  // Forward: A[l] = act(H[l-1] W[l] + b[l]) (relu fused into the product), H[l] = A[l] x mask.
  for (let l = 0; l < layers; l++) {
    const fanIn = widths[l]!;
    const fanOut = widths[l + 1]!;
    const input = l === 0 ? mem.at(X, xOffset) : mem.at(H[l - 1]!, rows(l - 1));
    const hidden = l < layers - 1;
    mem.gemm(input, fanIn, 1, mem.at(W[l]!, k * kernelSize(l)), mem.at(A[l]!, rows(l)), n, fanIn, fanOut, mem.at(B[l]!, k * fanOut), hidden && activation === 'relu' ? 1 : 0);
    if (hidden && activation !== 'relu') activate(mem.f32(A[l]!, rows(l), n * fanOut), activation);
    const mask = masks[l] ?? null;
    if (hidden && mask && M[l]) {
      mem.f32(M[l]!, rows(l), n * fanOut).set(mask);
      mem.f32(H[l]!, rows(l), n * fanOut).set(mem.f32(A[l]!, rows(l), n * fanOut));
      mem.mul(mem.at(H[l]!, rows(l)), mem.at(M[l]!, rows(l)), n * fanOut);
    } else if (H[l] !== A[l]) {
      mem.f32(H[l]!, rows(l), n * fanOut).set(mem.f32(A[l]!, rows(l), n * fanOut));
    }
  }
}

/**
 * The backward pass of member k from its probabilities `p` (n x classes): its log-likelihoods
 * (before the step), and the gradients of its trainable layers in GW.
 */
function backward(s: Pass, k: number, batch: Batch, p: Float32Array): Float64Array {
  const { mem, widths, layers, batchSize, X, H, A, M, D, W, GW, activation, one, transposed, classes, lowest, trainable } = s;
  const kernelSize = (l: number) => widths[l]! * widths[l + 1]!;
  const n = batch.n;
  const rows = (l: number) => k * batchSize * widths[l + 1]!;
  const xOffset = k * batchSize * widths[0]!;
  // dLoss/dlogits = (p - y) x scale, as forward-backward.ts computes it in float32.
  const last = layers - 1;
  const logLikelihood = rowLogLikelihood(batch.y, p, classes);
  const delta = mem.f32(D[last]!, rows(last), n * classes);
  const inverse = f(1 / n);
  for (let r = 0; r < n; r++) {
    const s = batch.scale ? (batch.scale[r] as number) : inverse;
    for (let c = r * classes; c < (r + 1) * classes; c++) delta[c] = f(f((p[c] as number) - (batch.y[c] as number)) * s);
  }
  // Backward down to the lowest trainable layer: kernel gradient H[l-1]^T D[l], bias gradient the
  // column sums of D[l] (a product with a row of ones), D[l-1] = (D[l] W[l]^T) x mask x act'.
  for (let l = last; l >= lowest; l--) {
    const fanIn = widths[l]!;
    const fanOut = widths[l + 1]!;
    const input = l === 0 ? mem.at(X, xOffset) : mem.at(H[l - 1]!, rows(l - 1));
    const d = mem.at(D[l]!, rows(l));
    if (trainable[l]) {
      const g = GW[l]!;
      mem.gemm(input, 1, fanIn, d, mem.at(g.w, k * kernelSize(l)), fanIn, n, fanOut, 0, 0);
      mem.gemm(one.offset, 0, 0, d, mem.at(g.b, k * fanOut), 1, n, fanOut, 0, 0);
    }
    if (l === lowest) break;
    // W[l]^T as a row-major [fanOut, fanIn] matrix, so the product reads it row by row.
    mem.transpose(mem.at(W[l]!, k * kernelSize(l)), transposed.offset, fanIn, fanOut);
    const below = mem.at(D[l - 1]!, rows(l - 1));
    mem.gemm(d, fanOut, 1, transposed.offset, below, n, fanOut, fanIn, 0, 0);
    if (M[l - 1]) mem.mul(below, mem.at(M[l - 1]!, rows(l - 1)), n * fanIn);
    if (activation === 'relu') mem.reluGrad(below, mem.at(A[l - 1]!, rows(l - 1)), n * fanIn);
    else activationGrad(mem.f32(D[l - 1]!, rows(l - 1), n * fanIn), mem.f32(A[l - 1]!, rows(l - 1), n * fanIn), activation);
  }
  return logLikelihood;
}

/** Adam on member k's trainable variables, as the fused optimizer of trainModel steps them. */
function adamStep(s: Pass, m: Live, k: number): void {
  const { mem, widths, layers, W, B, GW, MW, VW, trainable } = s;
  const kernelSize = (l: number) => widths[l]! * widths[l + 1]!;
  m.t += 1;
  const correction = Math.sqrt(1 - BETA2 ** m.t);
  const lrT = f((m.member.options.learningRate * correction) / (1 - BETA1 ** m.t));
  const epsT = f(EPSILON * correction);
  let v = 0;
  for (let l = 0; l < layers; l++) {
    if (!trainable[l]) continue;
    const parts = [
      { w: W[l]!, size: kernelSize(l), g: GW[l]!.w, m: MW[l]!.w, v: VW[l]!.w },
      { w: B[l]!, size: widths[l + 1]!, g: GW[l]!.b, m: MW[l]!.b, v: VW[l]!.b },
    ];
    for (const part of parts) {
      const scale = m.scales[v]!;
      const anchor = m.anchors[v] ?? null;
      const at = (r: Region) => mem.at(r, k * part.size);
      mem.adam(
        at(part.w), at(part.g), at(part.m), at(part.v),
        scale.perElement ? scale.perElement.offset : 0,
        anchor ? anchor.offset : 0,
        part.size,
        f(BETA1), f(1 - BETA1), f(BETA2), f(1 - BETA2), lrT, epsT,
        scale.k, m.alpha, m.decays[v] ?? 0,
      );
      v += 1;
    }
  }
}



/** The hidden activations other than relu (fused into the product), in place. */
function activate(values: Float32Array, activation: Activation): void {
  for (let i = 0; i < values.length; i++) {
    const x = values[i] as number;
    values[i] = activation === 'tanh' ? Math.tanh(x) : activation === 'sigmoid' ? 1 / (1 + Math.exp(-x)) : x > 0 ? x : Math.exp(x) - 1;
  }
}

/** dLoss/d(pre-activation) from dLoss/d(activation) `d` (in place) and the activation's output `y`. */
function activationGrad(d: Float32Array, y: Float32Array, activation: Activation): void {
  for (let i = 0; i < d.length; i++) {
    const yi = y[i] as number;
    const di = d[i] as number;
    d[i] = activation === 'tanh' ? di * (1 - yi * yi) : activation === 'sigmoid' ? di * (yi * (1 - yi)) : di * (Math.min(yi, 0) + 1);
  }
}

/**
 * Whether every value is finite: a float64 sum of float32 values cannot overflow, so it is finite
 * exactly when every value is (an index loop: iterating the views with for-of cost ~4% of a
 * quick-start worker). At module level, not a closure per stack: each new closure's loop was
 * compiled on stack replacement and thrown away at the first line after it, which had no type
 * feedback yet (--trace-deopt: ~500 deopts per quick-start run).
 */
function allFinite(values: Float32Array): boolean {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return Number.isFinite(sum);
}
