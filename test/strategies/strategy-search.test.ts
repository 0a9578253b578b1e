// Strategies as a search dimension, end to end: a study file searches the strategy and each
// strategy's keys under `when` conditions; trials run in real worker threads and store their extra
// figures with the gain over the same strategy's target-only baseline.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStudy } from '../../src/config/index.js';
import { StudyConfigError } from '../../src/errors.js';
import { PoolExecutor } from '../../src/study/pool-executor.js';
import { recipeFor } from '../../src/search/space.js';
import { StudyHandle } from '../../src/study/study-handle.js';
import { runStudy } from '../../src/study/run-study.js';
import type { StoredUnit } from '../../src/spec/units.js';
import { SqliteStore } from '../../src/store/index.js';

const STUDY = `name: strategies
seed: 4
datasets:
  family: { synthetic: { features: 8, latent: 4, classes: 3, rows: 240, noise: 0.2, seed: 2 } }
sources:
  - { name: close, dataset: family, rho: 0.9 }
  - { name: far, dataset: family, rho: -0.5 }
targets:
  - { name: t, dataset: family, rho: 1, labelled: 24 }
model: { hidden: [16, 8] }
recipe: { epochs: 3, pretrain_epochs: 2, batch_size: 16, fgsm_epsilon: 0.1, fgsm_ratio: 0 }
space:
  strategy: { type: categorical, choices: [finetune, multitask, selftrain, distill] }
  transfer_lr_mult: { type: float, low: 0.1, high: 1, when: { strategy: [finetune, selftrain, distill] } }
  task_weighting: { type: categorical, choices: [equal, uncertainty, dwa, gradnorm], when: { strategy: multitask } }
  gradnorm_alpha: { type: float, low: 0.5, high: 2, when: { task_weighting: gradnorm } }
  sharing: { type: categorical, choices: [hard, soft], when: { task_weighting: [equal, uncertainty, dwa] } }
  sharing_weight: { type: float, low: 0.1, high: 100, log: true, when: { sharing: soft } }
  selftrain_rounds: { type: int, low: 1, high: 2, when: { strategy: selftrain } }
  confidence_threshold: { type: float, low: 0.6, high: 0.95, when: { strategy: selftrain } }
  distill_temperature: { type: float, low: 1, high: 8, log: true, when: { strategy: distill } }
  student_fraction: { type: categorical, choices: [0.25, 0.5], when: { strategy: distill } }
  mixup_alpha: { type: categorical, choices: [0, 0.2] }
  prune_sparsity: { type: categorical, choices: [0, 0.5] }
  quantize: { type: categorical, choices: [none, int8] }
  feature_selection: { type: categorical, choices: [none, variance, mutual_info] }
  feature_k: { type: int, low: 4, high: 8, when: { feature_selection: [variance, mutual_info] } }
  sources: { type: subset, min: 0, max: 2 }
budget: { trials: 12, workers: 2, epochs: 3 }
`;

describe('strategy keys in a study file', () => {
  it('resolve only the keys a trial searched, conditionally', () => {
    const study = parseStudy(STUDY, '/nowhere/s.yaml');
    expect(study.recipe).toMatchObject({ strategy: 'finetune', fgsm_epsilon: 0.1, fgsm_ratio: 0 });
    expect(study.recipe).not.toHaveProperty('mixup_alpha');
    const recipe = recipeFor(study, { strategy: 'distill', distill_temperature: 2, student_fraction: 0.25, mixup_alpha: 0.2, sources: [] });
    expect(recipe).toMatchObject({ strategy: 'distill', distill_temperature: 2, student_fraction: 0.25, mixup_alpha: 0.2 });
    expect(recipe).not.toHaveProperty('task_weighting');
  });

  it('refuse a strategy key that no trial can use, naming it', () => {
    const fixed = STUDY.replace(/^space:[\s\S]*?^budget:/m, 'budget:').replace('fgsm_ratio: 0 }', 'fgsm_ratio: 0, distill_alpha: 0.5 }');
    expect(() => parseStudy(fixed, 's.yaml')).toThrow(StudyConfigError);
    expect(() => parseStudy(fixed, 's.yaml')).toThrow(/recipe\.distill_alpha: only used with strategy distill \(no trial of this study can use it\)/);
    const weighting = fixed.replace('distill_alpha: 0.5', 'dwa_temperature: 3, strategy: multitask');
    expect(() => parseStudy(weighting, 's.yaml')).toThrow(/recipe\.dwa_temperature: only used with task_weighting dwa/);
    const sharing = fixed.replace('distill_alpha: 0.5', 'sharing_weight: 3');
    expect(() => parseStudy(sharing, 's.yaml')).toThrow(/recipe\.sharing_weight: only used by strategy multitask \(no trial/);
    expect(() => parseStudy(sharing.replace('sharing_weight: 3', 'sharing_weight: 3, strategy: multitask'), 's.yaml')).toThrow(/recipe\.sharing_weight: only used with sharing soft/);
    const gradnorm = fixed.replace('distill_alpha: 0.5', 'strategy: multitask, sharing: soft, task_weighting: gradnorm');
    expect(() => parseStudy(gradnorm, 's.yaml')).toThrow(/recipe\.task_weighting: gradnorm cannot apply with sharing soft \(GradNorm balances/);
    // Searched together, a `when` must keep them apart.
    const searched = STUDY.replace(', when: { task_weighting: [equal, uncertainty, dwa] }', ', when: { strategy: multitask }');
    expect(() => parseStudy(searched, 's.yaml')).toThrow(/space\.sharing: lets a trial draw task_weighting gradnorm with sharing soft/);
  });
});

describe('a study searching strategies, on the pool', () => {
  let dir: string;
  let executor: PoolExecutor;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tasksieve-strategies-'));
    executor = await PoolExecutor.start({ workers: 2, backend: 'wasm' });
  });
  afterAll(async () => {
    await executor.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('completes every trial, whatever strategy it drew, with extra figures and a gain per unit', async () => {
    const study = parseStudy(STUDY, join(dir, 's.yaml'));
    const store = SqliteStore.open(join(dir, 's.db'));
    try {
      const handle = StudyHandle.open({ store, study });
      await runStudy({ handle, executor });
      const trials = store.getTrials(handle.id);
      expect(trials.map((t) => [t.number, t.state, t.error])).toEqual(trials.map((t) => [t.number, 'COMPLETE', null]));
      const strategies = new Set(trials.map((t) => t.params.strategy));
      expect(strategies.size).toBeGreaterThanOrEqual(3);
      for (const trial of trials) {
        const [unit] = store.getUnits(trial.id).map((u) => u.result as unknown as StoredUnit);
        expect(unit!.extra).toMatchObject({ params: expect.any(Number), bytes: expect.any(Number), fgsm_accuracy: expect.any(Number) });
        expect(unit!.gain.accuracy).toBeCloseTo(unit!.metrics.accuracy - unit!.baseline.accuracy, 12);
        if (trial.params.quantize === 'int8' || trial.params.prune_sparsity === 0.5) expect(unit!.extra).toHaveProperty('uncompressed_accuracy');
        if (trial.params.strategy === 'distill') expect(unit!.extra).toHaveProperty('teacher_accuracy');
      }
      // Soft sharing ran on the pool with the rest (its own source networks, compression, feature selection).
      expect(trials.some((t) => t.params.sharing === 'soft' && (t.params.sources as string[]).length > 0)).toBe(true);
    } finally {
      store.close();
    }
  });
});
