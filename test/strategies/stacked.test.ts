// Units of one trial (targets x seeds) run side by side with their training phases stacked
// (runInStack) against the same units run one at a time: every strategy's metrics, cost in samples
// and final weights (the exported artifact's bytes) are the same, bit for bit under relu on wasm.
// Says which phases stacked: finetune, selftrain, distill's teacher and reptile's inner runs all stack; distillation itself
// and multitask's joint phase run alone (their passes are not stacked). Real training, small data.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Recipe, StrategyName } from '../../src/spec/recipe.js';
import { getStrategy, type StrategyInput } from '../../src/strategies/index.js';
import type { StrategyResult } from '../../src/strategies/types.js';
import { runInStack } from '../../src/training/phase-stack.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { MODEL, RECIPE, blobCentres, blobs } from './helpers.js';

const CLASSES = 4;
const COLS = 8;
const centres = blobCentres(CLASSES, COLS, 11);
const sources = [blobs(centres, CLASSES, 150, 3), blobs(centres, CLASSES, 120, 4)];
// Two targets with different labelled row counts, two seeds each: the four units of a trial.
const targets = [
  { train: blobs(centres, CLASSES, 40, 1), validation: blobs(centres, CLASSES, 200, 2) },
  { train: blobs(centres, CLASSES, 57, 5), validation: blobs(centres, CLASSES, 180, 6) },
];

function units(recipe: Partial<Recipe>, withSources = true): StrategyInput[] {
  return targets.flatMap((t) =>
    [1, 2].map((seed) => ({
      tf,
      sources: withSources ? sources : [],
      ...t,
      numClasses: CLASSES,
      model: MODEL,
      recipe: { ...RECIPE, epochs: 6, ...recipe },
      seed,
      artifact: true,
    })),
  );
}

beforeAll(async () => {
  expect(await initBackend('wasm')).toBe('wasm');
});

function comparable(result: StrategyResult) {
  const { cost, artifact, ...rest } = result;
  return { ...rest, epochs: cost.epochs, samples: cost.samples, weights: Buffer.from(artifact!.weights).toString('base64') };
}

async function alongside(strategy: StrategyName, inputs: readonly StrategyInput[]) {
  const s = getStrategy(strategy);
  const alone: StrategyResult[] = [];
  for (const input of inputs) alone.push(await s.run(input));
  const { results, counts } = await runInStack(tf, inputs.map((input) => (training) => s.run({ ...input, training })));
  const stacked = results.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
  return { alone, stacked, counts };
}

