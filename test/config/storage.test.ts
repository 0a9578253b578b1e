// The study file's `storage`: a SQLite path resolves relative to the study file, a postgres:// URL
// is kept exactly as written.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadStudyFile } from '../../src/config/index.js';
import { syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';

function storageOf(storage: string): string | null {
  const dir = tempDir('tasksieve-storage-');
  const file = writeStudy(dir, `${syntheticStudyYaml()}storage: "${storage}"\n`);
  return loadStudyFile(file).storage;
}

describe('storage in the study file', () => {
  it('keeps a postgres:// or postgresql:// URL as written, query string included', () => {
    const url = 'postgres://me:secret@db.example:5433/tasks?options=-c%20search_path%3Dts';
    expect(storageOf(url)).toBe(url);
    expect(storageOf('postgresql://me@db/tasks')).toBe('postgresql://me@db/tasks');
  });

  it('resolves a SQLite path, with or without sqlite:, relative to the study file', () => {
    const dir = tempDir('tasksieve-storage-');
    const file = writeStudy(dir, `${syntheticStudyYaml()}storage: runs/a.db\n`);
    expect(loadStudyFile(file).storage).toBe(join(dir, 'runs', 'a.db'));
    const prefixed = writeStudy(dir, `${syntheticStudyYaml()}storage: sqlite:runs/b.db\n`, 'b.yaml');
    expect(loadStudyFile(prefixed).storage).toBe(join(dir, 'runs', 'b.db'));
  });
});
