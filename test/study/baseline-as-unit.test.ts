// A target-only unit is its recipe's baseline (src/study/run-study.ts, baselineAsUnit): once the
// baseline is stored, a trial without sources is answered from it instead of training again, and the
// answer is the result training would have given, bit for bit. Real pool, real SQLite, real training.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStudyFile } from '../../src/config/index.js';
import { SqliteStore } from '../../src/store/index.js';
import { decodeStoredUnit } from '../../src/study/decoders.js';
import { PoolExecutor } from '../../src/study/pool-executor.js';
import { runStudy } from '../../src/study/run-study.js';
import { StudyHandle } from '../../src/study/study-handle.js';
import type { StoredUnit } from '../../src/spec/units.js';
import { syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';

/** Only the subset is searched: every trial shares one recipe, hence one baseline per target and seed. */
function fixedRecipeYaml(name: string, extra: string): string {
  return syntheticStudyYaml({ name, trials: 3, workers: 1, seeds: 2, extra }).replace('  learning_rate: { type: float, low: 0.003, high: 0.05, log: true }\n', '');
}

interface Ran {
  /** Per trial (in number order): its units, decoded, by seed index. */
  readonly units: StoredUnit[][];
  readonly baselines: number;
}

async function run(executor: PoolExecutor, name: string, extra: string): Promise<Ran> {
  const study = loadStudyFile(writeStudy(tempDir(), fixedRecipeYaml(name, extra)));
  const store = SqliteStore.open(join(tempDir(), `${name}.db`));
  try {
    const handle = StudyHandle.open({ store, study });
    // One trial with a source first (it trains and stores the baselines), then two without.
    for (const sources of [['near'], [], []]) handle.enqueue({ sources });
    await runStudy({ handle, executor });
    const trials = store.getTrials(handle.id);
    expect(trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE']);
    const units = trials.map((t) =>
      store
        .getUnits(t.id)
        .map((u) => decodeStoredUnit(u.result, `${name} #${t.number}`))
        .sort((a, b) => a.seedIndex - b.seedIndex),
    );
    return { units, baselines: store.getBaselines(handle.id).length };
  } finally {
    store.close();
  }
}

describe('a target-only unit answered from its baseline', () => {
  let executor: PoolExecutor;
  beforeAll(async () => {
    // One worker: the first trial's units (and their baselines) are stored before the next trial starts.
    executor = await PoolExecutor.start({ workers: 1, backend: null });
  });
  afterAll(async () => {
    await executor.close();
  });

  it('is not trained once the baseline is stored, and equals the trained unit exactly', async () => {
    const answered = await run(executor, 'answered', '');
    // `artifacts: all` keeps every model, which a baseline does not have: there the units train.
    const trained = await run(executor, 'trained', 'artifacts: all');
    expect(answered.baselines).toBe(2);
    expect(trained.baselines).toBe(2);
    for (const trial of [1, 2]) {
      for (const unit of answered.units[trial]!) {
        expect(unit.workerMs, `answered #${trial} seed ${unit.seedIndex}`).toBe(0);
        expect(unit.gain.accuracy).toBe(0);
        // The baseline the first trial's unit of the same seed was measured against.
        expect(unit.metrics).toEqual(answered.units[0]![unit.seedIndex]!.baseline);
      }
      for (const unit of trained.units[trial]!) expect(unit.workerMs, `trained #${trial} seed ${unit.seedIndex}`).toBeGreaterThan(0);
      // Same metrics, epochs, samples and preprocessing as when the unit trains: only the times differ.
      const strip = (u: StoredUnit) => ({ ...u, workerMs: 0, cost: { ...u.cost, ms: 0 } });
      expect(answered.units[trial]!.map(strip)).toEqual(trained.units[trial]!.map(strip));
    }
    // The trial with a source trains in both.
    expect(answered.units[0]!.map((u) => u.workerMs > 0)).toEqual([true, true]);
  });
});
