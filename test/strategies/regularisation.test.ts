// Regularisation across strategies (recipe keys weight_decay and l2sp): L2-SP at a huge weight keeps
// the fine-tuned body at its pre-trained weights, weight decay shrinks the kernels, and neither
// changes anything where it does not apply. Real training on wasm (the fused Adam kernel).
import { beforeAll, describe, expect, it } from 'vitest';
import type { Recipe } from '../../src/spec/recipe.js';
import { splitTarget } from '../../src/data/index.js';
import { distill, finetune, multitask, selftrain, type LayerSnapshot, type Strategy } from '../../src/strategies/index.js';
import type { TrainingPhase } from '../../src/training/index.js';
import { initBackend } from '../../src/worker/backend.js';
import { parseStudy } from '../../src/config/index.js';
import { recipeFor } from '../../src/search/space.js';
import { familyTask, strategyInput } from './helpers.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const WIDE = { features: 20, latent: 8, noise: 0.1 };
const target = familyTask(1, 1, 300, WIDE);
const split = splitTarget(target, 20, 1);
const related = familyTask(0.9, 10, 400, WIDE);

/** Runs `strategy` and returns its metrics and the weights at the end of every phase. */
async function phases(strategy: Strategy, recipe: Partial<Recipe>, sources = [related]) {
  const seen = new Map<TrainingPhase, LayerSnapshot[]>();
  const observer = { onPhaseEnd: (phase: TrainingPhase, layers: readonly LayerSnapshot[]) => void seen.set(phase, [...layers]) };
  const input = strategyInput({ ...split, sources, observer }, { pretrain_epochs: 5, epochs: 10, freeze_layers: 0, ...recipe });
  const result = await strategy.run(input);
  return { result, seen };
}

/** Largest |a - b| over two kernels. */
function maxDiff(a: Float32Array, b: Float32Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs((a[i] as number) - (b[i] as number)));
  return max;
}

/** Euclidean norm of a kernel. */
function norm(a: Float32Array): number {
  let sum = 0;
  for (const v of a) sum += v * v;
  return Math.sqrt(sum);
}

describe('l2sp (L2-SP, Li et al. 2018)', () => {
  it('at a huge weight keeps the fine-tuned body at its pre-trained kernels; at 0 they move', async () => {
    const free = await phases(finetune, { l2sp: 0 });
    const held = await phases(finetune, { l2sp: 100 });
    for (const layer of [0, 1]) {
      const moved = maxDiff(free.seen.get('pre-training')![layer]!.kernel, free.seen.get('fine-tuning')![layer]!.kernel);
      const kept = maxDiff(held.seen.get('pre-training')![layer]!.kernel, held.seen.get('fine-tuning')![layer]!.kernel);
      expect(moved, `layer ${layer} without l2sp`).toBeGreaterThan(0.1);
      // Adam steps by about the learning rate (0.01) whatever the gradient's size: the pull holds the
      // weights within a fraction of one step of w0.
      expect(kept, `layer ${layer} with l2sp 100`).toBeLessThan(0.006);
    }
    // The re-initialised head has no anchor: it trains as freely as without L2-SP.
    const head = held.seen.get('fine-tuning')![2]!.kernel;
    expect(maxDiff(head, held.seen.get('pre-training')![2]!.kernel)).toBeGreaterThan(0.1);
    expect(held.result.metrics.accuracy).toBeGreaterThan(0.4);
  });

  it("holds in selftrain's later rounds and in distill's teacher too", async () => {
    const self = await phases(selftrain, { strategy: 'selftrain', l2sp: 100, confidence_threshold: 0.5 });
    expect(self.result.extra!.pseudo_labelled).toBeGreaterThan(0);
    const teacher = await phases(distill, { strategy: 'distill', l2sp: 100 });
    for (const [run, last] of [[self, 'self-training'], [teacher, 'fine-tuning']] as const) {
      for (const layer of [0, 1]) {
        expect(maxDiff(run.seen.get('pre-training')![layer]!.kernel, run.seen.get(last)![layer]!.kernel), `${last} layer ${layer}`).toBeLessThan(0.006);
      }
    }
  });

  it('does nothing without transfer: no sources, or pretrain_epochs 0', async () => {
    for (const [sources, pretrain] of [[[], 5], [[related], 0]] as const) {
      const off = await phases(finetune, { l2sp: 0, pretrain_epochs: pretrain }, [...sources]);
      const on = await phases(finetune, { l2sp: 100, pretrain_epochs: pretrain }, [...sources]);
      expect(on.result.metrics).toEqual(off.result.metrics);
      expect(on.seen.get('target-only training')).toEqual(off.seen.get('target-only training'));
    }
  });
});

