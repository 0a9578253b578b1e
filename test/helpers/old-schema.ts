// Databases left at an older schema version, as a previous tasksieve wrote them: the real migrations
// up to that version are applied and recorded (a released migration is never edited, so its code is
// what that version ran). Tests then put rows in as that version's code did and open the database
// with this build, which must migrate it and keep the data.
import Database from 'better-sqlite3';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { PG_MIGRATIONS } from '../../src/store/postgres/migrations.js';
import { SyncPgClient } from '../../src/store/postgres/sync-client.js';

function checkVersion(version: number): void {
  if (!Number.isInteger(version) || version < 1 || version >= MIGRATIONS.length) {
    throw new Error(`an older schema version is 1..${MIGRATIONS.length - 1}, got ${version}`);
  }
}

/** A new SQLite file at `path`, migrated to `version` only. */
export function sqliteAtVersion(path: string, version: number): void {
  checkVersion(version);
  const db = new Database(path);
  try {
    db.transaction(() => {
      db.exec(`CREATE TABLE schema_migrations (
        version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL
      ) STRICT`);
      const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
      for (const migration of MIGRATIONS.slice(0, version)) {
        migration.up(db);
        record.run(migration.version, migration.name, Date.now());
      }
    }).immediate();
  } finally {
    db.close();
  }
}

/** The empty PostgreSQL schema that `url`'s search_path names, migrated to `version` only. */
export function postgresAtVersion(url: string, version: number): void {
  checkVersion(version);
  const db = SyncPgClient.connect(url);
  try {
    db.query('BEGIN');
    db.query(`CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at bigint NOT NULL)`);
    for (const migration of PG_MIGRATIONS.slice(0, version)) {
      migration.up({ exec: (sql: string) => db.query(sql) });
      db.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)', [
        migration.version,
        migration.name,
        Date.now(),
      ]);
    }
    db.query('COMMIT');
  } finally {
    db.close();
  }
}
