import { beforeAll, describe, expect, it } from 'vitest';
import type { TaskWeighting } from '../../src/spec/recipe.js';
import { multitask } from '../../src/strategies/index.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { blobCentres, blobs, noisyLabels, strategyInput } from './helpers.js';

const centres = blobCentres(4, 8, 11, 1.5);
const train = blobs(centres, 4, 40, 1);
const validation = blobs(centres, 4, 300, 2);
const clean = blobs(centres, 4, 200, 3);
/** The same task with 80% of its labels replaced at random: a noisy task. */
const noisy = noisyLabels(blobs(centres, 4, 200, 4), 0.8, 9);

beforeAll(async () => {
  await initBackend('wasm');
});

/** Runs multitask with the target, the clean and the noisy source; returns the weights per epoch. */
async function weightsOver(weighting: TaskWeighting, epochs = 8) {
  const history: (readonly number[])[] = [];
  const result = await multitask.run(
    strategyInput(
      { train, validation, sources: [clean, noisy], observer: { onTaskWeights: (_, w) => void history.push([...w]) } },
      { strategy: 'multitask', task_weighting: weighting, epochs },
    ),
  );
  return { history, result };
}

describe('multitask', () => {
  it('uncertainty weighting learns a lower weight for the noisy task', async () => {
    const { history, result } = await weightsOver('uncertainty');
    const [target, cleanWeight, noisyWeight] = history[history.length - 1]!;
    expect(noisyWeight!).toBeLessThan(0.7);
    expect(noisyWeight!).toBeLessThan(cleanWeight! / 2);
    expect(noisyWeight!).toBeLessThan(target! / 2);
    // The weights it ends with are reported with the unit (task 0 is the target).
    expect(result.extra).toMatchObject({ task_weight_0: target, task_weight_1: cleanWeight, task_weight_2: noisyWeight });
    expect(result.metrics.accuracy).toBeGreaterThan(0.8);
  });

  it('DWA keeps 1 for two epochs, then moves the weights with a sum of the task count', async () => {
    const { history } = await weightsOver('dwa', 4);
    expect(history[0]).toEqual([1, 1, 1]);
    expect(history[1]).not.toEqual([1, 1, 1]); // after epoch 2 it has two epochs of losses
    for (const w of history.slice(1)) expect(w.reduce((a, b) => a + b)).toBeCloseTo(3, 9);
  });

  it('GradNorm moves the weights each step, keeping their sum at the task count', async () => {
    const { history, result } = await weightsOver('gradnorm', 4);
    for (const w of history) {
      expect(w.reduce((a, b) => a + b)).toBeCloseTo(3, 9);
      expect(w).not.toEqual([1, 1, 1]);
    }
    // The noisy task's loss falls slowest: GradNorm gives it the largest share (its definition).
    const last = history[history.length - 1]!;
    expect(last[2]!).toBeGreaterThan(last[0]!);
    expect(last[2]!).toBeGreaterThan(last[1]!);
    expect(result.metrics.accuracy).toBeGreaterThan(0.8);
  });

  it('counts one pass over the largest task per epoch, every task contributing a batch per step', async () => {
    const result = await multitask.run(strategyInput({ train, validation, sources: [clean] }, { strategy: 'multitask', epochs: 3, batch_size: 16 }));
    // 200 source rows / 16 = 13 steps per epoch; each takes 16 target and 16 source rows.
    expect(result.cost).toMatchObject({ epochs: 3, samples: 3 * 13 * 32 });
    const before = tf.memory().numTensors;
    await multitask.run(strategyInput({ train, validation, sources: [clean] }, { strategy: 'multitask', epochs: 1, fgsm_epsilon: 0.2, mixup_alpha: 0.3 }));
    expect(tf.memory().numTensors).toBe(before);
  });
});
