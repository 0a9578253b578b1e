// The bayes sampler behind the real ask/tell API: parallel askers on one SQLite file see each other's
// RUNNING trials (read inside the creating transaction), and a resumed study may switch sampler.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BAYES_DEFAULTS } from '../../src/spec/study.js';
import { createSampler } from '../../src/search/samplers/index.js';
import { StudyHandle } from '../../src/study/study-handle.js';
import type { SearchSpace } from '../../src/spec/space.js';
import { tempDir } from '../helpers/cli.js';
import { sqliteStoresClosedAfterEach } from '../helpers/sqlite-stores.js';
import { resolvedStudy } from '../helpers/resolved-study.js';

const openStore = sqliteStoresClosedAfterEach();

const SPACE: SearchSpace = [
  { name: 'learning_rate', distribution: { type: 'float', low: 1e-4, high: 1e-1, log: true } },
  { name: 'sources', distribution: { type: 'subset', items: ['a', 'b', 'c', 'd'], min: 0, max: 4 } },
];
const bayes = resolvedStudy({ space: SPACE, sampler: { kind: 'bayes', ...BAYES_DEFAULTS }, budget: { trials: 40, workers: 2, epochs: 10, seeds: 1 } });
const value = (params: Record<string, unknown>) => -Math.abs(Math.log10(params.learning_rate as number) + 2) + (params.sources as string[]).length * 0.1;

describe('bayes through StudyHandle', () => {
  it('two processes asking in turn with trials still running never get the same proposal', () => {
    const path = join(tempDir(), 'parallel.db');
    const a = StudyHandle.open({ store: openStore(path), study: bayes });
    const b = StudyHandle.open({ store: openStore(path), study: bayes });
    const running: { handle: StudyHandle; id: number; params: Record<string, unknown> }[] = [];
    const seen = new Set<string>();
    for (let step = 0; step < 36; step++) {
      const handle = step % 2 === 0 ? a : b;
      const trial = handle.ask()!;
      const key = JSON.stringify(trial.params);
      expect(seen.has(key)).toBe(false);
      seen.add(key);
      running.push({ handle, id: trial.id, params: trial.params });
      // Each process keeps two trials running: the asks in between see them as RUNNING.
      if (running.length > 3) {
        const done = running.shift()!;
        done.handle.tell(done.id, { state: 'COMPLETE', value: value(done.params) });
      }
    }
  });

  it('a study may be resumed with another sampler: the sampler is operational, not part of its meaning', () => {
    const path = join(tempDir(), 'switch.db');
    const random = { ...bayes, sampler: { kind: 'random' as const } };
    const first = StudyHandle.open({ store: openStore(path), study: random });
    const t = first.ask()!;
    first.tell(t.id, { state: 'COMPLETE', value: 0.5 });
    const again = StudyHandle.open({ store: openStore(path), study: bayes });
    expect(again.created).toBe(false);
    expect(again.drift).toEqual([]);
    expect(again.study.sampler.kind).toBe('bayes');
    expect(createSampler(again.study).name).toBe('bayes');
    expect(again.ask()!.number).toBe(1);
  });
});
