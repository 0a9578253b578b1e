import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GpSampler } from '../../../src/search/samplers/gp-sampler.js';
import type { SampleContext, TrialSnapshot } from '../../../src/search/samplers/types.js';
import { GP_DEFAULTS } from '../../../src/spec/study.js';
import type { Params, SearchSpace } from '../../../src/spec/space.js';
import { StudyHandle } from '../../../src/study/study-handle.js';
import { gpProbe } from '../../fixtures/search/gp-probe.js';
import { tempDir } from '../../helpers/cli.js';
import { resolvedStudy } from '../../helpers/resolved-study.js';
import { sqliteStoresClosedAfterEach } from '../../helpers/sqlite-stores.js';

const openStore = sqliteStoresClosedAfterEach();

const context = (space: SearchSpace, history: TrialSnapshot[], trialNumber = history.length, direction: 'maximize' | 'minimize' = 'minimize'): SampleContext => ({
  space,
  direction,
  history,
  trialNumber,
});

function optimise(sampler: GpSampler, space: SearchSpace, f: (p: Params) => number, trials: number): TrialSnapshot[] {
  const history: TrialSnapshot[] = [];
  for (let n = 0; n < trials; n++) {
    const params = sampler.sample(context(space, history));
    history.push({ number: n, state: 'COMPLETE', params, value: f(params) });
  }
  return history;
}

const XY: SearchSpace = [
  { name: 'x', distribution: { type: 'float', low: -1, high: 1, log: false } },
  { name: 'y', distribution: { type: 'float', low: -1, high: 1, log: false } },
];
const bowl = (p: Params) => ((p.x as number) - 0.3) ** 2 + ((p.y as number) + 0.2) ** 2;

