// PostgresStore: the shared Store contract on a real PostgreSQL server, plus what only PostgreSQL has
// (migrations under an advisory lock, PL/pgSQL guards, read-only sessions, row locks between
// connections) and real multi-process races.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DatabaseInputError, StoreError } from '../../src/errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/sqlite/migrations.js';
import { PG_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { PostgresStore, redactUrl } from '../../src/store/postgres/postgres-store.js';
import type { TrialRecord } from '../../src/spec/records.js';
import { runNode } from '../helpers/node-process.js';
import { postgresAtVersion } from '../helpers/old-schema.js';
import { storeContract } from '../helpers/store-contract.js';
import { freshSchema, pgAdmin } from '../helpers/pg.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

// One schema and one store for the contract, emptied before each test: a fresh schema per test would
// spend most of the suite's time on DDL, a fresh store per test on starting its bridge thread. Opening
// and migrating are tested below; the contract is about what an open store does, and a store serving
// test after test is what a long-running process has. The `close` test closes it: the next one
// (if any) opens a new one.
const contractSchema = freshSchema();
let contractStore: PostgresStore | null = null;
let contractStoreClosed = false;

afterAll(() => {
  contractStore?.close();
  contractSchema.drop();
  pgAdmin().close();
});

storeContract('postgres', () => {
  if (contractStore === null || contractStoreClosed) {
    contractStore = PostgresStore.open(contractSchema.url);
    contractStoreClosed = false;
    const store = contractStore;
    const close = store.close.bind(store);
    store.close = () => {
      if (store === contractStore) contractStoreClosed = true;
      close();
    };
  }
  pgAdmin().query(`TRUNCATE ${contractSchema.name}.studies RESTART IDENTITY CASCADE`);
  return { store: contractStore, cleanup() {} };
});

describe('PostgresStore (PostgreSQL specifics)', () => {
  let schema: ReturnType<typeof freshSchema>;
  beforeEach(() => {
    schema = freshSchema();
  });
  afterEach(() => {
    schema.drop();
  });
  const sql = (text: string, params?: unknown[]) => pgAdmin().query(text.replaceAll('$schema', schema.name), params);

  function finishedTrial(): { trialId: number; studyId: number } {
    const store = PostgresStore.open(schema.url);
    try {
      const { study } = store.getOrCreateStudy('s', {}, 'maximize');
      const trial = store.createTrial(study.id, 10, () => ({ state: 'RUNNING', owner: 'o', params: { lr: 0.1 } }))!;
      store.recordUnit(trial.id, 't', 0, { acc: 0.5 });
      store.recordIntermediate(trial.id, 1, 0.5);
      store.finishTrial(trial.id, 'o', { state: 'COMPLETE', value: 0.5, error: null, backend: 'cpu' });
      return { trialId: trial.id, studyId: study.id };
    } finally {
      store.close();
    }
  }

  it('has the same numbered migrations as SQLite', () => {
    expect(PG_MIGRATIONS.map(({ version, name }) => ({ version, name }))).toEqual(
      MIGRATIONS.map(({ version, name }) => ({ version, name })),
    );
  });

  it('records every migration once and re-opens without re-applying, keeping the data', () => {
    const first = PostgresStore.open(schema.url);
    const { study } = first.getOrCreateStudy('s', { a: 1 }, 'maximize');
    first.createTrial(study.id, 10, () => ({ state: 'WAITING', owner: null, params: { x: 1 } }));
    first.close();
    const applied = sql('SELECT version, name, applied_at FROM $schema.schema_migrations ORDER BY version').rows;
    expect(applied.map((row) => ({ version: row['version'], name: row['name'] }))).toEqual(
      MIGRATIONS.map(({ version, name }) => ({ version, name })),
    );
    const second = PostgresStore.open(schema.url);
    try {
      expect(second.getStudy('s')?.spec).toEqual({ a: 1 });
      expect(second.countTrials(study.id)).toBe(1);
    } finally {
      second.close();
    }
    expect(sql('SELECT version, name, applied_at FROM $schema.schema_migrations ORDER BY version').rows).toEqual(applied);
  });

  it('refuses a database created by a newer version, with a clear StoreError', () => {
    PostgresStore.open(schema.url).close();
    sql('INSERT INTO $schema.schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
      SCHEMA_VERSION + 1,
      'from-the-future',
      Date.now(),
    ]);
    for (const readonly of [false, true]) {
      const open = () => PostgresStore.open(schema.url, { readonly });
      expect(open).toThrow(StoreError);
      expect(open).toThrow(`schema migration ${SCHEMA_VERSION + 1}`);
      expect(open).toThrow('newer tasksieve');
    }
  });

  it('opens a schema-2 database with its screen moved from the baselines to the screens table', () => {
    postgresAtVersion(schema.url, 2);
    const screen = { sources: [{ source: 'a', score: { leep: -0.4 } }], ranking: { leep: ['a'] } };
    // What schema-2 tasksieve wrote: the screen as the baseline keyed 'screen:v1', beside real baselines.
    const studyId = Number(
      sql(`INSERT INTO $schema.studies (name, spec, direction, created_at) VALUES ('s', '{}', 'maximize', 1) RETURNING id`).rows[0]![
        'id'
      ],
    );
    sql('INSERT INTO $schema.baselines (study_id, key, result, created_at) VALUES ($1, $2, $3::jsonb, $4), ($1, $5, $6::jsonb, $7)', [
      studyId,
      'screen:v1',
      JSON.stringify(screen),
      1234,
      'recipe:t1:0',
      JSON.stringify({ accuracy: 0.4 }),
      1235,
    ]);
    expect(() => PostgresStore.open(schema.url, { readonly: true })).toThrow('is at schema version 2');

    const store = PostgresStore.open(schema.url);
    try {
      expect(store.getScreenRecord(studyId)).toEqual({ studyId, result: screen, createdAt: 1234 });
      expect(store.getBaselines(studyId).map((b) => b.key)).toEqual(['recipe:t1:0']);
    } finally {
      store.close();
    }
    const reader = PostgresStore.open(schema.url, { readonly: true });
    try {
      expect(reader.getScreen(studyId)).toEqual(screen);
    } finally {
      reader.close();
    }
  });

  it('wraps an unreachable server in a StoreError that names the URL without its password', () => {
    let thrown: unknown;
    try {
      PostgresStore.open('postgres://someone:s3cret@127.0.0.1:1/db', { connectTimeoutMs: 5_000 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StoreError);
    expect((thrown as Error).message).toMatch(/^cannot open database postgres:\/\/someone:\*\*\*@127\.0\.0\.1:1\/db: /);
    expect((thrown as Error).message).not.toContain('s3cret');
    expect(redactUrl('postgresql://u:p%40ss@h/db?x=1')).toBe('postgresql://u:***@h/db?x=1');
    expect(redactUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
  });

  it('refuses another program\'s tables before any write, read-write and read-only alike', () => {
    sql(`CREATE TABLE $schema.trials (id int PRIMARY KEY, who text); INSERT INTO $schema.trials VALUES (1, 'theirs')`);
    const tables = () => sql(`SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename`, [schema.name]).rows;
    const before = tables();
    for (const readonly of [false, true]) {
      const open = () => PostgresStore.open(schema.url, { readonly });
      expect(open).toThrow(DatabaseInputError);
      expect(open).toThrow(
        `${redactUrl(schema.url)} is not a tasksieve database: it has tables trials but no tasksieve migration record`,
      );
    }
    expect(tables()).toEqual(before);
    expect(sql(`SELECT who FROM $schema.trials`).rows).toEqual([{ who: 'theirs' }]);
  });

  it('refuses a malformed URL as bad input (exit 2), its password masked', () => {
    let thrown: unknown;
    try {
      PostgresStore.open('postgres://u:s3cret@[::1/db');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DatabaseInputError);
    expect(thrown).toMatchObject({ exitCode: 2, message: 'postgres://u:***@[::1/db: malformed PostgreSQL URL (Invalid URL)' });
  });

  describe('read-only mode', () => {
    it('refuses a schema that is not a tasksieve database, and creates nothing', () => {
      expect(() => PostgresStore.open(schema.url, { readonly: true })).toThrow('is not a tasksieve database');
      expect(sql(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1`, [schema.name]).rows[0]?.['n']).toBe(0);
    });

    it('reads an existing database and refuses every write, in the session too', () => {
      const { trialId, studyId } = finishedTrial();
      const reader = PostgresStore.open(schema.url, { readonly: true });
      try {
        expect(reader.readonly).toBe(true);
        expect(reader.listStudies().map((s) => s.name)).toEqual(['s']);
        expect(reader.getTrial(trialId)?.params).toEqual({ lr: 0.1 });
        expect(reader.getStudyUnits(studyId)).toHaveLength(1);
        expect(() => reader.getOrCreateStudy('new', {}, 'maximize')).toThrow('is open read-only');
        expect(() => reader.createTrial(studyId, 10, () => ({ state: 'WAITING', owner: null, params: {} }))).toThrow(StoreError);
        expect(() => reader.putBaseline(studyId, 'k', 1)).toThrow(StoreError);
        expect(() => reader.claimWaitingTrial(studyId, 'o')).toThrow('is open read-only');
      } finally {
        reader.close();
      }
    });
  });

  describe('SQL-level guards (PL/pgSQL triggers and CHECK constraints)', () => {
    it('a trigger refuses any UPDATE of a finished trial', () => {
      const { trialId } = finishedTrial();
      expect(() => sql('UPDATE $schema.trials SET value = $1 WHERE id = $2', [0.99, trialId])).toThrow('trial is finished');
      expect(() => sql(`UPDATE $schema.trials SET state = 'RUNNING' WHERE id = $1`, [trialId])).toThrow('trial is finished');
      expect(sql('SELECT value, state FROM $schema.trials WHERE id = $1', [trialId]).rows).toEqual([{ value: 0.5, state: 'COMPLETE' }]);
    });

    it('a trigger refuses inserting or changing units and intermediates of a finished trial', () => {
      const { trialId } = finishedTrial();
      const refused = [
        `INSERT INTO $schema.units (trial_id, target, seed, result, created_at) VALUES ($1, 't', 1, '{}', 0)`,
        `UPDATE $schema.units SET result = '{"acc":1}' WHERE trial_id = $1`,
        'INSERT INTO $schema.intermediates (trial_id, step, value) VALUES ($1, 2, 0.1)',
        'UPDATE $schema.intermediates SET value = 0.9 WHERE trial_id = $1',
      ];
      for (const statement of refused) expect(() => sql(statement, [trialId])).toThrow('trial is finished');
    });

    it('a unit and its model are one transaction: a refused model leaves no unit; models are guarded and tied to their unit', () => {
      const store = PostgresStore.open(schema.url);
      try {
        const { study } = store.getOrCreateStudy('s', {}, 'maximize');
        const trial = store.createTrial(study.id, 10, () => ({ state: 'RUNNING', owner: 'o', params: {} }))!;
        const model = { model: { meta: {} }, weights: new Uint8Array([1, 2, 3]) };
        // Make the model's INSERT fail on the server, after the unit's went in: both must go.
        sql(`CREATE FUNCTION $schema.refuse() RETURNS trigger LANGUAGE plpgsql AS $f$ BEGIN RAISE EXCEPTION 'no model today'; END $f$`);
        sql('CREATE TRIGGER refuse BEFORE INSERT ON $schema.artifacts FOR EACH ROW EXECUTE FUNCTION $schema.refuse()');
        expect(() => store.recordUnit(trial.id, 't', 0, { acc: 0.5 }, model)).toThrow('no model today');
        expect(store.getUnits(trial.id)).toEqual([]);
        sql('DROP TRIGGER refuse ON $schema.artifacts');
        store.recordUnit(trial.id, 't', 0, { acc: 0.5 }, model);
        expect([...store.getArtifact(trial.id, 't', 0)!.weights]).toEqual([1, 2, 3]);
        expect(() => sql(`UPDATE $schema.artifacts SET weights = '\\x00' WHERE trial_id = $1`, [trial.id])).toThrow('written once');
        expect(() =>
          sql(`INSERT INTO $schema.artifacts (trial_id, target, seed, model, weights, created_at) VALUES ($1, 't', 9, '{}', '\\x00', 0)`, [trial.id]),
        ).toThrow(/foreign key/);
        store.finishTrial(trial.id, 'o', { state: 'COMPLETE', value: 0.5, error: null, backend: 'cpu' });
        sql(`DELETE FROM $schema.artifacts WHERE trial_id = $1`, [trial.id]);
        expect(() =>
          sql(`INSERT INTO $schema.artifacts (trial_id, target, seed, model, weights, created_at) VALUES ($1, 't', 0, '{}', '\\x00', 0)`, [trial.id]),
        ).toThrow('trial is finished');
        // Deleting the study takes its units and their models with it.
        store.recordUnit(store.createTrial(study.id, 10, () => ({ state: 'RUNNING', owner: 'o', params: {} }))!.id, 't', 0, { acc: 1 }, model);
        sql('DELETE FROM $schema.studies');
        expect(sql('SELECT COUNT(*) AS n FROM $schema.artifacts').rows[0]).toEqual({ n: 0 });
      } finally {
        store.close();
      }
    });

    it('a trigger keeps the number and params of a running trial; CHECKs refuse bad states, owners and NaN', () => {
      const store = PostgresStore.open(schema.url);
      const { study } = store.getOrCreateStudy('s', {}, 'maximize');
      const trial = store.createTrial(study.id, 10, () => ({ state: 'RUNNING', owner: 'o', params: { lr: 0.1 } }))!;
      store.close();
      expect(() => sql(`UPDATE $schema.trials SET params = '{"lr":0.2}' WHERE id = $1`, [trial.id])).toThrow('immutable');
      expect(() => sql('UPDATE $schema.trials SET number = 7 WHERE id = $1', [trial.id])).toThrow('immutable');
      expect(() => sql('UPDATE $schema.trials SET heartbeat_at = 1 WHERE id = $1', [trial.id])).not.toThrow();
      expect(() => sql(`UPDATE $schema.trials SET state = 'DONE' WHERE id = $1`, [trial.id])).toThrow(/check constraint/);
      expect(() => sql('UPDATE $schema.trials SET owner = NULL WHERE id = $1', [trial.id])).toThrow(/check constraint/);
      expect(() => sql(`UPDATE $schema.trials SET value = 'NaN' WHERE id = $1`, [trial.id])).toThrow(/check constraint/);
    });
  });

  describe('row locks between connections', () => {
    it('two noticers of one stale trial: the second skips the row the first holds, so it is re-queued once', () => {
      const a = PostgresStore.open(schema.url);
      const b = PostgresStore.open(schema.url);
      try {
        const { study } = a.getOrCreateStudy('s', {}, 'maximize');
        const dead = a.createTrial(study.id, 10, () => ({ state: 'RUNNING', owner: 'dead', params: { lr: 0.3 } }))!;
        let secondSaw: TrialRecord[] | null = null;
        const first = a.requeueStale(study.id, (trial) => {
          // A holds the row lock now: B, noticing at this very moment, must neither wait nor re-queue.
          secondSaw = b.requeueStale(study.id, () => true);
          return trial.owner === 'dead';
        });
        expect(secondSaw).toEqual([]);
        expect(first.map((t) => [t.id, t.state, t.attempts])).toEqual([[dead.id, 'WAITING', 1]]);
        expect(b.requeueStale(study.id, () => true)).toEqual([]);
        const again = b.claimWaitingTrial(study.id, 'b')!;
        expect(again).toMatchObject({ id: dead.id, params: { lr: 0.3 }, attempts: 2, owner: 'b' });
        expect(a.requeueStale(study.id, (t) => t.owner === 'dead')).toEqual([]);
      } finally {
        a.close();
        b.close();
      }
    });

    it('a claimer skips the WAITING trial another claimer holds instead of waiting for it', () => {
      const a = PostgresStore.open(schema.url);
      const b = PostgresStore.open(schema.url);
      try {
        const { study } = a.getOrCreateStudy('s', {}, 'maximize');
        for (let i = 0; i < 2; i++) a.createTrial(study.id, 10, () => ({ state: 'WAITING', owner: null, params: { i } }));
        const claimed = a.atomically(() => {
          const mine = a.claimWaitingTrial(study.id, 'a')!;
          // Uncommitted: trial 0 is locked by A's transaction; B must take trial 1 at once.
          const theirs = b.claimWaitingTrial(study.id, 'b')!;
          return [mine.number, theirs.number];
        });
        expect(claimed).toEqual([0, 1]);
        expect(b.claimWaitingTrial(study.id, 'b')).toBeNull();
        expect(a.getTrials(study.id).map((t) => [t.number, t.owner, t.attempts])).toEqual([
          [0, 'a', 1],
          [1, 'b', 1],
        ]);
      } finally {
        a.close();
        b.close();
      }
    });

    it('a snapshot sees one committed state while another connection writes', () => {
      const a = PostgresStore.open(schema.url);
      const b = PostgresStore.open(schema.url);
      try {
        const { study } = a.getOrCreateStudy('s', {}, 'maximize');
        a.createTrial(study.id, 10, () => ({ state: 'WAITING', owner: null, params: {} }));
        const counts = a.snapshot(() => {
          const before = a.countTrials(study.id);
          b.createTrial(study.id, 10, () => ({ state: 'WAITING', owner: null, params: {} }));
          return [before, a.countTrials(study.id)];
        });
        expect(counts).toEqual([1, 1]);
        expect(a.countTrials(study.id)).toBe(2);
        expect(() => a.snapshot(() => a.putBaseline(study.id, 'k', 1))).toThrow('snapshots only read');
      } finally {
        a.close();
        b.close();
      }
    });
  });
});

describe('PostgresStore across processes', () => {
  const storeModule = path.join(repoRoot, 'dist/store/postgres/postgres-store.js');
  const fixture = path.join(repoRoot, 'test/store/fixtures/pg-race.mjs');
  let dir: string;
  let schema: ReturnType<typeof freshSchema>;
  beforeEach(() => {
    if (!fs.existsSync(storeModule)) throw new Error(`${storeModule} is missing: build first (npx tsc -p tsconfig.json)`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tasksieve-pg-race-'));
    schema = freshSchema();
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    schema.drop();
  });

  async function race(mode: 'create' | 'claim', maxTrials: number): Promise<number[][]> {
    const barrier = path.join(dir, `barrier-${mode}`);
    fs.mkdirSync(barrier);
    const workers = 3;
    const results = await Promise.all(
      Array.from({ length: workers }, (_, id) =>
        runNode([fixture, storeModule, schema.url, String(id), barrier, String(workers), mode, String(maxTrials)]),
      ),
    );
    for (const result of results) {
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    return results.map((r) => (JSON.parse(r.stdout) as { taken: number[] }).taken);
  }

  it('3 processes racing on a fresh schema create exactly maxTrials trials, numbered 0..39', async () => {
    const taken = await race('create', 40);
    const all = taken.flat().sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const reader = PostgresStore.open(schema.url, { readonly: true });
    try {
      const study = reader.getStudy('race')!;
      expect(reader.listStudies()).toHaveLength(1);
      const trials = reader.getTrials(study.id);
      expect(trials.map((t) => t.number)).toEqual(all);
      expect(trials.every((t) => t.state === 'COMPLETE' && t.attempts === 1)).toBe(true);
      expect(reader.getStudyUnits(study.id)).toHaveLength(40);
    } finally {
      reader.close();
    }
    expect(sql(schema, 'SELECT count(*)::int AS n FROM $schema.schema_migrations').rows[0]?.['n']).toBe(SCHEMA_VERSION);
  });

  it('3 processes claiming 40 WAITING trials take each exactly once', async () => {
    const setup = PostgresStore.open(schema.url);
    const { study } = setup.getOrCreateStudy('race', { race: true }, 'maximize');
    for (let i = 0; i < 40; i++) setup.createTrial(study.id, 40, () => ({ state: 'WAITING', owner: null, params: { i } }));
    setup.close();
    const taken = await race('claim', 40);
    expect(taken.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const reader = PostgresStore.open(schema.url, { readonly: true });
    try {
      expect(reader.getTrials(study.id).every((t) => t.state === 'COMPLETE' && t.attempts === 1)).toBe(true);
    } finally {
      reader.close();
    }
  });
});

function sql(schema: { name: string }, text: string, params?: unknown[]) {
  return pgAdmin().query(text.replaceAll('$schema', schema.name), params);
}

describe('PostgresStore connection loss', () => {
  it('a killed connection costs at most one call (a StoreError); the store reconnects and works on', () => {
    const schema = freshSchema();
    const name = `victim_${Date.now()}`;
    const url = new URL(schema.url);
    url.searchParams.set('application_name', name);
    const store = PostgresStore.open(url.toString());
    try {
      const { study } = store.getOrCreateStudy('s', {}, 'maximize');
      // Waits (up to 10 s) until the backend is gone, so the next call meets a dead connection.
      const killed = sql(
        schema,
        'SELECT pg_terminate_backend(pid, 10000) AS done FROM pg_stat_activity WHERE application_name = $1',
        [name],
      );
      expect(killed.rows).toEqual([{ done: true }]);
      // The bridge may learn of the loss before the call (and reconnect at once) or during it (the
      // call fails): either way nothing is half-done and the following calls work.
      let first: number | 'failed';
      try {
        first = store.countTrials(study.id);
      } catch (error) {
        expect(error).toBeInstanceOf(StoreError);
        expect((error as Error).message).toMatch(/^PostgreSQL postgres:\/\/|terminating connection/);
        first = 'failed';
      }
      expect([0, 'failed']).toContain(first);
      expect(store.createTrial(study.id, 10, () => ({ state: 'WAITING', owner: null, params: {} }))?.number).toBe(0);
      expect(store.countTrials(study.id)).toBe(1);
    } finally {
      store.close();
      schema.drop();
    }
  });
});