describe('units of a trial trained stacked', () => {
  it('finetune: the same metrics and weights as alone, pre-training and fine-tuning stacked', async () => {
    const { alone, stacked, counts } = await alongside('finetune', units({}));
    expect(stacked.map(comparable)).toEqual(alone.map(comparable));
    // 4 units x (pre-training + fine-tuning), all in stacks of 4.
    expect(counts).toEqual({ stacks: 2, stacked: 8, alone: 0 });
  });

  it('finetune with early stops (onTargetEpoch), dropout, weight decay and L2-SP: the same as alone', async () => {
    const inputs = units({ dropout: 0.2, weight_decay: 0.01, l2sp: 0.1, transfer_lr_mult: 0.5 }).map((u, i) => ({
      ...u,
      onTargetEpoch: (epoch: number) => epoch < 2 + i,
    }));
    const { alone, stacked, counts } = await alongside('finetune', inputs);
    expect(stacked.map(comparable)).toEqual(alone.map(comparable));
    expect(alone.map((r) => r.cost.epochs)).toEqual([3 + 2, 3 + 3, 3 + 4, 3 + 5]);
    expect(counts.stacked).toBe(8);
  });

  it('the target-only baseline (no sources) of every strategy that trains one: the same as alone', async () => {
    for (const strategy of ['finetune', 'multitask', 'selftrain', 'reptile'] as const) {
      const { alone, stacked, counts } = await alongside(strategy, units({ strategy }, false));
      expect(stacked.map(comparable)).toEqual(alone.map(comparable));
      expect(counts.stacked).toBeGreaterThanOrEqual(4);
    }
  });

  it('selftrain: warm-up and every round stacked, the same as alone', async () => {
    const { alone, stacked, counts } = await alongside('selftrain', units({ strategy: 'selftrain', selftrain_rounds: 2, confidence_threshold: 0.5 }));
    expect(stacked.map(comparable)).toEqual(alone.map(comparable));
    expect(counts.alone).toBe(0);
    expect(counts.stacked).toBeGreaterThanOrEqual(12);
  });

  it('distill: the teachers stack, the students (distillation) train alone; the same as alone', async () => {
    const { alone, stacked, counts } = await alongside('distill', units({ strategy: 'distill' }));
    expect(stacked.map(comparable)).toEqual(alone.map(comparable));
    expect(counts).toEqual({ stacks: 2, stacked: 8, alone: 4 });
  });

  it('finetune with label_shift bbse: both halves of pre-training and fine-tuning stacked, the same as alone', async () => {
    const { alone, stacked, counts } = await alongside('finetune', units({ label_shift: 'bbse' }));
    expect(stacked.map(comparable)).toEqual(alone.map(comparable));
    expect(counts.alone).toBe(0);
    expect(counts.stacked).toBeGreaterThanOrEqual(8);
  });

  it('finetune with class_weight balanced: the row weights reach the stack, the same as alone', async () => {
    const { alone, stacked, counts } = await alongside('finetune', units({ class_weight: 'balanced' }));
    expect(stacked.map(comparable)).toEqual(alone.map(comparable));
    expect(counts.alone).toBe(0);
    // The 57-row target's classes are 15, 14, 14, 14: weighted, it trains otherwise than unweighted.
    const plain = await getStrategy('finetune').run(units({})[2]!);
    expect(comparable(alone[2]!).weights).not.toBe(comparable(plain).weights);
  });

  for (const strategy of ['align', 'dann'] as const) {
    it(`${strategy}: pre-training with alignment runs alone, fine-tuning stacks; the same as alone`, async () => {
      const { alone, stacked, counts } = await alongside(strategy, units({ strategy }));
      expect(stacked.map(comparable)).toEqual(alone.map(comparable));
      expect(counts.alone).toBeGreaterThanOrEqual(4);
      expect(counts.stacked).toBeGreaterThanOrEqual(4);
    });
  }

  it('reptile: every inner run of meta-training and fine-tuning stacked, the same as alone', async () => {
    const { alone, stacked, counts } = await alongside('reptile', units({ strategy: 'reptile' }));
    expect(stacked.map(comparable)).toEqual(alone.map(comparable));
    // The units of a trial share their sources, so each runs as many inner runs: one stack per inner run.
    const iterations = alone[0]!.extra.reptile_iterations!;
    expect(iterations).toBeGreaterThan(1);
    expect(counts).toEqual({ stacks: iterations + 1, stacked: 4 * (iterations + 1), alone: 0 });
  });

  it('multitask with sources: the joint phase runs alone (not stacked); the results are the same', async () => {
    const { alone, stacked, counts } = await alongside('multitask', units({ strategy: 'multitask' }));
    expect(stacked.map(comparable)).toEqual(alone.map(comparable));
    expect(counts.stacked).toBe(0);
  });

  it('multitask with sharing soft: the coupled networks train alone, retraining after pruning stacks; the same as alone', async () => {
    const { alone, stacked, counts } = await alongside('multitask', units({ strategy: 'multitask', sharing: 'soft', sharing_weight: 1, prune_sparsity: 0.5, prune_epochs: 2 }));
    expect(stacked.map(comparable)).toEqual(alone.map(comparable));
    expect(counts).toEqual({ stacks: 1, stacked: 4, alone: 0 });
  });

  it('stacks only what it reproduces bit for bit: under tanh every phase trains alone, with the same results', async () => {
    const inputs = units({}).map((u) => ({ ...u, model: { ...MODEL, activation: 'tanh' as const } }));
    const { alone, stacked, counts } = await alongside('finetune', inputs);
    expect(stacked.map(comparable)).toEqual(alone.map(comparable));
    expect(counts.stacked).toBe(0);
    expect(counts.alone).toBe(8);
  });

  it('a unit that fails leaves the stack: the others finish as they do alone', async () => {
    const inputs = units({});
    const broken = { ...inputs[1]!, recipe: { ...inputs[1]!.recipe, learning_rate: 1e30 } };
    const s = getStrategy('finetune');
    const { results } = await runInStack(tf, [inputs[0]!, broken, inputs[2]!].map((input) => (training) => s.run({ ...input, training })));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const alone = await s.run(inputs[2]!);
    expect(comparable((results[2] as PromiseFulfilledResult<StrategyResult>).value)).toEqual(comparable(alone));
  });
});
