import { describe, expect, it } from 'vitest';
import { createTaskWeights, softmaxTimes } from '../../src/strategies/task-weighting.js';

const OPTIONS = { learningRate: 0.05, dwaTemperature: 2, gradnormAlpha: 1.5 };

describe('task weighting', () => {
  it('equal: 1 for every task, whatever the losses', () => {
    const w = createTaskWeights('equal', 3, OPTIONS);
    w.afterStep([5, 0.1, 1], null);
    w.afterEpoch([5, 0.1, 1]);
    expect(w.weights()).toEqual([1, 1, 1]);
    expect(w.needsGradNorms).toBe(false);
  });

  it('uncertainty: exp(-s) settles at 1 / (2 L) per task, so the noisier (higher-loss) task weighs less', () => {
    const w = createTaskWeights('uncertainty', 2, OPTIONS);
    expect(w.weights()).toEqual([1, 1]);
    for (let step = 0; step < 2000; step++) w.afterStep([0.25, 2], null);
    const [clean, noisy] = w.weights();
    expect(clean).toBeCloseTo(1 / (2 * 0.25), 1);
    expect(noisy).toBeCloseTo(1 / (2 * 2), 1);
    expect(noisy!).toBeLessThan(clean!);
  });

  it('dwa: 1 for the first two epochs, then T softmax(L(e-1) / L(e-2) / temperature)', () => {
    const w = createTaskWeights('dwa', 2, OPTIONS);
    w.afterEpoch([1, 1]);
    expect(w.weights()).toEqual([1, 1]);
    w.afterEpoch([0.5, 0.9]); // task 0 fell by half, task 1 by a tenth: task 1 is behind and gains weight
    const r = [0.5 / 1, 0.9 / 1];
    const e = r.map((v) => Math.exp(v / 2));
    const expected = e.map((v) => (2 * v) / (e[0]! + e[1]!));
    expect(w.weights()[0]).toBeCloseTo(expected[0]!, 12);
    expect(w.weights()[1]).toBeCloseTo(expected[1]!, 12);
    expect(w.weights()[1]!).toBeGreaterThan(w.weights()[0]!);
    expect(w.weights()[0]! + w.weights()[1]!).toBeCloseTo(2, 12);
    expect(softmaxTimes([0, 0, 0], 1, 3)).toEqual([1, 1, 1]);
  });

  it('gradnorm: moves weights toward equal weighted gradient norms and keeps their sum at the task count', () => {
    const w = createTaskWeights('gradnorm', 2, OPTIONS);
    expect(w.needsGradNorms).toBe(true);
    expect(() => w.afterStep([1, 1], null)).toThrow('GradNorm needs the per-task gradient norms');
    // Same training rate (losses unchanged), but task 0's raw gradient is 4x task 1's: the balance
    // point is w0 ||g0|| = w1 ||g1||, i.e. w0 / w1 = 1 / 4 (w = 0.4, 1.6 with the sum fixed at 2).
    const raw = [4, 1];
    for (let step = 0; step < 400; step++) {
      const weights = w.weights();
      w.afterStep([1, 1], raw.map((g, t) => g * weights[t]!));
      expect(weights[0]! + weights[1]!).toBeCloseTo(2, 9);
    }
    const [w0, w1] = w.weights();
    expect(w0).toBeCloseTo(0.4, 1);
    expect(w1).toBeCloseTo(1.6, 1);
  });

  it('gradnorm: a task that trains slower (higher loss ratio) is given a larger gradient share', () => {
    const w = createTaskWeights('gradnorm', 2, OPTIONS);
    w.afterStep([1, 1], [1, 1]); // L(0)
    for (let step = 0; step < 300; step++) {
      const weights = w.weights();
      // Task 0's loss fell to a quarter, task 1's stayed: r = (0.25, 1) / 0.625.
      w.afterStep([0.25, 1], [weights[0]!, weights[1]!]);
    }
    const [w0, w1] = w.weights();
    // Balance: w_t proportional to r_t^alpha = (0.4^1.5, 1.6^1.5) -> w1 / w0 = 4^1.5 = 8.
    expect(w1! / w0!).toBeGreaterThan(6);
    expect(w1! / w0!).toBeLessThan(10);
  });
});
