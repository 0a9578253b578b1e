// Known transfer effects on synthetic task families (src/data/synthetic.ts: rho is a source's
// relatedness to the target's labelling rule): a related source helps with 5 labels per class, an
// anti-related one hurts, and the unit's gain against its target-only baseline shows it for every
// strategy. Real training, one seed per case, asserted with margins.
import { beforeAll, describe, expect, it } from 'vitest';
import { STRATEGIES, type Recipe } from '../../src/spec/recipe.js';
import { splitTarget } from '../../src/data/index.js';
import type { TargetSpec, TaskSpec } from '../../src/spec/tasks.js';
import { gainOf } from '../../src/study/units.js';
import { finetune, multitask, type LayerSnapshot } from '../../src/strategies/index.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { runUnit } from '../../src/worker/run-unit.js';
import { RECIPE, familyTask, strategyInput } from './helpers.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** A family where 20 labels are far from enough and a 600-row related source nearly solves the task. */
const WIDE = { features: 20, latent: 8, noise: 0.1 };
const target = familyTask(1, 1, 500, WIDE);
const split = splitTarget(target, 20, 1); // 4 classes x 5 labels
const related = familyTask(0.9, 10, 600, WIDE);

describe('transfer from a related source with 5 labels per class', () => {
  const recipe = { pretrain_epochs: 10, epochs: 15, freeze_layers: 1 };

  it('finetune beats its target-only baseline by a wide margin', async () => {
    const input = strategyInput({ ...split, sources: [related] }, recipe);
    const transfer = await finetune.run(input);
    const baseline = await finetune.run({ ...input, sources: [] });
    expect(transfer.metrics.accuracy).toBeGreaterThan(baseline.metrics.accuracy + 0.1);
  });

  it('multitask (a shared trunk, one head per task) beats its baseline too', async () => {
    const input = strategyInput({ ...split, sources: [related] }, { ...recipe, strategy: 'multitask' });
    const transfer = await multitask.run(input);
    const baseline = await multitask.run({ ...input, sources: [] });
    expect(transfer.metrics.accuracy).toBeGreaterThan(baseline.metrics.accuracy + 0.1);
    expect(transfer.extra).toMatchObject({ task_weight_0: 1, task_weight_1: 1 });
  });

  it('discriminative learning rates: a vanishing multiplier on transferred layers acts as freezing them', async () => {
    const seen: LayerSnapshot[][] = [];
    const observer = { onPhaseEnd: (_: unknown, layers: readonly LayerSnapshot[]) => void seen.push([...layers]) };
    const input = strategyInput({ ...split, sources: [related], observer }, { ...recipe, freeze_layers: 0, transfer_lr_mult: 1e-12 });
    const slow = await finetune.run(input);
    const [pre, fine] = seen;
    expect(fine![0]!.kernel).toEqual(pre![0]!.kernel);
    expect(fine![1]!.kernel).toEqual(pre![1]!.kernel);
    expect(fine![2]!.kernel).not.toEqual(pre![2]!.kernel); // the fresh head trains at the full rate
    const frozen = await finetune.run({ ...input, observer: {}, recipe: { ...input.recipe, freeze_layers: 2, transfer_lr_mult: 1 } });
    expect(slow.metrics).toEqual(frozen.metrics);
  });
});

describe("the unit's negative-transfer gap, for every strategy", () => {
  // The default family: 16 features, 6 latent, noise 0.3. rho = -0.5: the source's rule is
  // anti-correlated with the target's; what it teaches the trunk points away from the target.
  const family = { kind: 'synthetic', features: 16, latent: 6, classes: 4, familySeed: 3, noise: 0.3 } as const;
  const targetSpec: TargetSpec = { name: 't', dataset: { ...family, rows: 500, rho: 1, taskSeed: 1 }, transforms: [], labelled: 20 };
  const anti: TaskSpec = { name: 'anti', dataset: { ...family, rows: 400, rho: -0.5, taskSeed: 11 }, transforms: [] };
  const recipe: Recipe = { ...RECIPE, pretrain_epochs: 5, epochs: 15, freeze_layers: 1, selftrain_rounds: 2 };

  it.each(STRATEGIES.map((s) => [s]))('%s: an anti-related source gives a positive gap against the same strategy without sources', async (strategy) => {
    const unit = {
      trialNumber: 0,
      target: targetSpec,
      sources: [anti],
      model: { kind: 'mlp', hidden: [32, 16], activation: 'relu', dropout: 0 } as const,
      recipe: { ...recipe, strategy },
      seed: 1,
      withBaseline: true,
    };
    const result = await runUnit(tf, unit, 'wasm');
    const alone = await runUnit(tf, { ...unit, sources: [], withBaseline: false }, 'wasm');
    // The baseline is the strategy itself without sources, on the same split and seeds.
    expect(result.baseline!.metrics).toEqual(alone.transfer.metrics);
    const gap = -gainOf(result.transfer.metrics, result.baseline!.metrics).accuracy;
    expect(gap).toBeGreaterThan(0.03);
  });
});
