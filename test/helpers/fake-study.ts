// A stored study made quickly with the ask/tell API on a real SQLite store, with fake (seeded) values
// and units in the runner's stored shape: for report rendering and size tests, where training would
// only cost time. Source "b" is harmful by construction; learning_rate matters most.
import type { ResolvedStudy } from '../../src/spec/study.js';
import { StudyHandle } from '../../src/study/study-handle.js';
import type { StoredUnit } from '../../src/spec/units.js';
import type { Json } from '../../src/spec/records.js';
import type { Store } from '../../src/store/types.js';
import { Rng } from '../../src/util/rng.js';
import { resolvedStudy } from './resolved-study.js';

export interface FakeStudyOptions {
  readonly name?: string;
  readonly trials: number;
  readonly seed?: number;
  /** Every n-th trial fails with `failMessage` (0: none). */
  readonly failEvery?: number;
  readonly failMessage?: string;
  /** Record intermediate values per epoch and prune the trials whose value at epoch 2 is poor. */
  readonly rungs?: boolean;
  /** Leave the last trial RUNNING (a study still in progress). */
  readonly leaveRunning?: boolean;
}

export const FAKE_TARGETS = ['t1', 't2'] as const;

export function fakeStudySpec(options: FakeStudyOptions): ResolvedStudy {
  const base = resolvedStudy();
  return resolvedStudy({
    name: options.name ?? 'fake',
    targets: FAKE_TARGETS.map((name, i) => ({ ...base.targets[0]!, name, dataset: { ...base.targets[0]!.dataset, taskSeed: 99 + i } })),
    budget: { trials: options.trials, workers: 1, epochs: 10, seeds: 2 },
  });
}

function metrics(accuracy: number) {
  const a = Math.min(1, Math.max(0, accuracy));
  return { accuracy: a, macro_f1: a * 0.97, macro_recall: a * 0.98, confusion: [[1, 0], [0, 1]] };
}

export function makeFakeStudy(store: Store, options: FakeStudyOptions): StudyHandle {
  const study = fakeStudySpec(options);
  const handle = StudyHandle.open({ store, study });
  const rng = new Rng(options.seed ?? 1);
  for (let n = 0; n < options.trials; n++) {
    const trial = handle.ask();
    if (!trial) break;
    if (options.leaveRunning && n === options.trials - 1) break;
    if (options.failEvery && n % options.failEvery === options.failEvery - 1) {
      handle.tell(trial.id, { state: 'FAIL', error: options.failMessage ?? 'NaN loss at epoch 3', backend: 'wasm' });
      continue;
    }
    const lr = trial.params['learning_rate'] as number;
    const sources = trial.params['sources'] as readonly string[];
    // Best near lr = 0.01; source "b" costs 0.08, "a" adds 0.03.
    const quality = 0.8 - 0.05 * Math.log10(lr / 0.01) ** 2 - (sources.includes('b') ? 0.08 : 0) + (sources.includes('a') ? 0.03 : 0);
    const unitValues: number[] = [];
    for (const target of FAKE_TARGETS) {
      for (let seed = 0; seed < study.budget.seeds; seed++) {
        const baseline = 0.7 + 0.02 * rng.normal();
        const accuracy = quality + 0.02 * rng.normal();
        const m = metrics(accuracy);
        const b = metrics(baseline);
        const unit: StoredUnit = {
          seedIndex: seed,
          seed: 1000 + seed,
          metrics: m,
          cost: { epochs: 10, samples: 1200 + rng.int(0, 400), ms: 150 + rng.int(0, 100) },
          baseline: b,
          gain: { accuracy: m.accuracy - b.accuracy, macro_f1: m.macro_f1 - b.macro_f1, macro_recall: m.macro_recall - b.macro_recall },
          backend: 'wasm',
          workerMs: 180,
        } as StoredUnit;
        store.recordUnit(trial.id, target, seed, unit as unknown as Json);
        unitValues.push(m.accuracy);
      }
    }
    const value = unitValues.reduce((a, b) => a + b, 0) / unitValues.length;
    let pruned = false;
    if (options.rungs) {
      for (let epoch = 1; epoch <= 6; epoch++) {
        const v = value - 0.1 / epoch + 0.01 * rng.normal();
        store.recordIntermediate(trial.id, epoch, v);
        if (epoch === 2 && v < 0.6) {
          pruned = true;
          handle.tell(trial.id, { state: 'PRUNED', value: v, backend: 'wasm' });
          break;
        }
      }
    }
    if (!pruned) handle.tell(trial.id, { state: 'COMPLETE', value, backend: 'wasm' });
  }
  return handle;
}
