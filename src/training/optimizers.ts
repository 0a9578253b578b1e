// Lean in-place optimizers (adam, sgd, rmsprop) for the training loop. Worker side; gets tfjs passed
// in. Must not import the store, the CLI or YAML parsing.
//
// Why not tf.train.*: they turn every hyperparameter into a fresh scalar tensor on every step and
// Adam costs ~20 ops per variable; per-op overhead dominates small MLPs on wasm. The update rules and
// defaults are the tfjs/Keras ones (adam: beta1 0.9, beta2 0.999, epsilon 1e-7; rmsprop: rho 0.9,
// epsilon 1e-7, no momentum), so results match tf.train.* to float rounding.
//
// Per-element learning-rate scales (discriminative learning rates) multiply the *update*, not the
// gradient: Adam and RMSprop divide by the gradient's running magnitude, so a scaled gradient would
// give (almost) the same step.
//
// Regularisation (optional, per variable; absent costs nothing): decoupled weight decay as in AdamW
// (Loshchilov and Hutter 2019), w <- w - lr x scale x rate x w with every step, after and apart from
// the optimizer's update (the same decoupled form for sgd and rmsprop); and L2-SP (Li, Grandvalet and
// Davoine 2018), whose gradient alpha x (w - w0) is added to the loss gradient before the update
// (coupled, as in the paper), so Adam's moments see it.
import type * as tfjs from '@tensorflow/tfjs';
import type { OptimizerName } from '../spec/recipe.js';
import { adamKernel, heapOffset, markChanged, wasmInternals } from './adam-kernel.js';
import type { Tf } from './types.js';

export interface LeanOptimizer {
  /** Applies one step; `grads[i]` belongs to the i-th variable given at creation. Call inside tf.tidy. */
  step(grads: readonly tfjs.Tensor[]): void;
  /** Frees the optimizer's state (moments, constants). */
  dispose(): void;
}

