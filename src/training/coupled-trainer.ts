// Soft parameter sharing's trainer (Duong, Cohn, Bird and Cook 2015): one model per task, each with
// its own trunk and head and its own engine trainer, stepped as one trainer whose batch holds every
// task's rows, the trunks then pulled together by a proximal step on the L2 penalty between them.
// Worker side; gets tfjs passed in. Must not import the store, the CLI or YAML parsing.
import type * as tfjs from '@tensorflow/tfjs';
import { heapOffset, markChanged, wasmInternals } from './adam-kernel.js';
import type { Batch, StepResult, StepTrainer, Tf, TrainableModel, TrainerOptions } from './types.js';

/** Several tasks' trainers as one (task 0: the target). */
export interface CoupledTrainer extends StepTrainer {
  /** Each task's own trainer, in task order. */
  readonly members: readonly StepTrainer[];
}

/**
 * The loss is sum_t (task t's weighted loss on its own model) + weight/2 sum_{k>0} ||W_k - W_0||^2
 * over the trunk kernels (the layers below the head; not biases, not heads: heads are per task by
 * definition, and L2-SP leaves biases alone too). Every step is the optimizer's step on each task's
 * loss, then the exact proximal step of the penalty at step size learningRate (c = learningRate x
 * weight, S sources, V the weights after the optimizer):
 *   W_0 = ((1 + c) V_0 + c sum_k V_k) / (1 + c (1 + S)),   W_k = (V_k + c W_0) / (1 + c).
 * Why not the penalty's gradient inside Adam, as L2-SP does: Adam divides by the gradient's running
 * size, so once a small target fits its rows the pull is taken at full speed whatever the weight
 * (measured: every weight from 0.01 to 10 gave hard sharing's accuracy, not a path between it and
 * independent networks), and a large weight only makes the steps stiff. The proximal step is
 * stable for any weight and spans the range: 0 leaves independent networks, a very large weight
 * sets every trunk to their mean after every step (one trunk, as hard sharing; the optimizers'
 * moments stay per task). `batch.taskRows` gives each task's rows ([taskRows[t], taskRows[t + 1])).
 */
export function coupledTrainer(tf: Tf, models: readonly TrainableModel[], options: TrainerOptions, weight: number): CoupledTrainer {
  const [target, ...sources] = models;
  if (target === undefined || sources.length === 0) throw new RangeError('soft sharing needs the target and at least one source');
  const kernels = models.map((m) => m.trunkKernels());
  const c = options.learningRate * weight;
  const S = sources.length;
  const members: StepTrainer[] = [];
  try {
    for (const model of models) members.push(model.trainer(options));
  } catch (error) {
    for (const m of members) m.dispose();
    throw error;
  }
  const pull = trunkPull(tf, kernels, c);
  const rowsOf = (batch: Batch): readonly number[] => {
    const rows = batch.taskRows;
    if (!rows || rows.length !== models.length + 1) throw new RangeError(`a soft-sharing batch needs the row ranges of its ${models.length} tasks`);
    return rows;
  };
  const part = (batch: Batch, rows: readonly number[], t: number): Batch => slice(batch, rows[t]!, rows[t + 1]!);
  return {
    members,
    inputs: members[0]!.inputs,
    width: members[0]!.width,
    step(batch) {
      const rows = rowsOf(batch);
      const results: StepResult[] = members.map((m, t) => m.step(part(batch, rows, t)));
      if (c > 0) pull();
      const logLikelihood = new Float64Array(batch.n);
      results.forEach((r, t) => logLikelihood.set(r.logLikelihood, rows[t]!));
      return { logLikelihood, taskGradNorms: null };
    },
    inputGradient(batch) {
      const rows = rowsOf(batch);
      const out = new Float32Array(batch.n * members[0]!.inputs);
      members.forEach((m, t) => out.set(m.inputGradient(part(batch, rows, t)), rows[t]! * m.inputs));
      return out;
    },
    // Without task rows the only model that means anything alone is the target's.
    logits: (x, n) => members[0]!.logits(x, n),
    finite: () => members.every((m) => m.finite()),
    dispose() {
      for (const m of members) m.dispose();
    },
  };
}

/** Rows [start, end) of `batch` (targets, scales and dropout masks alike), as views. */
function slice(batch: Batch, start: number, end: number): Batch {
  const { n } = batch;
  const rowsOf = (values: Float32Array) => {
    const width = values.length / n;
    return values.subarray(start * width, end * width);
  };
  return {
    n: end - start,
    x: rowsOf(batch.x),
    y: rowsOf(batch.y),
    scale: batch.scale ? batch.scale.subarray(start, end) : null,
    ...(batch.masks ? { masks: batch.masks.map((m) => (m ? rowsOf(m) : null)) } : {}),
  };
}

/**
 * The proximal step over every trunk layer: in place in the wasm heap when the backend is wasm (a
 * handful of tfjs ops per layer and task cost more than the arithmetic: measured 30% of a step),
 * else in tfjs ops. Coefficients: W_0 = a V_0 + b sum_k V_k, then W_k = p V_k + q W_0.
 */
function trunkPull(tf: Tf, kernels: readonly (readonly tfjs.Variable[])[], c: number): () => void {
  const S = kernels.length - 1;
  const [a, b] = [(1 + c) / (1 + c * (1 + S)), c / (1 + c * (1 + S))];
  const [p, q] = [1 / (1 + c), c / (1 + c)];
  const backend = wasmInternals(tf);
  if (backend === null) {
    return () =>
      tf.tidy(() =>
        kernels[0]!.forEach((target, l) => {
          const own = kernels.slice(1).map((k) => k[l]!);
          const next = tf.add(tf.mul(target, a), tf.mul(own.length === 1 ? own[0]! : tf.addN(own), b));
          for (const k of own) k.assign(tf.add(tf.mul(k, p), tf.mul(next, q)));
          target.assign(next);
        }),
      );
  }
  return () => {
    // Written in place: a variable must not share its values with another tensor (as the fused Adam).
    for (const layer of kernels) for (const v of layer) if (backend.refCount(v.dataId) > 1) tf.tidy(() => v.assign(tf.add(v, tf.scalar(0))));
    const buffer = backend.wasm.asm.memory.buffer;
    kernels[0]!.forEach((target, l) => {
      const view = (v: tfjs.Variable) => new Float32Array(buffer, heapOffset(backend, v), v.size);
      const w0 = view(target);
      const own = kernels.slice(1).map((k) => view(k[l]!));
      for (let i = 0; i < w0.length; i++) {
        let sum = 0;
        for (const w of own) sum += w[i] as number;
        const next = a * (w0[i] as number) + b * sum;
        w0[i] = next;
        for (const w of own) w[i] = p * (w[i] as number) + q * next;
      }
      markChanged(backend, target);
      for (const k of kernels.slice(1)) markChanged(backend, k[l]!);
    });
  };
}
