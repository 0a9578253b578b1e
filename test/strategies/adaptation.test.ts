// Domain adaptation on the domain-shift family (src/data/domain-shift.ts), where the effect is known
// by construction: sources and target share the labelling rule (rho = 1), the target's inputs are
// shifted and rescaled by a known amount (covariate shift) or its classes resampled to other priors
// (label shift). Real training, several seeds; the strategies are deterministic per backend.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Recipe } from '../../src/spec/recipe.js';
import { applyTransform, generateSynthetic } from '../../src/data/index.js';
import { selectRows } from '../../src/data/rows.js';
import { classShares } from '../../src/data/domain-shift.js';
import type { Dataset } from '../../src/data/types.js';
import { align, dann, finetune, type Strategy, type StrategyInput } from '../../src/strategies/index.js';
import { initBackend, tf } from '../../src/worker/backend.js';

const FAMILY = { kind: 'synthetic', features: 16, latent: 6, classes: 4, familySeed: 3 } as const;
const MODEL = { kind: 'mlp', hidden: [32, 16], activation: 'relu', dropout: 0 } as const;
const SEEDS = [1, 2, 3];

/** Target rows split as a unit sees them: 20 labelled, 300 test rows, the rest validation (half of it the unlabelled pool). */
function targetSplit(ds: Dataset): Pick<StrategyInput, 'train' | 'validation' | 'test'> {
  const rows = Array.from({ length: ds.rows }, (_, i) => i);
  return { train: selectRows(ds, rows.slice(0, 20)), test: selectRows(ds, rows.slice(20, 320)), validation: selectRows(ds, rows.slice(320)) };
}

function input(sources: Dataset[], target: Dataset, recipe: Partial<Recipe>, seed: number): StrategyInput {
  return {
    tf,
    sources,
    ...targetSplit(target),
    numClasses: 4,
    model: MODEL,
    seed,
    recipe: {
      strategy: 'finetune',
      optimizer: 'adam',
      learning_rate: 0.01,
      batch_size: 32,
      pretrain_epochs: 30,
      epochs: 3,
      freeze_layers: 0,
      dropout: 0,
      scaling: 'standard',
      head: 'keep',
      ...recipe,
    },
  };
}

/** Mean test accuracy over SEEDS. */
async function meanAccuracy(strategy: Strategy, sources: Dataset[], target: Dataset, recipe: Partial<Recipe>): Promise<number> {
  let sum = 0;
  for (const seed of SEEDS) sum += (await strategy.run(input(sources, target, { strategy: strategy.name, ...recipe }, seed))).test!.accuracy;
  return sum / SEEDS.length;
}

beforeAll(async () => {
  await initBackend('wasm');
});

describe('covariate shift', () => {
  const noise = 0.3;
  const sources = [11, 12].map((taskSeed) => generateSynthetic({ ...FAMILY, noise, rows: 400, rho: 1, taskSeed }));
  const target = (amount: number) =>
    applyTransform(generateSynthetic({ ...FAMILY, noise, rows: 1000, rho: 1, taskSeed: 1 }), { kind: 'shift', amount, seed: 5 });

  // Weights from a sweep over {0.3, 1, 3, 10} on this family (docs/strategies.md has the figures).
  const adapted: [string, Strategy, Partial<Recipe>][] = [
    ['CORAL', align, { alignment: 'coral', alignment_weight: 1 }],
    ['MMD', align, { alignment: 'mmd', alignment_weight: 3 }],
    ['DANN', dann, { alignment_weight: 0.3 }],
  ];

  it('CORAL, MMD and DANN beat finetune by >= 0.05 at shift 2, by more under shift than without, and cost nothing beyond noise (0.03) without shift', async () => {
    const shifts = [0, 1, 2];
    const base = await Promise.all(shifts.map((s) => meanAccuracy(finetune, sources, target(s), {})));
    const report: string[] = [];
    for (const [name, strategy, recipe] of adapted) {
      const margins: number[] = [];
      for (const [i, s] of shifts.entries()) margins.push((await meanAccuracy(strategy, sources, target(s), recipe)) - base[i]!);
      report.push(`${name}: ${margins.map((m) => m.toFixed(3)).join(' ')}`);
      expect(margins[0], `${name} without shift`).toBeGreaterThan(-0.03);
      expect(margins[1], `${name}: shift 1 over shift 0`).toBeGreaterThan(margins[0]!);
      expect(margins[2], `${name}: shift 2 over shift 0`).toBeGreaterThan(margins[0]! + 0.05);
      expect(margins[2], `${name} at shift 2`).toBeGreaterThan(0.05);
    }
    console.log(`finetune ${base.map((a) => a.toFixed(3)).join(' ')}; margins at shifts 0 1 2: ${report.join('; ')}`);
  }, 120_000);
});

