// Transferability screens in the worker: a model trained on each source, scored on the target's
// labelled rows. Sources of a synthetic family whose relatedness to the target is known by construction.
import { beforeAll, describe, expect, it } from 'vitest';
import type { DatasetSpec, TargetSpec, TaskSpec } from '../../src/spec/tasks.js';
import { DataError } from '../../src/errors.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { runScreen } from '../../src/worker/run-screen.js';
import { screenTable } from '../../src/selection/screen.js';
import type { ScreenTask } from '../../src/spec/screens.js';
import { SOURCE } from './units.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const family = (rho: number, taskSeed: number): DatasetSpec => ({
  kind: 'synthetic',
  features: 20,
  latent: 8,
  classes: 4,
  rows: 500,
  familySeed: 1,
  rho,
  taskSeed,
  noise: 0.1,
});
const source = (rho: number): TaskSpec => ({ name: `rho${rho}`, dataset: family(rho, 10), transforms: [] });
const TARGETS: TargetSpec[] = [
  { name: 't1', dataset: family(1, 99), transforms: [], labelled: 60 },
  { name: 't2', dataset: family(0.95, 98), transforms: [], labelled: 60 },
];

function task(src: TaskSpec, seed: number): ScreenTask {
  return {
    source: src,
    targets: TARGETS,
    model: { kind: 'mlp', hidden: [8], activation: 'relu', dropout: 0 },
    recipe: {
      strategy: 'finetune',
      optimizer: 'adam',
      learning_rate: 0.01,
      batch_size: 32,
      pretrain_epochs: 5,
      epochs: 5,
      freeze_layers: 0,
      dropout: 0,
    },
    epochs: 5,
    seed,
  };
}

describe('runScreen', () => {
  it('scores a related source above an unrelated one on every screen, and above an anti-related one on LEEP', async () => {
    for (const seed of [1, 2]) {
      const [related, unrelated, anti] = await Promise.all([0.95, 0, -0.9].map((rho) => runScreen(tf, task(source(rho), seed), 'wasm')));
      for (const [i, target] of ['t1', 't2'].entries()) {
        const r = related!.scores[i]!;
        const u = unrelated!.scores[i]!;
        expect(r.target).toBe(target);
        expect(r.leep, `leep seed ${seed} ${target}`).toBeGreaterThan(u.leep);
        expect(r.logme, `logme seed ${seed} ${target}`).toBeGreaterThan(u.logme);
        expect(r.hscore, `hscore seed ${seed} ${target}`).toBeGreaterThan(u.hscore);
        expect(r.nce, `nce seed ${seed} ${target}`).toBeGreaterThan(u.nce);
        // LEEP sees the label mapping; LogME and H-score only see how separable the target classes
        // are in the source model's features, which an anti-related task of this family shares.
        expect(r.leep, `leep vs anti seed ${seed} ${target}`).toBeGreaterThan(anti!.scores[i]!.leep);
        // NCE, LEEP's hard-label sibling, too: measured -0.69..-0.83 related, -0.93..-1.15 anti-related.
        expect(r.nce, `nce vs anti seed ${seed} ${target}`).toBeGreaterThan(anti!.scores[i]!.nce + 0.1);
      }
      // The screen table ranks the helpful source first and the harmful one below it on NCE.
      const table = screenTable([anti!, unrelated!, related!], 'wasm', 1);
      expect(table.ranking.nce[0]).toBe('rho0.95');
      expect(table.ranking.nce.indexOf('rho-0.9')).toBeGreaterThan(0);
      expect(table.seconds.nce).toBeGreaterThan(0);
    }
  });

  it('is deterministic, leaves no tensors behind, and reports its costs and rows', async () => {
    const before = tf.memory().numTensors;
    const a = await runScreen(tf, task(source(0.9), 3), 'wasm');
    const b = await runScreen(tf, task(source(0.9), 3), 'wasm');
    expect(tf.memory().numTensors).toBe(before);
    expect(b.scores.map((s) => [s.leep, s.logme, s.hscore, s.nce])).toEqual(a.scores.map((s) => [s.leep, s.logme, s.hscore, s.nce]));
    expect(a.source).toBe('rho0.9');
    expect(a.scores.map((s) => s.rows)).toEqual([60, 60]);
    expect(a.trainMs).toBeGreaterThan(0);
    expect(a.workerMs).toBeGreaterThanOrEqual(a.trainMs);
    expect(a.scores[0]!.leep).toBeLessThanOrEqual(0);
    // NCE is at most 0 and at least -log(4) (4 target classes).
    expect(a.scores[0]!.nce).toBeLessThanOrEqual(0);
    expect(a.scores[0]!.nce).toBeGreaterThanOrEqual(-Math.log(4) - 1e-12);
    expect(a.scores[0]!.ms.nce).toBeGreaterThanOrEqual(0);
    expect(a.scores[0]!.hscore).toBeGreaterThan(0);
    expect(a.scores[0]!.hscore).toBeLessThanOrEqual(3 + 1e-6); // at most K - 1
    expect(JSON.parse(JSON.stringify(a))).toEqual(a);
  });

  it('refuses a source whose features do not match the target', async () => {
    await expect(runScreen(tf, task(SOURCE, 1), 'wasm')).rejects.toThrow(DataError);
    await expect(runScreen(tf, task(SOURCE, 1), 'wasm')).rejects.toThrow(/has 64 features but target "t1" has 20/);
  });
});
