// `tasksieve report` input errors: one line naming what is wrong, exit 2, and no file written.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { cli, tempDir } from '../helpers/cli.js';
import { makeFakeStudy } from '../helpers/fake-study.js';

function fakeDb(dir: string): string {
  const db = join(dir, 'study.db');
  const store = SqliteStore.open(db);
  makeFakeStudy(store, { name: 'small', trials: 6 });
  store.close();
  return db;
}

describe('tasksieve report: bad input', () => {
  it('needs -o', () => {
    const dir = tempDir();
    const r = cli(['report', 'small', '--db', fakeDb(dir)], dir);
    expect(r).toMatchObject({ status: 2, stdout: '' });
    expect(r.stderr).toBe('tasksieve report: -o: the HTML file to write is required (tasksieve report STUDY -o report.html)\n');
  });

  it('refuses a missing output directory, an unknown study and a missing database, writing nothing', () => {
    const dir = tempDir();
    const db = fakeDb(dir);
    const noDir = cli(['report', 'small', '--db', db, '-o', join(dir, 'nope', 'r.html')], dir);
    expect(noDir).toMatchObject({ status: 2, stdout: '' });
    expect(noDir.stderr).toBe(`tasksieve report: -o: directory not found: ${join(dir, 'nope')}\n`);

    const unknown = cli(['report', 'other', '--db', db, '-o', join(dir, 'r.html')], dir);
    expect(unknown).toMatchObject({ status: 2, stdout: '' });
    expect(unknown.stderr).toBe(`tasksieve report: ${db}: study "other" not found (studies: small)\n`);

    const noDb = cli(['report', 'small', '--db', join(dir, 'missing.db'), '-o', join(dir, 'r.html')], dir);
    expect(noDb).toMatchObject({ status: 2, stdout: '' });
    expect(noDb.stderr).toBe(`tasksieve report: ${join(dir, 'missing.db')}: database not found\n`);

    const badTop = cli(['report', 'small', '--db', db, '-o', join(dir, 'r.html'), '--top', 'x'], dir);
    expect(badTop).toMatchObject({ status: 2 });
    expect(badTop.stderr).toBe('tasksieve report: --top: must be a whole number (got "x")\n');

    expect(readdirSync(dir).filter((f) => !f.startsWith('study.db'))).toEqual([]);
  });

  it('writes the report atomically (no temporary file left) and reports its size with --json', () => {
    const dir = tempDir();
    const db = fakeDb(dir);
    const r = cli(['report', 'small', '--db', db, '-o', 'out.html', '--json', '--top', '3'], dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const summary = JSON.parse(r.stdout) as { study: string; output: string; bytes: number; trials: number };
    expect(summary).toMatchObject({ study: 'small', output: join(dir, 'out.html'), trials: 6 });
    expect(summary.bytes).toBeGreaterThan(100_000);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });
});
