// The unit's preprocessing and transfer protocol, through real training: scaling is fitted on the
// rows the unit trains on only, per_task scales each task with its own statistics, and a kept head
// carries the sources' labels into fine-tuning.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Dataset } from '../../src/data/types.js';
import { finetune, type LayerSnapshot } from '../../src/strategies/index.js';
import { initBackend } from '../../src/worker/backend.js';
import { blobCentres, blobs, strategyInput } from './helpers.js';

beforeAll(async () => {
  await initBackend('cpu');
});

const centres = blobCentres(3, 6, 21);
const train = blobs(centres, 3, 24, 1);
const validation = blobs(centres, 3, 60, 2);
const source = blobs(centres, 3, 120, 3);

/** `ds` with every feature times `factor` plus `shift` (another domain's units). */
function rescaled(ds: Dataset, factor: number, shift = 0): Dataset {
  return { ...ds, features: ds.features.map((v) => v * factor + shift) };
}

async function run(recipe: Record<string, unknown>, extra: Partial<Parameters<typeof strategyInput>[0]> = {}) {
  let final: readonly LayerSnapshot[] = [];
  const observer = { onPhaseEnd: (_: unknown, layers: readonly LayerSnapshot[]) => (final = layers) };
  const result = await finetune.run({ ...strategyInput({ train, validation, sources: [source], ...extra }, recipe), observer });
  return { result, final };
}

describe('preprocessing inside the unit', () => {
  it('never fits on validation or test rows: an extreme value planted there changes neither the statistics nor the model', async () => {
    const planted = { ...validation, features: Float32Array.from(validation.features, (v, i) => (i === 7 ? 1e6 : v)) };
    const test = blobs(centres, 3, 30, 4);
    const plantedTest = { ...test, features: Float32Array.from(test.features, (v, i) => (i === 3 ? -1e6 : v)) };
    for (const scaling of ['standard', 'minmax'] as const) {
      const clean = await run({ scaling }, { test });
      const dirty = await run({ scaling }, { validation: planted, test: plantedTest });
      expect(dirty.result.preprocessing).toEqual(clean.result.preprocessing);
      expect(dirty.final).toEqual(clean.final);
      expect(clean.result.preprocessing?.scaling?.kind).toBe(scaling);
      expect(clean.result.test).toBeDefined();
    }
  });

  it('missing: impute fills a missing value with the training rows\' mean, never the validation rows\'', async () => {
    // Every fifth value of the training rows and of the source missing (NaN), a few in validation.
    const holes = (ds: Dataset, every: number): Dataset => ({ ...ds, imputed: true, features: Float32Array.from(ds.features, (v, i) => (i % every === 0 ? Number.NaN : v)) });
    const [train5, source5, validation7] = [holes(train, 5), holes(source, 5), holes(validation, 7)];
    const clean = await run({ scaling: 'standard' }, { train: train5, sources: [source5], validation: validation7 });
    const planted = { ...validation7, features: Float32Array.from(validation7.features, (v, i) => (i === 8 ? 1e6 : v)) };
    const dirty = await run({ scaling: 'standard' }, { train: train5, sources: [source5], validation: planted });
    expect(dirty.result.preprocessing).toEqual(clean.result.preprocessing);
    expect(dirty.final).toEqual(clean.final);
    // The statistics are those of the values present in the rows trained on (pooled: target and source).
    const cols = train.cols;
    const present = [train5, source5].flatMap((ds) => Array.from(ds.features).filter((v, i) => i % cols === 1 && !Number.isNaN(v)));
    const mean = present.reduce((a, v) => a + v, 0) / present.length;
    expect(clean.result.preprocessing!.scaling!.offset[1]).toBeCloseTo(mean, 10);
    expect(Number.isFinite(clean.result.metrics.accuracy)).toBe(true);
    expect(clean.result.metrics.accuracy).toBeGreaterThan(0.6);
    // And with a scaling that has no mean to fill with, the unit refuses (the study's load does first).
    await expect(run({ scaling: 'minmax' }, { train: train5, sources: [source5], validation: validation7 })).rejects.toThrow(/missing: impute needs scaling: standard/);
  });

  it('none leaves the rows as they are and stores no preprocessing', async () => {
    const { result } = await run({ scaling: 'none' });
    expect(result.preprocessing).toBeUndefined();
    expect(result.test).toBeUndefined();
  });

  it('per_task scales each task with its own statistics; pooled fits one over the target and the sources', async () => {
    const far = rescaled(source, 100, 50);
    const pooled = await run({ scaling: 'standard', scaling_fit: 'pooled' }, { sources: [far] });
    const target = await run({ scaling: 'standard', scaling_fit: 'target' }, { sources: [far] });
    const perTask = await run({ scaling: 'standard', scaling_fit: 'per_task' }, { sources: [far] });
    // The target's rows get the target's own statistics under target and per_task, pooled ones otherwise.
    expect(perTask.result.preprocessing!.scaling!.offset).toEqual(target.result.preprocessing!.scaling!.offset);
    expect(pooled.result.preprocessing!.scaling!.offset).not.toEqual(target.result.preprocessing!.scaling!.offset);
    expect(pooled.result.preprocessing!.scaling!.scale[0]).toBeGreaterThan(10 * target.result.preprocessing!.scaling!.scale[0]!);
    // Same target statistics, but the source is scaled differently: the pre-trained model differs.
    expect(perTask.final).not.toEqual(target.final);
    // A source 100x off the target's scale transfers when each task is standardised on its own.
    expect(perTask.result.metrics.accuracy).toBeGreaterThan(target.result.metrics.accuracy);
  });
});

describe('head: keep', () => {
  it('carries the pre-trained head into fine-tuning: a source with shuffled labels then costs the target far more', async () => {
    const shuffled = { ...source, labels: Int32Array.from(source.labels, (l) => (l + 1) % 3) };
    const recipe = { scaling: 'standard', pretrain_epochs: 20, epochs: 3, freeze_layers: 0, learning_rate: 0.01 };
    const keepClean = await run({ ...recipe, head: 'keep' });
    const keepShuffled = await run({ ...recipe, head: 'keep' }, { sources: [shuffled] });
    const reinitShuffled = await run({ ...recipe, head: 'reinit' }, { sources: [shuffled] });
    expect(keepClean.result.metrics.accuracy).toBeGreaterThan(0.9);
    expect(keepShuffled.result.metrics.accuracy).toBeLessThan(keepClean.result.metrics.accuracy - 0.3);
    expect(keepShuffled.result.metrics.accuracy).toBeLessThan(reinitShuffled.result.metrics.accuracy - 0.2);
  });
});
