// SqliteStore: the shared Store contract on real SQLite files, plus what only SQLite has (WAL,
// migrations, read-only mode, SQL-level guards) and a real multi-process race.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import ts from 'typescript';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { DatabaseInputError, DatabaseUnavailableError, StoreError } from '../../src/errors.js';
import { MIGRATIONS, SCHEMA_VERSION } from '../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { runNode } from '../helpers/node-process.js';
import { sqliteAtVersion } from '../helpers/old-schema.js';
import { storeContract } from '../helpers/store-contract.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'tasksieve-store-'));
}

storeContract('sqlite', () => {
  const dir = tempDir();
  const store = SqliteStore.open(path.join(dir, 'study.db'));
  return {
    store,
    cleanup() {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
});

describe('SqliteStore (SQLite specifics)', () => {
  let dir: string;
  let dbPath: string;

  beforeEach(() => {
    dir = tempDir();
    dbPath = path.join(dir, 'study.db');
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const raw = (options?: Database.Options): Database.Database => new Database(dbPath, options);

  it('puts the file in WAL mode', () => {
    SqliteStore.open(dbPath).close();
    const db = raw();
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    } finally {
      db.close();
    }
  });

  it('numbers its migrations 1..n', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1));
  });

  it('records every migration once and re-opens without re-applying, keeping the data', () => {
    const first = SqliteStore.open(dbPath);
    const { study } = first.getOrCreateStudy('s', { a: 1 }, 'maximize');
    first.createTrial(study.id, 10, () => ({ state: 'WAITING', owner: null, params: { x: 1 } }));
    first.close();

    const readMigrations = () => {
      const db = raw({ readonly: true });
      try {
        return db.prepare('SELECT version, name, applied_at FROM schema_migrations ORDER BY version').all() as {
          version: number;
          name: string;
          applied_at: number;
        }[];
      } finally {
        db.close();
      }
    };
    const applied = readMigrations();
    expect(applied.map(({ version, name }) => ({ version, name }))).toEqual(
      MIGRATIONS.map(({ version, name }) => ({ version, name })),
    );

    const second = SqliteStore.open(dbPath);
    expect(second.getStudy('s')?.spec).toEqual({ a: 1 });
    expect(second.countTrials(study.id)).toBe(1);
    second.close();
    expect(readMigrations()).toEqual(applied);
  });

  it('refuses a database created by a newer version, with a clear StoreError', () => {
    SqliteStore.open(dbPath).close();
    const db = raw();
    db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)').run(
      SCHEMA_VERSION + 1,
      'from-the-future',
      Date.now(),
    );
    db.close();
    for (const readonly of [false, true]) {
      const open = () => SqliteStore.open(dbPath, { readonly });
      expect(open).toThrow(StoreError);
      expect(open).toThrow(`schema migration ${SCHEMA_VERSION + 1}`);
      expect(open).toThrow('newer tasksieve');
    }
  });

  it('opens a schema-3 database (no stored models): its units are kept, and a model can go in beside a new unit', () => {
    sqliteAtVersion(dbPath, 3);
    const db = raw();
    try {
      db.exec(`INSERT INTO studies (id, name, spec, direction, created_at) VALUES (1, 's', '{}', 'maximize', 1);
               INSERT INTO trials (id, study_id, number, state, params, owner, attempts, created_at, started_at, heartbeat_at)
                 VALUES (1, 1, 0, 'RUNNING', '{}', 'o', 1, 1, 1, 1);
               INSERT INTO units (trial_id, target, seed, result, created_at) VALUES (1, 't', 0, '{"acc":0.5}', 1);`);
    } finally {
      db.close();
    }
    expect(() => SqliteStore.open(dbPath, { readonly: true })).toThrow('is at schema version 3');
    const store = SqliteStore.open(dbPath);
    try {
      expect(store.getUnits(1).map((u) => u.result)).toEqual([{ acc: 0.5 }]);
      expect(store.getArtifact(1, 't', 0)).toBeNull();
      store.recordUnit(1, 't', 1, { acc: 0.6 }, { model: { meta: {} }, weights: new Uint8Array([7]) });
      expect(store.getStudyArtifacts(1).map((a) => [a.target, a.seed, a.weightBytes])).toEqual([['t', 1, 1]]);
    } finally {
      store.close();
    }
  });

  it('opens a schema-2 database with its screen moved from the baselines to the screens table', () => {
    sqliteAtVersion(dbPath, 2);
    const screen = { sources: [{ source: 'a', score: { leep: -0.4 } }], ranking: { leep: ['a'] } };
    const db = raw();
    try {
      // What schema-2 tasksieve wrote: the screen as the baseline keyed 'screen:v1', beside real baselines.
      const studyId = db
        .prepare("INSERT INTO studies (name, spec, direction, created_at) VALUES ('s', '{}', 'maximize', 1) RETURNING id")
        .pluck()
        .get() as number;
      const baseline = db.prepare('INSERT INTO baselines (study_id, key, result, created_at) VALUES (?, ?, ?, ?)');
      baseline.run(studyId, 'screen:v1', JSON.stringify(screen), 1234);
      baseline.run(studyId, 'recipe:t1:0', JSON.stringify({ accuracy: 0.4 }), 1235);
    } finally {
      db.close();
    }
    // A reader cannot migrate: it asks for a read-write open first.
    expect(() => SqliteStore.open(dbPath, { readonly: true })).toThrow('is at schema version 2');

    const store = SqliteStore.open(dbPath);
    try {
      const id = store.getStudy('s')!.id;
      expect(store.getScreenRecord(id)).toEqual({ studyId: id, result: screen, createdAt: 1234 });
      expect(store.getBaselines(id).map((b) => b.key)).toEqual(['recipe:t1:0']);
    } finally {
      store.close();
    }
    const reader = SqliteStore.open(dbPath, { readonly: true });
    try {
      expect(reader.getScreen(reader.getStudy('s')!.id)).toEqual(screen);
    } finally {
      reader.close();
    }
  });

  it('refuses another program\'s tables before any write, and opens one that another tasksieve is creating', () => {
    const db = raw();
    db.exec("CREATE TABLE trials (x INTEGER); INSERT INTO trials VALUES (7)");
    db.close();
    const before = fs.readFileSync(dbPath);
    expect(() => SqliteStore.open(dbPath)).toThrow(DatabaseInputError);
    expect(() => SqliteStore.open(dbPath)).toThrow('is not a tasksieve database: it has tables trials');
    expect(fs.readFileSync(dbPath).equals(before)).toBe(true);

    // A process that opens a fresh database creates schema_migrations first, in its own transaction:
    // a second process arriving then sees that table alone, empty, and must migrate, not refuse.
    fs.rmSync(dbPath);
    const fresh = raw();
    fresh.exec('CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL) STRICT');
    fresh.close();
    SqliteStore.open(dbPath).close();
    const check = raw({ readonly: true });
    const versions = check.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    check.close();
    expect(versions).toEqual(MIGRATIONS.map((m) => m.version));
  });

  it('a write waits while the file is moved away, goes on when it is back, and gives up past dbTimeoutMs', async () => {
    const events: string[] = [];
    const store = SqliteStore.open(dbPath, { dbTimeoutMs: 1_500, onOutage: (e) => events.push(e.type) });
    try {
      const { study } = store.getOrCreateStudy('s', {}, 'maximize');
      fs.renameSync(dbPath, `${dbPath}.away`);
      // Another process puts it back while this one is blocked in the write.
      const mover = spawn('sh', ['-c', `sleep 0.4; mv '${dbPath}.away' '${dbPath}'`]);
      const moved = new Promise((resolve) => mover.on('close', resolve));
      const t0 = Date.now();
      const trial = store.createTrial(study.id, 10, () => ({ state: 'WAITING', owner: null, params: { x: 1 } }));
      expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
      await moved;
      expect(trial?.number).toBe(0);
      expect(events).toEqual(['down', 'up']);

      // Gone for good: past the limit one DatabaseUnavailableError, and every later call fails at once.
      fs.renameSync(dbPath, `${dbPath}.away`);
      const t1 = Date.now();
      expect(() => store.createTrial(study.id, 10, () => ({ state: 'WAITING', owner: null, params: { x: 2 } }))).toThrow(DatabaseUnavailableError);
      expect(Date.now() - t1).toBeGreaterThanOrEqual(1_400);
      const t2 = Date.now();
      expect(() => store.heartbeat([trial!.id], 'o')).toThrow(/unavailable for [\d.]+ s, past --db-timeout 1.5 s .*is gone/);
      expect(Date.now() - t2).toBeLessThan(100);
    } finally {
      store.close();
      if (fs.existsSync(`${dbPath}.away`)) fs.renameSync(`${dbPath}.away`, dbPath);
    }
    // Nothing was written to the file while it was away: one trial, the one made while it was back.
    const reader = SqliteStore.open(dbPath, { readonly: true });
    try {
      expect(reader.getTrials(reader.getStudy('s')!.id).map((t) => t.params)).toEqual([{ x: 1 }]);
    } finally {
      reader.close();
    }
  });

  it('validates its options', () => {
    expect(() => SqliteStore.open(dbPath, { busyTimeoutMs: -1 })).toThrow('options.busyTimeoutMs must be a non-negative integer');
    expect(() => SqliteStore.open(dbPath, { busyTimeoutMs: 1.5 })).toThrow(StoreError);
    expect(fs.existsSync(dbPath)).toBe(false);
  });

  it('wraps an unopenable path in a StoreError', () => {
    const open = () => SqliteStore.open(path.join(dir, 'no-such-dir', 'x.db'));
    expect(open).toThrow(StoreError);
    expect(open).toThrow('cannot open database');
  });

  describe('read-only mode', () => {
    it('throws "database not found" for a missing file and creates nothing', () => {
      const open = () => SqliteStore.open(dbPath, { readonly: true });
      expect(open).toThrow(StoreError);
      expect(open).toThrow(`database not found: ${dbPath}`);
      expect(fs.readdirSync(dir)).toEqual([]);
    });

    it('reads an existing database and refuses every write', () => {
      const writer = SqliteStore.open(dbPath);
      const { study } = writer.getOrCreateStudy('s', { a: 1 }, 'minimize');
      const trial = writer.createTrial(study.id, 10, () => ({ state: 'RUNNING', owner: 'o', params: { lr: 0.1 } }))!;
      writer.recordUnit(trial.id, 't', 0, { acc: 0.5 });
      writer.putBaseline(study.id, 'k', { acc: 0.4 });
      writer.close();

      const reader = SqliteStore.open(dbPath, { readonly: true });
      try {
        expect(reader.readonly).toBe(true);
        expect(reader.listStudies().map((s) => s.name)).toEqual(['s']);
        expect(reader.getTrials(study.id)[0]?.params).toEqual({ lr: 0.1 });
        expect(reader.getStudyUnits(study.id)).toHaveLength(1);
        expect(reader.getBaseline(study.id, 'k')).toEqual({ acc: 0.4 });

        expect(() => reader.getOrCreateStudy('new', {}, 'maximize')).toThrow('is open read-only');
        expect(() => reader.createTrial(study.id, 10, () => ({ state: 'WAITING', owner: null, params: {} }))).toThrow(StoreError);
        expect(() => reader.finishTrial(trial.id, 'o', { state: 'COMPLETE', value: 1, error: null, backend: 'cpu' })).toThrow(
          StoreError,
        );
        expect(() => reader.putBaseline(study.id, 'k2', 1)).toThrow(StoreError);
      } finally {
        reader.close();
      }
    });

    it('sees what a concurrent writer commits', () => {
      const writer = SqliteStore.open(dbPath);
      const { study } = writer.getOrCreateStudy('s', {}, 'maximize');
      const reader = SqliteStore.open(dbPath, { readonly: true });
      try {
        expect(reader.countTrials(study.id)).toBe(0);
        writer.createTrial(study.id, 10, () => ({ state: 'WAITING', owner: null, params: {} }));
        expect(reader.countTrials(study.id)).toBe(1);
      } finally {
        reader.close();
        writer.close();
      }
    });

    it('refuses a SQLite file that is not a tasksieve database', () => {
      const db = raw();
      db.exec('CREATE TABLE other (x INTEGER)');
      db.close();
      expect(() => SqliteStore.open(dbPath, { readonly: true })).toThrow('is not a tasksieve database');
    });
  });

  describe('SQL-level guards', () => {
    function finishedTrial(): { trialId: number; studyId: number } {
      const store = SqliteStore.open(dbPath);
      const { study } = store.getOrCreateStudy('s', {}, 'maximize');
      const trial = store.createTrial(study.id, 10, () => ({ state: 'RUNNING', owner: 'o', params: { lr: 0.1 } }))!;
      store.recordUnit(trial.id, 't', 0, { acc: 0.5 });
      store.recordIntermediate(trial.id, 1, 0.5);
      store.finishTrial(trial.id, 'o', { state: 'COMPLETE', value: 0.5, error: null, backend: 'cpu' });
      store.close();
      return { trialId: trial.id, studyId: study.id };
    }

    it('a trigger refuses any UPDATE of a finished trial', () => {
      const { trialId } = finishedTrial();
      const db = raw();
      try {
        expect(() => db.prepare('UPDATE trials SET value = ? WHERE id = ?').run(0.99, trialId)).toThrow('trial is finished');
        expect(() => db.prepare(`UPDATE trials SET state = 'RUNNING' WHERE id = ?`).run(trialId)).toThrow('trial is finished');
        expect(db.prepare('SELECT value, state FROM trials WHERE id = ?').get(trialId)).toEqual({ value: 0.5, state: 'COMPLETE' });
      } finally {
        db.close();
      }
    });

    it('a trigger refuses inserting or changing units and intermediates of a finished trial', () => {
      const { trialId } = finishedTrial();
      const db = raw();
      try {
        expect(() =>
          db.prepare(`INSERT INTO units (trial_id, target, seed, result, created_at) VALUES (?, 't', 1, '{}', 0)`).run(trialId),
        ).toThrow('trial is finished');
        expect(() => db.prepare(`UPDATE units SET result = '{"acc":1}' WHERE trial_id = ?`).run(trialId)).toThrow(
          'trial is finished',
        );
        expect(() => db.prepare('INSERT INTO intermediates (trial_id, step, value) VALUES (?, 2, 0.1)').run(trialId)).toThrow(
          'trial is finished',
        );
        expect(() => db.prepare('UPDATE intermediates SET value = 0.9 WHERE trial_id = ?').run(trialId)).toThrow(
          'trial is finished',
        );
      } finally {
        db.close();
      }
    });

    it('models are tied to their unit, written once, and refused for a finished trial; deleting a study deletes them', () => {
      const store = SqliteStore.open(dbPath);
      const { study } = store.getOrCreateStudy('s', {}, 'maximize');
      const trial = store.createTrial(study.id, 10, () => ({ state: 'RUNNING', owner: 'o', params: {} }))!;
      store.recordUnit(trial.id, 't', 0, { acc: 0.5 }, { model: { meta: {} }, weights: new Uint8Array([1, 2, 3]) });
      const kept = store.createTrial(study.id, 10, () => ({ state: 'RUNNING', owner: 'o', params: {} }))!;
      store.recordUnit(kept.id, 't', 0, { acc: 0.6 }, { model: { meta: {} }, weights: new Uint8Array([4]) });
      store.close();
      const db = raw();
      try {
        db.pragma('foreign_keys = ON');
        const insert = db.prepare(`INSERT INTO artifacts (trial_id, target, seed, model, weights, created_at) VALUES (?, 't', ?, '{}', x'00', 0)`);
        expect(() => insert.run(trial.id, 9)).toThrow(/FOREIGN KEY/);
        expect(() => db.prepare(`UPDATE artifacts SET weights = x'00' WHERE trial_id = ?`).run(trial.id)).toThrow('written once');
        db.prepare(`UPDATE trials SET state = 'COMPLETE', value = 0.5, finished_at = 1 WHERE id = ?`).run(trial.id);
        db.prepare('DELETE FROM artifacts WHERE trial_id = ?').run(trial.id);
        expect(() => insert.run(trial.id, 0)).toThrow('trial is finished');
        expect(db.prepare('SELECT COUNT(*) AS n FROM artifacts').get()).toEqual({ n: 1 });
        db.prepare('DELETE FROM studies').run();
        expect(db.prepare('SELECT COUNT(*) AS n FROM artifacts').get()).toEqual({ n: 0 });
      } finally {
        db.close();
      }
    });

    it('a trigger keeps the number and params of a running trial', () => {
      const store = SqliteStore.open(dbPath);
      const { study } = store.getOrCreateStudy('s', {}, 'maximize');
      const trial = store.createTrial(study.id, 10, () => ({ state: 'RUNNING', owner: 'o', params: { lr: 0.1 } }))!;
      store.close();
      const db = raw();
      try {
        expect(() => db.prepare(`UPDATE trials SET params = '{"lr":0.2}' WHERE id = ?`).run(trial.id)).toThrow('immutable');
        expect(() => db.prepare('UPDATE trials SET number = 7 WHERE id = ?').run(trial.id)).toThrow('immutable');
        expect(() => db.prepare('UPDATE trials SET heartbeat_at = 1 WHERE id = ?').run(trial.id)).not.toThrow();
      } finally {
        db.close();
      }
    });

    it('CHECK constraints refuse an unknown state and a RUNNING trial without owner', () => {
      const store = SqliteStore.open(dbPath);
      const { study } = store.getOrCreateStudy('s', {}, 'maximize');
      const trial = store.createTrial(study.id, 10, () => ({ state: 'RUNNING', owner: 'o', params: {} }))!;
      store.close();
      const db = raw();
      try {
        expect(() => db.prepare(`UPDATE trials SET state = 'DONE' WHERE id = ?`).run(trial.id)).toThrow(/CHECK constraint/);
        expect(() => db.prepare('UPDATE trials SET owner = NULL WHERE id = ?').run(trial.id)).toThrow(/CHECK constraint/);
      } finally {
        db.close();
      }
    });
  });

  it('close is idempotent and later calls throw StoreError', () => {
    const store = SqliteStore.open(dbPath);
    store.close();
    store.close();
    expect(() => store.listStudies()).toThrow(StoreError);
    expect(() => store.getOrCreateStudy('s', {}, 'maximize')).toThrow('is closed');
  });
});

