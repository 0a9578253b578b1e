// The contract every strategy keeps: the same metrics and size figures, onTargetEpoch after every
// target epoch (1..epochs) with early stop, determinism, no tensor left behind, divergence reported.
import { beforeAll, describe, expect, it } from 'vitest';
import { STRATEGIES, type Recipe } from '../../src/spec/recipe.js';
import { NonFiniteLossError } from '../../src/errors.js';
import { distill, finetune, getStrategy, multitask, reptile, selftrain, type StrategyInput } from '../../src/strategies/index.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { blobCentres, blobs, strategyInput } from './helpers.js';

const centres = blobCentres(4, 8, 11);
const base = strategyInput(
  {
    train: blobs(centres, 4, 40, 1),
    validation: blobs(centres, 4, 200, 2),
    sources: [blobs(centres, 4, 120, 3), blobs(centres, 4, 80, 4)],
  },
  { epochs: 6, pretrain_epochs: 2, freeze_layers: 0, selftrain_rounds: 2 },
);

function withRecipe(strategy: Recipe['strategy'], recipe: Partial<Recipe> = {}, input: Partial<StrategyInput> = {}): StrategyInput {
  return { ...base, ...input, recipe: { ...base.recipe, strategy, ...recipe } };
}

beforeAll(async () => {
  expect(await initBackend('wasm')).toBe('wasm');
});

describe.each(STRATEGIES.map((name) => [name]))('strategy %s', (name) => {
  const strategy = getStrategy(name);

  it('learns, reports the same figures as every strategy, and is deterministic', async () => {
    const transfer = await strategy.run(withRecipe(name));
    const again = await strategy.run(withRecipe(name));
    const baseline = await strategy.run(withRecipe(name, {}, { sources: [] }));
    for (const result of [transfer, baseline]) {
      expect(result.metrics.accuracy).toBeGreaterThan(0.5); // chance is 0.25
      expect(Object.keys(result.metrics).sort()).toEqual(['accuracy', 'confusion', 'macro_f1', 'macro_recall']);
      expect(result.extra).toMatchObject({ params: expect.any(Number), nonzeros: expect.any(Number), bytes: expect.any(Number) });
      expect(result.cost.epochs).toBeGreaterThanOrEqual(base.recipe.epochs);
      expect(result.cost.ms).toBeGreaterThan(0);
      expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    }
    expect(again.metrics).toEqual(transfer.metrics);
    expect(again.extra).toEqual(transfer.extra);
    expect(baseline.metrics).not.toEqual(transfer.metrics);
  });

  it('reports target epochs 1..epochs to onTargetEpoch and stops early when it says so', async () => {
    const seen: number[] = [];
    await strategy.run(withRecipe(name, {}, { onTargetEpoch: (epoch) => (seen.push(epoch), true) }));
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]);
    const evaluations: number[] = [];
    const stopped = await strategy.run(
      withRecipe(name, {}, {
        onTargetEpoch: (epoch, evaluate) => {
          evaluations.push(evaluate().accuracy);
          return epoch < 2;
        },
      }),
    );
    expect(evaluations).toHaveLength(2);
    // The unit reports the model as it was when it stopped, measured where the hook measured it.
    expect(stopped.metrics.accuracy).toBe(evaluations[1]);
  });

  it('leaves no tensor behind, also when training diverges', async () => {
    await strategy.run(withRecipe(name)); // warm-up: tfjs may cache tensors on first use
    const before = tf.memory().numTensors;
    await strategy.run(withRecipe(name, { mixup_alpha: 0.2, augment_noise: 0.1, fgsm_epsilon: 0.1, dropout: 0.2 }));
    await strategy.run(withRecipe(name, { prune_sparsity: 0.5, prune_epochs: 1, quantize: 'int8' }));
    await expect(strategy.run(withRecipe(name, { optimizer: 'sgd', learning_rate: 1e6 }))).rejects.toThrow(NonFiniteLossError);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('the strategy registry and baselines', () => {
  it('finds every strategy by name and names the known ones otherwise', () => {
    expect([finetune, multitask, selftrain, distill, reptile].map((s) => getStrategy(s.name))).toEqual([finetune, multitask, selftrain, distill, reptile]);
    expect(() => getStrategy('bagging')).toThrow('unknown strategy "bagging" (known: finetune, multitask, selftrain, distill, align, dann, reptile)');
    expect(() => getStrategy('toString')).toThrow('unknown strategy "toString"');
  });

  it('multitask without sources is the very computation of finetune without sources', async () => {
    const alone = { sources: [] };
    const a = await multitask.run(withRecipe('multitask', {}, alone));
    const b = await finetune.run(withRecipe('finetune', {}, alone));
    expect(a.metrics).toEqual(b.metrics);
    expect(a.cost.samples).toBe(b.cost.samples);
  });
});
