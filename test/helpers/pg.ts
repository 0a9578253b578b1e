// PostgreSQL for tests: the server's URL (from pg-global-setup.ts) and throwaway schemas and
// databases on it, so that tests never see each other's data. Importing this file marks a test file
// as needing the server.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { SyncPgClient } from '../../src/store/postgres/sync-client.js';

export function pgUrl(): string {
  const url = inject('pgUrl');
  if (!url) {
    throw new Error(
      'no PostgreSQL server for this test: test/helpers/pg-global-setup.ts did not start one ' +
        '(set TASKSIEVE_TEST_PG_URL, or run vitest with a filter that names this file)',
    );
  }
  return url;
}

let admin: SyncPgClient | null = null;

/** One connection per test file for creating and dropping schemas and databases. */
export function pgAdmin(): SyncPgClient {
  admin ??= SyncPgClient.connect(pgUrl());
  return admin;
}

export function withParams(url: string, params: Record<string, string>): string {
  const parsed = new URL(url);
  for (const [key, value] of Object.entries(params)) parsed.searchParams.set(key, value);
  return parsed.toString();
}

function uniqueName(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

/** A new empty schema, and a URL whose connections use it (search_path). */
export function freshSchema(): { name: string; url: string; drop(): void } {
  const schema = uniqueName('t');
  pgAdmin().query(`CREATE SCHEMA ${schema}`);
  return {
    name: schema,
    url: withParams(pgUrl(), { options: `-c search_path=${schema}` }),
    drop: () => {
      pgAdmin().query(`DROP SCHEMA ${schema} CASCADE`);
    },
  };
}

/** A new empty database (for child processes that take a plain URL), and its URL. */
export function freshDatabase(): { url: string; drop(): void } {
  const name = uniqueName('tasksieve_test');
  pgAdmin().query(`CREATE DATABASE ${name}`);
  const url = new URL(pgUrl());
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => {
      pgAdmin().query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}

/**
 * A fresh database for the enclosing describe block, dropped (and this file's admin connection
 * closed) after it: `url` is valid inside its tests.
 */
export function freshDatabaseForSuite(): { readonly url: string } {
  let database: ReturnType<typeof freshDatabase> | null = null;
  beforeAll(() => {
    database = freshDatabase();
  });
  afterAll(() => {
    database?.drop();
    admin?.close();
    admin = null;
  });
  return {
    get url(): string {
      if (database === null) throw new Error('freshDatabaseForSuite: url read outside its describe block');
      return database.url;
    },
  };
}