describe('GpSampler', () => {
  it('finds the bottom of a smooth bowl far better than its random startup', () => {
    const history = optimise(new GpSampler(1), XY, bowl, 30);
    const startup = Math.min(...history.slice(0, 10).map((t) => t.value as number));
    const best = Math.min(...history.map((t) => t.value as number));
    expect(best).toBeLessThan(1e-4);
    expect(best).toBeLessThan(startup / 100);
  });

  it('never proposes an invalid categorical, integer or subset value (sizes within min and max)', () => {
    const items = ['a', 'b', 'c', 'd', 'e', 'f'];
    const space: SearchSpace = [
      { name: 'c', distribution: { type: 'categorical', choices: ['relu', 'tanh', 7, true] } },
      { name: 'k', distribution: { type: 'int', low: 3, high: 19, log: false, step: 4 } },
      { name: 'w', distribution: { type: 'int', low: 1, high: 300, log: true, step: 1 } },
      { name: 'sources', distribution: { type: 'subset', items, min: 2, max: 3 } },
    ];
    const f = (p: Params) =>
      (p.c === 7 ? 0 : 1) + Math.abs((p.k as number) - 11) / 4 + Math.abs(Math.log((p.w as number) / 40)) + ((p.sources as string[]).includes('e') ? 0 : 1);
    const history = optimise(new GpSampler(4), space, f, 45);
    for (const { params } of history.slice(10)) {
      expect(['relu', 'tanh', 7, true]).toContain(params.c);
      expect([3, 7, 11, 15, 19]).toContain(params.k);
      expect(Number.isInteger(params.w) && (params.w as number) >= 1 && (params.w as number) <= 300).toBe(true);
      const chosen = params.sources as string[];
      expect(chosen.length).toBeGreaterThanOrEqual(2);
      expect(chosen.length).toBeLessThanOrEqual(3);
      expect(chosen).toEqual(items.filter((i) => chosen.includes(i)));
    }
    // A discrete space: no point is proposed twice.
    expect(new Set(history.map((t) => JSON.stringify(t.params))).size).toBe(history.length);
    expect(Math.min(...history.map((t) => t.value as number))).toBeLessThan(0.5);
  });

  it('inactive conditional parameters do not change proposals, and are never proposed', () => {
    const space: SearchSpace = [
      { name: 'optimizer', distribution: { type: 'categorical', choices: ['adam', 'sgd'] } },
      { name: 'momentum', distribution: { type: 'float', low: 0, high: 0.99, log: false }, when: { optimizer: ['sgd'] } },
      { name: 'lr', distribution: { type: 'float', low: 1e-4, high: 1, log: true } },
    ];
    const f = (p: Params) => (Math.log10(p.lr as number) + 2) ** 2 + (p.optimizer === 'sgd' ? ((p.momentum as number) - 0.9) ** 2 : 0.05);
    const history = optimise(new GpSampler(6), space, f, 24);
    for (const { params } of history) expect('momentum' in params).toBe(params.optimizer === 'sgd');
    expect(history.some((t) => t.params.optimizer === 'adam') && history.some((t) => t.params.optimizer === 'sgd')).toBe(true);
    // The same history where every adam trial also carries a (meaningless) momentum value.
    let junk = 0;
    const polluted = history.map((t) => (t.params.optimizer === 'adam' ? { ...t, params: { ...t.params, momentum: (junk += 0.37) % 0.99 } } : t));
    for (const n of [12, 18, 24]) {
      const a = new GpSampler(6).sample(context(space, history.slice(0, n)));
      const b = new GpSampler(6).sample(context(space, polluted.slice(0, n)));
      expect(b).toEqual(a);
    }
  });

  it('parallel asks with pending trials propose distinct points (constant liar)', () => {
    const history = optimise(new GpSampler(2), XY, bowl, 20);
    const distances = (liar: boolean) => {
      const sampler = new GpSampler(2, { constantLiar: liar });
      const pending: TrialSnapshot[] = [...history];
      const proposals: Params[] = [];
      for (let k = 0; k < 4; k++) {
        const params = sampler.sample(context(XY, pending));
        proposals.push(params);
        pending.push({ number: pending.length, state: 'RUNNING', params, value: null });
      }
      const out: number[] = [];
      for (let i = 0; i < 4; i++) {
        for (let j = i + 1; j < 4; j++) out.push(Math.hypot((proposals[i]!.x as number) - (proposals[j]!.x as number), (proposals[i]!.y as number) - (proposals[j]!.y as number)));
      }
      return out;
    };
    // With the liar every pair is apart by a good part of the space; ignoring running trials, the
    // asks pile up on one point.
    expect(Math.min(...distances(true))).toBeGreaterThan(0.05);
    expect(Math.min(...distances(false))).toBeLessThan(0.01);
  });

  it('is deterministic for a fixed seed across processes', () => {
    const here = gpProbe(3, 18);
    const script = join(import.meta.dirname, '../../fixtures/search/gp-proposals.ts');
    const child = spawnSync(process.execPath, ['--import', 'tsx', script, '3', '18'], { encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).toBe('');
    expect(JSON.parse(child.stdout)).toEqual(JSON.parse(JSON.stringify(here)));
    expect(gpProbe(4, 18)).not.toEqual(here);
  });

  it('resume mid-study (a new process: new handle, new sampler, empty cache) gives the next proposal of an uninterrupted run', () => {
    const space: SearchSpace = [
      { name: 'learning_rate', distribution: { type: 'float', low: 1e-4, high: 1e-1, log: true } },
      { name: 'epochs', distribution: { type: 'int', low: 2, high: 10, log: false, step: 2 } },
      { name: 'sources', distribution: { type: 'subset', items: ['a', 'b', 'c', 'd'], min: 0, max: 4 } },
    ];
    const study = resolvedStudy({ space, sampler: { kind: 'gp', ...GP_DEFAULTS }, budget: { trials: 30, workers: 1, epochs: 10, seeds: 1 } });
    const value = (p: Params) => -Math.abs(Math.log10(p.learning_rate as number) + 2) - Math.abs((p.epochs as number) - 6) / 10 + (p.sources as string[]).length * 0.1;
    const run = (handle: StudyHandle, count: number): Params[] => {
      const out: Params[] = [];
      for (let i = 0; i < count; i++) {
        const trial = handle.ask()!;
        out.push(trial.params);
        handle.tell(trial.id, { state: 'COMPLETE', value: value(trial.params) });
      }
      return out;
    };
    const dir = tempDir();
    const whole = run(StudyHandle.open({ store: openStore(join(dir, 'whole.db')), study }), 26);
    const path = join(dir, 'resumed.db');
    const first = run(StudyHandle.open({ store: openStore(path), study }), 23);
    const resumed = StudyHandle.open({ store: openStore(path), study });
    expect(resumed.created).toBe(false);
    const rest = run(resumed, 3);
    expect([...first, ...rest]).toEqual(whole);
  });
});