/**
 * Compiles src/store (and the errors, src/spec and src/util it may import) to plain JS in `outDir`,
 * type-stripped only, so the child processes run the very code under test without a full project
 * build (other folders may not compile yet) and without a possibly stale dist/.
 */
function transpileStore(outDir: string): string {
  const under = (folder: string): string[] =>
    (fs.readdirSync(path.join(repoRoot, folder), { recursive: true }) as string[]).map((f) => `${folder}/${f}`);
  const sources = ['src/errors.ts', ...under('src/spec'), ...under('src/util'), ...under('src/store')];
  for (const rel of sources.filter((f) => f.endsWith('.ts'))) {
    const source = fs.readFileSync(path.join(repoRoot, rel), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      fileName: rel,
      compilerOptions: {
        module: ts.ModuleKind.ES2022,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
      },
    });
    const out = path.join(outDir, rel.replace(/\.ts$/, '.js'));
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, outputText);
  }
  fs.writeFileSync(path.join(outDir, 'package.json'), JSON.stringify({ type: 'module' }));
  // So the transpiled code resolves better-sqlite3 exactly as the project does.
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(outDir, 'node_modules'), 'dir');
  return path.join(outDir, 'src/store/sqlite/sqlite-store.js');
}

describe('SqliteStore across processes', () => {
  let dir: string;

  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('3 processes racing on a fresh file create exactly maxTrials trials, numbered 0..59, never "locked"', async () => {
    const storeModule = transpileStore(path.join(dir, 'build'));
    const dbPath = path.join(dir, 'race.db');
    const barrier = path.join(dir, 'barrier');
    fs.mkdirSync(barrier);
    const fixture = path.join(repoRoot, 'test/store/fixtures/create-trials.mjs');
    const workers = 3;
    const maxTrials = 60;

    const results = await Promise.all(
      Array.from({ length: workers }, (_, id) =>
        runNode([fixture, storeModule, dbPath, String(id), barrier, String(workers), String(maxTrials)]),
      ),
    );

    for (const result of results) {
      expect(result.stderr).not.toMatch(/database is locked|SQLITE_BUSY/i);
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
    }
    const created = results.map((r) => (JSON.parse(r.stdout) as { created: number[] }).created);
    const all = created.flat().sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: maxTrials }, (_, i) => i));

    const reader = SqliteStore.open(dbPath, { readonly: true });
    try {
      expect(reader.listStudies()).toHaveLength(1);
      const study = reader.getStudy('race')!;
      const trials = reader.getTrials(study.id);
      expect(trials.map((t) => t.number)).toEqual(all);
      expect(trials.every((t) => t.state === 'COMPLETE')).toBe(true);
      expect(reader.getStudyUnits(study.id)).toHaveLength(maxTrials);
    } finally {
      reader.close();
    }
    const db = new Database(dbPath, { readonly: true });
    try {
      expect(db.prepare('SELECT COUNT(*) AS n FROM schema_migrations').get()).toEqual({ n: SCHEMA_VERSION });
    } finally {
      db.close();
    }
  });
});
