// `tasksieve migrate` through the real CLI: a SQLite study (real run, plus every trial state made
// through the Store) moves to a real PostgreSQL database whole, and the query commands read it there.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore, SqliteStore } from '../../src/store/index.js';
import { dumpStudy, type StudyDump } from '../../src/store/study-dump.js';
import { cli, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';
import { freshDatabase, pgAdmin } from '../helpers/pg.js';

/** The dump without ids, which the destination assigns anew. */
function comparable(dump: StudyDump) {
  const { id: _id, ...study } = dump.study;
  return {
    study,
    trials: dump.trials.map(({ trial, units, artifacts, intermediates }) => {
      const { id: _t, studyId: _s, ...rest } = trial;
      return {
        trial: rest,
        units: units.map(({ trialId: _u, ...u }) => u),
        // Stored models, their weights compared byte for byte.
        artifacts: artifacts.map(({ trialId: _a, weights, ...a }) => ({ ...a, weights: Buffer.from(weights).toString('hex') })),
        intermediates: intermediates.map(({ trialId: _i, ...i }) => i),
      };
    }),
    baselines: dump.baselines.map(({ studyId: _b, ...b }) => b),
    screen: dump.screen === null ? null : { result: dump.screen.result, createdAt: dump.screen.createdAt },
  };
}

/** A screen table as `screen_prior:` stores it (the shape does not matter to the store). */
const SCREEN = {
  sources: [{ source: 'a', score: { leep: -0.7, logme: 0.25, hscore: 1.5 } }],
  ranking: { leep: ['a'], logme: ['a'], hscore: ['a'] },
};

describe('tasksieve migrate --from sqlite:… --to postgres://…', () => {
  const dir = tempDir('tasksieve-migrate-');
  const sqlite = join(dir, 'source.db');
  let database: ReturnType<typeof freshDatabase>;

  beforeAll(() => {
    database = freshDatabase();
    // A real study, run to its end by the CLI…
    const file = writeStudy(dir, syntheticStudyYaml({ name: 'real', trials: 2, workers: 1, seeds: 1 }));
    const run = cli(['run', file, '--db', sqlite, '--quiet']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    // …and one with every trial state, made through the Store.
    const store = SqliteStore.open(sqlite);
    try {
      const { study } = store.getOrCreateStudy('states', { any: ['spec', 1.5] }, 'minimize');
      const running = (params: Record<string, number>) => ({ state: 'RUNNING' as const, owner: 'host:1:a', params });
      const done = store.createTrial(study.id, 10, () => running({ lr: 0.1 }))!;
      store.recordUnit(done.id, 't1', 0, { accuracy: 0.5 });
      store.recordIntermediate(done.id, 2, 0.25);
      store.finishTrial(done.id, 'host:1:a', { state: 'COMPLETE', value: 0.5, error: null, backend: 'wasm' });
      // A multi-objective trial: its vector value and constraint violations travel with it.
      const vector = store.createTrial(study.id, 10, () => running({ lr: 0.15 }))!;
      store.finishTrial(vector.id, 'host:1:a', { state: 'COMPLETE', value: 0.6, values: [0.6, 12_000], constraints: [-8000], error: null, backend: 'wasm' });
      const pruned = store.createTrial(study.id, 10, () => running({ lr: 0.2 }))!;
      store.recordIntermediate(pruned.id, 1, 0.1);
      store.finishTrial(pruned.id, 'host:1:a', { state: 'PRUNED', value: 0.1, error: null, backend: 'wasm' });
      const failed = store.createTrial(study.id, 10, () => running({ lr: 0.3 }))!;
      store.finishTrial(failed.id, 'host:1:a', { state: 'FAIL', value: null, error: 'NaN loss', backend: 'wasm' });
      const requeued = store.createTrial(study.id, 10, () => running({ lr: 0.4 }))!;
      store.recordUnit(requeued.id, 't1', 0, { accuracy: 0.7 });
      store.requeueStale(study.id, (t) => t.id === requeued.id);
      store.createTrial(study.id, 10, () => running({ lr: 0.5 }));
      store.createTrial(study.id, 10, () => ({ state: 'WAITING', owner: null, params: { lr: 0.6 } }));
      store.putBaseline(study.id, 'recipe:t1:0', { accuracy: 0.4 });
      store.putScreen(study.id, SCREEN);
    } finally {
      store.close();
    }
  });
  afterAll(() => {
    database.drop();
    pgAdmin().close();
  });

  it('refuses a --to that is not PostgreSQL, and an unknown study, with exit 2 and one line', () => {
    const notPg = cli(['migrate', '--from', `sqlite:${sqlite}`, '--to', join(dir, 'x.db')]);
    expect(notPg.status).toBe(2);
    expect(notPg.stderr).toBe(`tasksieve migrate: --to: must be a postgres:// or postgresql:// URL (got "${join(dir, 'x.db')}")\n`);
    const unknown = cli(['migrate', '--from', `sqlite:${sqlite}`, '--to', database.url, '--study', 'nope']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toBe(`tasksieve migrate: ${sqlite}: study "nope" not found (studies: real, states)\n`);
  });

  it('copies every study whole (numbers, states, timestamps, units, intermediates, baselines, screen), then refuses a second copy', () => {
    const copied = cli(['migrate', '--from', `sqlite:${sqlite}`, '--to', database.url, '--json']);
    expect(copied.stderr).toBe('');
    expect(copied.status).toBe(0);
    const report = JSON.parse(copied.stdout) as { copied: { study: string; trials: number; units: number; artifacts: number; screen: boolean }[] };
    // The real study ran with artifacts: best, so it keeps its best trial's one model.
    expect(report.copied.map((c) => [c.study, c.trials, c.artifacts, c.screen])).toEqual([
      ['real', 2, 1, false],
      ['states', 7, 0, true],
    ]);

    const source = SqliteStore.open(sqlite, { readonly: true });
    const destination = PostgresStore.open(database.url, { readonly: true });
    try {
      for (const name of ['real', 'states']) {
        const from = dumpStudy(source, name);
        const to = dumpStudy(destination, name);
        expect(comparable(to)).toEqual(comparable(from));
        expect(to.trials.length).toBeGreaterThan(0);
      }
      expect(dumpStudy(destination, 'real').baselines.length).toBeGreaterThan(0);
      expect(dumpStudy(destination, 'states').trials.find((t) => t.trial.number === 1)?.trial).toMatchObject({ values: [0.6, 12_000], constraints: [-8000] });
      // The screen arrives in the screens table, not among the baselines.
      const states = destination.getStudy('states')!;
      expect(destination.getScreen(states.id)).toEqual(SCREEN);
      expect(destination.getBaselines(states.id).map((b) => b.key)).toEqual(['recipe:t1:0']);
      expect(destination.getScreen(destination.getStudy('real')!.id)).toBeNull();
    } finally {
      source.close();
      destination.close();
    }

    const again = cli(['migrate', '--from', sqlite, '--to', database.url, '--study', 'real']);
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/^tasksieve migrate: postgres:\/\/.*: study "real" already exists there; nothing was copied/);
  });

  it('--study copies that study only, and the query commands read it from PostgreSQL as from SQLite', () => {
    const only = freshDatabase();
    try {
      const copied = cli(['migrate', '--from', `sqlite:${sqlite}`, '--to', only.url, '--study', 'real']);
      expect(copied.stderr).toBe('');
      expect(copied.status).toBe(0);
      expect(copied.stdout).toMatch(/^copied study real: 2 trials, 2 units, 1 stored models, \d+ intermediate values, \d+ baselines → postgres:\/\//);
      const studies = cli(['studies', '--db', only.url, '--json']);
      expect(studies.stderr).toBe('');
      expect(studies.status).toBe(0);
      expect((JSON.parse(studies.stdout) as { name: string; complete: number }[]).map((s) => [s.name, s.complete])).toEqual([['real', 2]]);
      const board = cli(['leaderboard', 'real', '--db', only.url, '--json']);
      expect(board.stderr).toBe('');
      expect(board.status).toBe(0);
      const fromSqlite = cli(['leaderboard', 'real', '--db', sqlite, '--json']);
      expect(JSON.parse(board.stdout)).toEqual(JSON.parse(fromSqlite.stdout));
      const screened = cli(['migrate', '--from', `sqlite:${sqlite}`, '--to', only.url, '--study', 'states']);
      expect(screened.stderr).toBe('');
      expect(screened.status).toBe(0);
      expect(screened.stdout).toMatch(/^copied study states: 7 trials, 2 units, 0 stored models, 2 intermediate values, 1 baselines, the screen table → postgres:\/\//);
    } finally {
      only.drop();
    }
  });
});