describe('label shift (BBSE)', () => {
  const noise = 0.6;
  const priors = [0.7, 0.1, 0.1, 0.1];
  const sources = [11, 12].map((taskSeed) => generateSynthetic({ ...FAMILY, noise, rows: 800, rho: 1, taskSeed }));
  const target = applyTransform(generateSynthetic({ ...FAMILY, noise, rows: 3000, rho: 1, taskSeed: 1 }), { kind: 'priors', priors, seed: 6 });

  it('recovers the target priors within 0.12 per class (0.05 on the mean over seeds) and improves accuracy by >= 0.02', async () => {
    const truth = classShares(target);
    expect(Math.max(...truth.map((q, k) => Math.abs(q - priors[k]!)))).toBeLessThan(0.01);
    const sourceShares = classShares({ labels: Int32Array.from([...sources[0]!.labels, ...sources[1]!.labels]), numClasses: 4 });
    const recipe = { pretrain_epochs: 20, epochs: 1 };
    let gain = 0;
    const mean = [0, 0, 0, 0];
    for (const seed of SEEDS) {
      const plain = await finetune.run(input(sources, target, recipe, seed));
      const corrected = await finetune.run(input(sources, target, { ...recipe, label_shift: 'bbse' }, seed));
      const estimate = [0, 1, 2, 3].map((k) => corrected.extra![`bbse_prior_${k}`]!);
      expect(estimate.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
      expect(Math.max(...estimate.map((q, k) => Math.abs(q - truth[k]!))), `seed ${seed}: ${estimate}`).toBeLessThan(0.12);
      estimate.forEach((q, k) => (mean[k]! += q / SEEDS.length));
      // Measured on the same rows: both hold out the unlabelled pool, finetune without bbse does not.
      expect(corrected.extra!.validation_rows).toBeLessThan(plain.metrics.confusion.flat().reduce((a, b) => a + b));
      gain += (corrected.test!.accuracy - plain.test!.accuracy) / SEEDS.length;
    }
    expect(Math.max(...mean.map((q, k) => Math.abs(q - truth[k]!)))).toBeLessThan(0.05);
    // The sources' own priors are far from the target's: the estimate is not just echoing them.
    expect(Math.abs(sourceShares[0]! - truth[0]!)).toBeGreaterThan(0.3);
    expect(gain).toBeGreaterThan(0.02);
  }, 120_000);
});

describe('align and dann in the pipeline', () => {
  const sources = [generateSynthetic({ ...FAMILY, noise: 0.3, rows: 300, rho: 1, taskSeed: 11 })];
  const target = applyTransform(generateSynthetic({ ...FAMILY, noise: 0.3, rows: 520, rho: 1, taskSeed: 1 }), { kind: 'shift', amount: 1, seed: 5 });
  const small = (recipe: Partial<Recipe>, seed = 1): StrategyInput => input(sources, target, { pretrain_epochs: 4, epochs: 4, ...recipe }, seed);

  it('never measures on the unlabelled pool, reports every fine-tuning epoch to the scheduler and stops when told', async () => {
    const seen: number[] = [];
    const stopped = await align.run({ ...small({ strategy: 'align', unlabelled_fraction: 0.25 }), onTargetEpoch: (epoch) => (seen.push(epoch), epoch < 2) });
    expect(seen).toEqual([1, 2]);
    expect(stopped.extra).toMatchObject({ unlabelled: 50, validation_rows: 150 });
    expect(stopped.metrics.confusion.flat().reduce((a, b) => a + b)).toBe(150);
    expect(stopped.cost.epochs).toBe(4 + 2);
    // 300 source rows per pre-training epoch (pool rows carry no label), 20 labelled rows per fine-tuning epoch.
    expect(stopped.cost.samples).toBe(300 * 4 + 20 * 2);
    const full = await dann.run(small({ strategy: 'dann' }));
    expect(full.cost.epochs).toBe(8);
    expect(full.extra!.domain_loss).toBeGreaterThan(0.1);
  });

  it('is deterministic, and alignment_weight 0 is finetune on the same rows', async () => {
    const a = await align.run(small({ strategy: 'align', alignment: 'mmd' }));
    const b = await align.run(small({ strategy: 'align', alignment: 'mmd' }));
    expect(b.metrics).toEqual(a.metrics);
    const off = await dann.run(small({ strategy: 'dann', alignment_weight: 0 }));
    const offAlign = await align.run(small({ strategy: 'align', alignment_weight: 0 }));
    expect(offAlign.metrics).toEqual(off.metrics);
    // finetune measures on every validation row, but trains the same model: the test rows agree.
    expect(offAlign.test).toEqual((await finetune.run(small({}))).test);
    expect(a.metrics).not.toEqual(offAlign.metrics);
  });

  it('works with feature selection, pruning, int8 quantisation and export', async () => {
    const result = await align.run({
      ...small({ strategy: 'align', alignment: 'coral', feature_selection: 'variance', feature_k: 10, prune_sparsity: 0.5, quantize: 'int8' }),
      artifact: true,
    });
    expect(result.extra).toMatchObject({ features: 10 });
    expect(result.extra!.nonzeros).toBeLessThan(result.extra!.params * 0.6);
    expect(result.preprocessing?.columns).toHaveLength(10);
    expect(result.metrics.accuracy).toBeGreaterThan(0.4); // 4 classes: chance is about 0.25
    expect(result.artifact!.meta.recipe.strategy).toBe('align');
    expect(result.artifact!.weights.byteLength).toBeGreaterThan(0);
    const exported = await dann.run({ ...small({ strategy: 'dann' }), artifact: true });
    expect(exported.artifact!.weightSpecs.length).toBe(6); // 3 Dense layers: the domain classifier is not part of the model
  });

  it('combines with label_shift bbse: priors estimated once, the domain classifier stepping through both halves', async () => {
    const result = await dann.run(small({ strategy: 'dann', label_shift: 'bbse', pretrain_epochs: 3 }));
    const priors = [0, 1, 2, 3].map((k) => result.extra![`bbse_prior_${k}`]!);
    expect(priors.every((q) => q >= 0)).toBe(true);
    expect(priors.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
    expect(result.extra!.domain_loss).toBeGreaterThan(0.1);
    // Pre-training's two halves: 2 epochs on the 240 rows not held out for the confusion, 1 on all 300.
    expect(result.cost.samples).toBe(240 * 2 + 300 + 20 * 4);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('without sources it is the target-only baseline, and refuses a model without hidden layers', async () => {
    const baseline = await dann.run({ ...small({ strategy: 'dann' }), sources: [] });
    expect(baseline.cost).toMatchObject({ epochs: 4, samples: 80 });
    expect(baseline.extra!.domain_loss).toBeUndefined();
    const noPretraining = await dann.run(small({ strategy: 'dann', pretrain_epochs: 0 }));
    expect(noPretraining.extra!.domain_loss).toBeUndefined();
    await expect(align.run({ ...small({ strategy: 'align' }), model: { ...MODEL, hidden: [] } })).rejects.toThrow(/at least one hidden layer/);
  });
});