describe('weight_decay (decoupled, AdamW)', () => {
  const last = { finetune: 'fine-tuning', multitask: 'joint training', selftrain: 'self-training', distill: 'distillation' } as const;
  const strategies = { finetune, multitask, selftrain, distill } as const;
  for (const name of ['finetune', 'multitask', 'selftrain', 'distill'] as const) {
    it(`shrinks every kernel of ${name}'s model against the same run without it`, async () => {
      const strategy = strategies[name];
      const plain = await phases(strategy, { strategy: name, weight_decay: 0 });
      const decayed = await phases(strategy, { strategy: name, weight_decay: 1 });
      const before = plain.seen.get(last[name])!;
      const after = decayed.seen.get(last[name])!;
      after.forEach((layer, i) => expect(norm(layer.kernel), `${name} layer ${i}`).toBeLessThan(0.95 * norm(before[i]!.kernel)));
    });
  }
});

describe('the recipe keys', () => {
  const STUDY = `name: regul
seed: 1
datasets:
  family: { synthetic: { features: 8, latent: 4, classes: 3, rows: 120, noise: 0.2, seed: 2 } }
sources:
  - { name: close, dataset: family, rho: 0.9 }
targets:
  - { name: t, dataset: family, rho: 1, labelled: 24 }
recipe: { epochs: 3 }
space:
  weight_decay: { type: float, low: 0.0001, high: 0.1, log: true }
  l2sp: { type: float, low: 0.01, high: 10, log: true }
  sources: { type: subset }
budget: { trials: 2, epochs: 3 }
`;

  it('are searchable; left out, a resolved recipe holds neither (stored specs stay equal)', () => {
    const study = parseStudy(STUDY, '/nowhere/s.yaml');
    expect(study.recipe).not.toHaveProperty('weight_decay');
    expect(study.recipe).not.toHaveProperty('l2sp');
    expect(recipeFor(study, { weight_decay: 0.01, l2sp: 2, sources: [] })).toMatchObject({ weight_decay: 0.01, l2sp: 2 });
    const fixed = parseStudy(STUDY.replace(/^space:[\s\S]*?^budget:/m, 'budget:'), '/nowhere/s.yaml');
    expect(fixed.recipe).not.toHaveProperty('weight_decay');
    expect(fixed.recipe).not.toHaveProperty('l2sp');
  });

  it('refuse l2sp where no trial transfers by fine-tuning (multitask only)', () => {
    const multitask = STUDY.replace('recipe: { epochs: 3 }', 'recipe: { epochs: 3, strategy: multitask, l2sp: 1 }').replace(/^space:[\s\S]*?^budget:/m, 'budget:');
    expect(() => parseStudy(multitask, 's.yaml')).toThrow(/recipe\.l2sp: only used with strategy finetune or selftrain or distill or align or dann or reptile \(no trial of this study can use it\)/);
  });

  it('a recipe without them trains exactly as with both at 0', async () => {
    const without = await phases(finetune, {});
    const zero = await phases(finetune, { weight_decay: 0, l2sp: 0 });
    expect(zero.result.metrics).toEqual(without.result.metrics);
    expect(zero.seen).toEqual(without.seen);
  });
});
