// Loss weights of the tasks of a multitask unit: equal, uncertainty weighting (Kendall et al. 2018),
// Dynamic Weight Average (Liu et al. 2019) and GradNorm (Chen et al. 2018). Pure (no tfjs): the
// weights are a handful of numbers updated from losses and gradient norms the training loop reads
// back anyway. Worker side; must not import the store, the CLI or YAML parsing.
import type { TaskWeighting } from '../spec/recipe.js';

export interface TaskWeights {
  /** GradNorm needs per-task gradient norms of the last shared layer on every step. */
  readonly needsGradNorms: boolean;
  /** The current loss weight of every task (task 0 is the target). */
  weights(): readonly number[];
  /** After every step: each task's mean loss on its rows of the batch, and G_t when needsGradNorms. */
  afterStep(losses: readonly number[], gradNorms: ArrayLike<number> | null): void;
  /** After every epoch: each task's mean loss over the epoch. */
  afterEpoch(losses: readonly number[]): void;
}

export interface TaskWeightOptions {
  /** Step size of the learned quantities (log-variances, GradNorm weights). */
  readonly learningRate: number;
  readonly dwaTemperature: number;
  readonly gradnormAlpha: number;
}

export function createTaskWeights(kind: TaskWeighting, tasks: number, options: TaskWeightOptions): TaskWeights {
  switch (kind) {
    case 'equal':
      return equalWeights(tasks);
    case 'uncertainty':
      return uncertaintyWeights(tasks, options.learningRate);
    case 'dwa':
      return dwaWeights(tasks, options.dwaTemperature);
    case 'gradnorm':
      return gradNormWeights(tasks, options.learningRate, options.gradnormAlpha);
  }
}

function equalWeights(tasks: number): TaskWeights {
  const ones = new Array<number>(tasks).fill(1);
  return { needsGradNorms: false, weights: () => ones, afterStep() {}, afterEpoch() {} };
}

/**
 * Kendall et al. (2018), classification form: total = sum_t exp(-s_t) L_t + s_t / 2 with s_t = log
 * sigma_t^2 learned by gradient descent next to the network (Adam on the s_t with the recipe's
 * learning rate). A task's weight exp(-s_t) settles near 1 / (2 L_t): noisier tasks (higher loss)
 * weigh less.
 */
function uncertaintyWeights(tasks: number, learningRate: number): TaskWeights {
  const s = new Float64Array(tasks);
  const adam = new ScalarAdam(tasks, learningRate);
  return {
    needsGradNorms: false,
    weights: () => Array.from(s, (v) => Math.exp(-v)),
    afterStep(losses) {
      adam.step(s, losses.map((loss, t) => -Math.exp(-(s[t] as number)) * loss + 0.5));
    },
    afterEpoch() {},
  };
}

/**
 * Liu et al. (2019): w_t(e) = T exp(r_t / temperature) / sum_i exp(r_i / temperature) with r_t =
 * L_t(e-1) / L_t(e-2), the epoch-mean losses of the two previous epochs; 1 for the first two epochs.
 */
function dwaWeights(tasks: number, temperature: number): TaskWeights {
  const history: (readonly number[])[] = [];
  let current = new Array<number>(tasks).fill(1);
  return {
    needsGradNorms: false,
    weights: () => current,
    afterStep() {},
    afterEpoch(losses) {
      history.push([...losses]);
      if (history.length < 2) return;
      const last = history[history.length - 1]!;
      const before = history[history.length - 2]!;
      const ratios = last.map((l, t) => l / Math.max(before[t]!, 1e-12));
      current = softmaxTimes(ratios, temperature, tasks);
    },
  };
}

/**
 * Chen et al. (2018): learnable weights w_t (start 1) whose gradient norms G_t = ||grad_W w_t L_t||
 * on the last shared layer W are pulled toward mean(G) * r_t^alpha, r_t the task's inverse training
 * rate (L_t / L_t(0)) over its mean across tasks; the L1 gap is minimised by Adam on w (targets held
 * constant), and the weights are renormalised to sum to the task count after every step.
 */
function gradNormWeights(tasks: number, learningRate: number, alpha: number): TaskWeights {
  const w = new Float64Array(tasks).fill(1);
  let initial: number[] | null = null;
  const adam = new ScalarAdam(tasks, learningRate);
  return {
    needsGradNorms: true,
    weights: () => Array.from(w),
    afterStep(losses, gradNorms) {
      if (gradNorms === null) throw new RangeError('GradNorm needs the per-task gradient norms');
      initial ??= losses.map((l) => Math.max(l, 1e-12));
      const g = Array.from({ length: tasks }, (_, t) => gradNorms[t] as number);
      const meanG = g.reduce((a, b) => a + b, 0) / tasks;
      const inverseRate = losses.map((l, t) => l / initial![t]!);
      const meanRate = inverseRate.reduce((a, b) => a + b, 0) / tasks;
      const grads = g.map((gt, t) => {
        const target = meanG * (inverseRate[t]! / meanRate) ** alpha;
        // d|G_t - target| / dw_t with G_t = w_t ||grad L_t||: sign(G_t - target) G_t / w_t.
        return Math.sign(gt - target) * (gt / (w[t] as number));
      });
      adam.step(w, grads);
      for (let t = 0; t < tasks; t++) w[t] = Math.max(w[t] as number, 1e-3);
      const sum = w.reduce((a, b) => a + b, 0);
      for (let t = 0; t < tasks; t++) w[t] = ((w[t] as number) * tasks) / sum;
    },
    afterEpoch() {},
  };
}

/** count * softmax(values / temperature). */
export function softmaxTimes(values: readonly number[], temperature: number, count: number): number[] {
  const max = Math.max(...values.map((v) => v / temperature));
  const e = values.map((v) => Math.exp(v / temperature - max));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => (count * v) / sum);
}

/** Adam (Kingma and Ba 2015, the tfjs defaults) on a few plain numbers. */
class ScalarAdam {
  private readonly m: Float64Array;
  private readonly v: Float64Array;
  private t = 0;

  constructor(
    size: number,
    private readonly learningRate: number,
  ) {
    this.m = new Float64Array(size);
    this.v = new Float64Array(size);
  }

  step(values: Float64Array, grads: readonly number[]): void {
    this.t += 1;
    const [b1, b2, eps] = [0.9, 0.999, 1e-7];
    for (let i = 0; i < values.length; i++) {
      const g = grads[i] as number;
      this.m[i] = b1 * (this.m[i] as number) + (1 - b1) * g;
      this.v[i] = b2 * (this.v[i] as number) + (1 - b2) * g * g;
      const mHat = (this.m[i] as number) / (1 - b1 ** this.t);
      const vHat = (this.v[i] as number) / (1 - b2 ** this.t);
      values[i] = (values[i] as number) - (this.learningRate * mHat) / (Math.sqrt(vHat) + eps);
    }
  }
}
