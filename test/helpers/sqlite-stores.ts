// Real SQLite stores for tests, closed after each test whatever it asserted (an open store holds its
// file, and the temp folders are removed at exit).
import { afterEach } from 'vitest';
import { SqliteStore } from '../../src/store/index.js';

/**
 * Call once at the top of a test file: returns `open(path)`, and every store it opened is closed
 * after each test of that file.
 */
export function sqliteStoresClosedAfterEach(): (path: string) => SqliteStore {
  const stores: SqliteStore[] = [];
  afterEach(() => {
    for (const s of stores.splice(0)) s.close();
  });
  return (path) => {
    const store = SqliteStore.open(path);
    stores.push(store);
    return store;
  };
}