/** Regularisation by variable index; every field optional (absent or 0: none, at no extra cost). */
export interface Regularisation {
  /** Decoupled weight-decay rate per variable (0: none): w <- w - lr x scale x rate x w each step. */
  readonly weightDecay?: readonly number[];
  /** L2-SP weight alpha: the gradient of each variable with an anchor gains alpha x (w - anchor). */
  readonly l2sp?: number;
  /** L2-SP anchor per variable (null: none), as many values as the variable. */
  readonly anchors?: readonly (Float32Array | null)[];
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const RHO = 0.9;
const EPSILON = 1e-7;

/**
 * `scales[i]`, when given and not null, multiplies the learning rate of the i-th variable: one value
 * for all its elements, or one per element (same size as the variable); null or absent: the plain
 * learning rate, at no extra cost.
 */
export function createOptimizer(
  tf: Tf,
  name: OptimizerName,
  learningRate: number,
  variables: readonly tfjs.Variable[],
  scales: readonly (Float32Array | null)[] = [],
  regularisation: Regularisation = {},
): LeanOptimizer {
  const scaleTensors = variables.map((v, i) => {
    const scale = scales[i];
    if (!scale) return null;
    if (scale.length === 1) return tf.keep(tf.scalar(scale[0] as number));
    if (scale.length !== v.size) throw new RangeError(`learning-rate scale ${i} has ${scale.length} elements, its variable ${v.size}`);
    return tf.keep(tf.tensor(scale, v.shape));
  });
  const scaled = (update: tfjs.Tensor, i: number) => {
    const scale = scaleTensors[i];
    return scale ? tf.mul(update, scale) : update;
  };
  const inner = (() => {
    switch (name) {
      case 'sgd':
        return sgd(tf, learningRate, variables, scaled, regularisation);
      case 'adam': {
        const backend = wasmInternals(tf);
        return backend !== null
          ? fusedAdam(tf, backend, learningRate, variables, scaleTensors, regularisation)
          : adam(tf, learningRate, variables, scaled, regularisation);
      }
      case 'rmsprop':
        return rmsprop(tf, learningRate, variables, scaled, regularisation);
    }
  })();
  return {
    step: (grads) => inner.step(grads),
    dispose() {
      inner.dispose();
      tf.dispose(scaleTensors.filter((t): t is tfjs.Tensor => t !== null));
    },
  };
}

/** Applies the i-th variable's learning-rate scale to an update (identity when it has none). */
export type Scaled = (update: tfjs.Tensor, i: number) => tfjs.Tensor;

/**
 * The regularisation terms of the ops versions, by variable index; the identity where a variable has
 * none. Operation order as in the fused kernel (adam-kernel.wat), every op float32.
 */
interface Terms {
  /** The gradient with its L2-SP term: g + (w - w0) x alpha. */
  gradient(g: tfjs.Tensor, i: number): tfjs.Tensor;
  /** The weights after the update `next`, decayed: next - (w x lr x rate) x scale (w: before the step). */
  decayed(next: tfjs.Tensor, i: number): tfjs.Tensor;
  dispose(): void;
}

function regularisationTerms(
  tf: Tf,
  learningRate: number,
  variables: readonly tfjs.Variable[],
  scaled: Scaled,
  regularisation: Regularisation,
): Terms {
  const anchors = anchorTensors(tf, variables, regularisation);
  const decays = decayRates(learningRate, variables, regularisation).map((d) => (d === 0 ? null : tf.keep(tf.scalar(d))));
  const alpha = anchors.some((a) => a !== null) ? tf.keep(tf.scalar(regularisation.l2sp!)) : null;
  return {
    gradient(g, i) {
      const anchor = anchors[i] ?? null;
      return anchor === null ? g : tf.add(g, tf.mul(tf.sub(variables[i]!, anchor), alpha!));
    },
    decayed(next, i) {
      const decay = decays[i] ?? null;
      return decay === null ? next : tf.sub(next, scaled(tf.mul(variables[i]!, decay), i));
    },
    dispose() {
      tf.dispose([...anchors, ...decays, alpha].filter((t): t is tfjs.Tensor => t !== null));
    },
  };
}

/** The L2-SP anchors as kept tensors (null where a variable has none, or alpha is 0). */
function anchorTensors(tf: Tf, variables: readonly tfjs.Variable[], regularisation: Regularisation): (tfjs.Tensor | null)[] {
  const alpha = regularisation.l2sp ?? 0;
  return variables.map((v, i) => {
    const anchor = regularisation.anchors?.[i] ?? null;
    if (alpha === 0 || anchor === null) return null;
    if (anchor.length !== v.size) throw new RangeError(`L2-SP anchor ${i} has ${anchor.length} values, its variable ${v.size}`);
    return tf.keep(tf.tensor(anchor, v.shape));
  });
}

/** lr x rate per variable (0: no decay). */
function decayRates(learningRate: number, variables: readonly tfjs.Variable[], regularisation: Regularisation): number[] {
  return variables.map((_, i) => learningRate * (regularisation.weightDecay?.[i] ?? 0));
}

function sgd(tf: Tf, learningRate: number, variables: readonly tfjs.Variable[], scaled: Scaled, regularisation: Regularisation): LeanOptimizer {
  const lr = tf.keep(tf.scalar(learningRate));
  const terms = regularisationTerms(tf, learningRate, variables, scaled, regularisation);
  return {
    step(grads) {
      variables.forEach((v, i) => v.assign(terms.decayed(tf.sub(v, scaled(tf.mul(terms.gradient(grads[i]!, i), lr), i)), i)));
    },
    dispose() {
      lr.dispose();
      terms.dispose();
    },
  };
}

/** Adam in tfjs ops, for every backend (exported for the test that the fused wasm kernel matches it bit for bit). */
export function adam(
  tf: Tf,
  learningRate: number,
  variables: readonly tfjs.Variable[],
  scaled: Scaled,
  regularisation: Regularisation = {},
): LeanOptimizer {
  const terms = regularisationTerms(tf, learningRate, variables, scaled, regularisation);
  // tf.keep: the state must outlive any tf.tidy the optimizer happens to be created in.
  const state = tf.tidy(() => ({
    m: variables.map((v) => tf.variable(tf.zerosLike(v), false)),
    v: variables.map((v) => tf.variable(tf.zerosLike(v), false)),
    beta1: tf.keep(tf.scalar(BETA1)),
    beta2: tf.keep(tf.scalar(BETA2)),
    oneMinusBeta1: tf.keep(tf.scalar(1 - BETA1)),
    oneMinusBeta2: tf.keep(tf.scalar(1 - BETA2)),
  }));
  let t = 0;
  return {
    step(grads) {
      t += 1;
      // lr * m_hat / (sqrt(v_hat) + eps), with both bias corrections folded into two scalars.
      const correction = Math.sqrt(1 - BETA2 ** t);
      const lrT = tf.scalar((learningRate * correction) / (1 - BETA1 ** t));
      const epsT = tf.scalar(EPSILON * correction);
      variables.forEach((variable, i) => {
        const g = terms.gradient(grads[i]!, i);
        const m = state.m[i]!;
        const v = state.v[i]!;
        m.assign(tf.add(tf.mul(m, state.beta1), tf.mul(g, state.oneMinusBeta1)));
        v.assign(tf.add(tf.mul(v, state.beta2), tf.mul(tf.square(g), state.oneMinusBeta2)));
        variable.assign(terms.decayed(tf.sub(variable, scaled(tf.mul(tf.div(m, tf.add(tf.sqrt(v), epsT)), lrT), i)), i));
      });
    },
    dispose() {
      tf.dispose([...state.m, ...state.v, state.beta1, state.beta2, state.oneMinusBeta1, state.oneMinusBeta2]);
      terms.dispose();
    },
  };
}

/**
 * Adam through the fused wasm kernel (adam-kernel.ts): the same update, one SIMD pass per variable.
 * On the 784-256-256 MLP the ops version spent about a third of each step in the update.
 */
function fusedAdam(
  tf: Tf,
  backend: NonNullable<ReturnType<typeof wasmInternals>>,
  learningRate: number,
  variables: readonly tfjs.Variable[],
  scales: readonly (tfjs.Tensor | null)[],
  regularisation: Regularisation,
): LeanOptimizer {
  const kernel = adamKernel(backend);
  const anchors = anchorTensors(tf, variables, regularisation);
  const alpha = Math.fround(regularisation.l2sp ?? 0);
  const decays = decayRates(learningRate, variables, regularisation).map(Math.fround);
  // A per-layer multiplier goes to the kernel as a number: read it once, not back from the heap each step.
  const layerScales = scales.map((scale) => (scale !== null && scale.size === 1 ? (scale.dataSync()[0] as number) : 1));
  const f = Math.fround;
  const state = tf.tidy(() => ({
    m: variables.map((v) => tf.keep(tf.zerosLike(v))),
    v: variables.map((v) => tf.keep(tf.zerosLike(v))),
  }));
  let t = 0;
  return {
    step(grads) {
      t += 1;
      const correction = Math.sqrt(1 - BETA2 ** t);
      const lrT = f((learningRate * correction) / (1 - BETA1 ** t));
      const epsT = f(EPSILON * correction);
      // The kernel writes the weights in place: a variable must not share its values with another
      // tensor (assign() shares them with the assigned tensor while that one lives).
      variables.forEach((variable) => {
        if (backend.refCount(variable.dataId) > 1) tf.tidy(() => variable.assign(tf.add(variable, tf.scalar(0))));
      });
      variables.forEach((variable, i) => {
        const scale = scales[i] ?? null;
        const perElement = scale !== null && scale.size > 1;
        kernel(
          heapOffset(backend, variable),
          heapOffset(backend, grads[i]!),
          heapOffset(backend, state.m[i]!),
          heapOffset(backend, state.v[i]!),
          perElement ? heapOffset(backend, scale) : 0,
          anchors[i] ? heapOffset(backend, anchors[i]!) : 0,
          variable.size,
          f(BETA1),
          f(1 - BETA1),
          f(BETA2),
          f(1 - BETA2),
          lrT,
          epsT,
          layerScales[i] ?? 1,
          alpha,
          decays[i] ?? 0,
        );
        markChanged(backend, variable);
      });
    },
    dispose() {
      tf.dispose([...state.m, ...state.v, ...anchors.filter((t): t is tfjs.Tensor => t !== null)]);
    },
  };
}

function rmsprop(tf: Tf, learningRate: number, variables: readonly tfjs.Variable[], scaled: Scaled, regularisation: Regularisation): LeanOptimizer {
  const terms = regularisationTerms(tf, learningRate, variables, scaled, regularisation);
  const state = tf.tidy(() => ({
    ms: variables.map((v) => tf.variable(tf.zerosLike(v), false)),
    rho: tf.keep(tf.scalar(RHO)),
    oneMinusRho: tf.keep(tf.scalar(1 - RHO)),
    lr: tf.keep(tf.scalar(learningRate)),
    eps: tf.keep(tf.scalar(EPSILON)),
  }));
  return {
    step(grads) {
      variables.forEach((variable, i) => {
        const g = terms.gradient(grads[i]!, i);
        const ms = state.ms[i]!;
        ms.assign(tf.add(tf.mul(ms, state.rho), tf.mul(tf.square(g), state.oneMinusRho)));
        variable.assign(terms.decayed(tf.sub(variable, scaled(tf.div(tf.mul(g, state.lr), tf.sqrt(tf.add(ms, state.eps))), i)), i));
      });
    },
    dispose() {
      tf.dispose([...state.ms, state.rho, state.oneMinusRho, state.lr, state.eps]);
      terms.dispose();
    },
  };
}
