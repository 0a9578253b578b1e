// LwF-style output distillation (recipe key lwf, with head keep): the fine-tuned model keeps more of
// what the pre-trained model predicted, on the target rows and on the source task it came from.
import { beforeAll, describe, expect, it } from 'vitest';
import { finetune, selftrain } from '../../src/strategies/index.js';
import type { LayerSnapshot } from '../../src/training/types.js';
import { initBackend } from '../../src/worker/backend.js';
import { parseStudy } from '../../src/config/index.js';
import { familyTask, strategyInput } from './helpers.js';

beforeAll(async () => {
  await initBackend('wasm');
});

/** The head's logits of `rows` rows under a relu MLP's snapshot. */
function logits(layers: readonly LayerSnapshot[], x: Float32Array, rows: number): Float64Array {
  let h = Float64Array.from(x);
  let width = x.length / rows;
  layers.forEach((layer, index) => {
    const out = layer.bias.length;
    const next = new Float64Array(rows * out);
    for (let i = 0; i < rows; i++) {
      for (let o = 0; o < out; o++) {
        let v = layer.bias[o]!;
        for (let j = 0; j < width; j++) v += h[i * width + j]! * layer.kernel[j * out + o]!;
        next[i * out + o] = index === layers.length - 1 ? v : Math.max(0, v);
      }
    }
    h = next;
    width = out;
  });
  return h;
}

function argmaxAccuracy(z: Float64Array, labels: Int32Array, k: number): number {
  let correct = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if (z[i * k + c]! > z[i * k + best]!) best = c;
    if (best === labels[i]) correct += 1;
  }
  return correct / labels.length;
}

describe('lwf (LwF-style output distillation, Li and Hoiem 2016)', () => {
  const source = familyTask(0.3, 10, 400);
  const sourceTest = familyTask(0.3, 10, 800); // the same task's rule; later rows unseen in training
  const train = familyTask(1, 99, 60);
  const validation = familyTask(1, 98, 300);
  const base = strategyInput({ train, validation, sources: [source] }, { pretrain_epochs: 8, epochs: 20, freeze_layers: 0, head: 'keep' });

  async function run(lwf: number) {
    const phases: Record<string, readonly LayerSnapshot[]> = {};
    const result = await finetune.run({ ...base, recipe: { ...base.recipe, lwf }, observer: { onPhaseEnd: (phase, layers) => void (phases[phase] = layers) } });
    const held = { features: sourceTest.features.subarray(400 * 16), labels: sourceTest.labels.subarray(400), rows: 400 };
    const sourceAccuracy = argmaxAccuracy(logits(phases['fine-tuning']!, held.features, held.rows), held.labels, 4);
    const pretrainedOnTarget = logits(phases['pre-training']!, validation.features, validation.rows);
    const fineOnTarget = logits(phases['fine-tuning']!, validation.features, validation.rows);
    let agree = 0;
    for (let i = 0; i < validation.rows; i++) {
      const top = (z: Float64Array) => [0, 1, 2, 3].reduce((b, c) => (z[i * 4 + c]! > z[i * 4 + b]! ? c : b), 0);
      if (top(pretrainedOnTarget) === top(fineOnTarget)) agree += 1;
    }
    return { result, sourceAccuracy, agreement: agree / validation.rows };
  }

  it('keeps the pre-trained predictions and the source task better than plain fine-tuning', async () => {
    const plain = await run(0);
    const kept = await run(3);
    // Measured (a weakly related source, rho 0.3; lwf 3): agreement with the pre-trained model's
    // predictions on the target 0.62 -> 0.90, source-task accuracy 0.60 -> 0.84; the price is target
    // accuracy (0.74 -> 0.58), the stability-plasticity trade LwF makes.
    expect(kept.agreement).toBeGreaterThan(plain.agreement + 0.15);
    expect(kept.sourceAccuracy).toBeGreaterThan(plain.sourceAccuracy + 0.1);
  });

  it('does nothing with a fresh head or without transfer; refuses consistency rows; runs through selection, compression and export', async () => {
    const reinit = { ...base.recipe, head: 'reinit' as const };
    expect((await finetune.run({ ...base, recipe: { ...reinit, lwf: 3 } })).metrics).toEqual((await finetune.run({ ...base, recipe: reinit })).metrics);
    const alone = { ...base, sources: [] };
    expect((await finetune.run({ ...alone, recipe: { ...base.recipe, lwf: 3 } })).metrics).toEqual((await finetune.run(alone)).metrics);
    await expect(
      selftrain.run({ ...base, recipe: { ...base.recipe, strategy: 'selftrain', lwf: 1, consistency_weight: 1 } }),
    ).rejects.toThrow(/lwf cannot be combined with consistency_weight/);
    const full = await finetune.run({
      ...base,
      recipe: { ...base.recipe, lwf: 1, epochs: 5, feature_selection: 'variance', feature_k: 10, prune_sparsity: 0.5, quantize: 'int8' },
      artifact: true,
    });
    expect(full.extra).toMatchObject({ features: 10 });
    expect(full.metrics.accuracy).toBeGreaterThan(0.4); // 4 classes
    expect(full.artifact!.meta.recipe.lwf).toBe(1);
  });

  it('the study file accepts it only where a trial keeps the head, and never with consistency rows', () => {
    const study = (recipe: string, space = '') => `
name: lwf
datasets:
  family: { synthetic: { features: 8, latent: 4, classes: 3, rows: 200, seed: 1 } }
sources:
  - { name: s, dataset: family, rho: 1 }
targets:
  - { name: t, dataset: family, rho: 1, labelled: 12 }
model: { hidden: [8] }
recipe: ${recipe}
${space}
budget: { trials: 2, epochs: 3, seeds: 1 }
`;
    expect(parseStudy(study('{ strategy: finetune, head: keep, lwf: 0.5 }'), 'l.yaml').recipe).toMatchObject({ head: 'keep', lwf: 0.5 });
    const searched = study('{ strategy: finetune, lwf: 0.5 }', 'space:\n  head: { type: categorical, choices: [reinit, keep] }');
    expect(parseStudy(searched, 'l.yaml').recipe).toMatchObject({ lwf: 0.5 });
    expect(() => parseStudy(study('{ strategy: finetune, lwf: 0.5 }'), 'l.yaml')).toThrow(/^l\.yaml:\d+:\d+: recipe\.lwf: only used with head keep/);
    expect(() => parseStudy(study('{ strategy: selftrain, head: keep, lwf: 0.5, consistency_weight: 1 }'), 'l.yaml')).toThrow(
      /^l\.yaml:\d+:\d+: recipe\.lwf: cannot be combined with consistency_weight/,
    );
  });
});
