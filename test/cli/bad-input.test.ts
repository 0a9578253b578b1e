// Bad input through the real CLI: one line on stderr naming the file (line:column) and the field,
// exit code 2, and no database written.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, DIGITS, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';

const BASE = `name: bad
datasets:
  digits: { csv: digits.csv.gz, label: label }
sources:
  - { name: rot15, dataset: digits, transforms: [ { rotate: 15 } ] }
targets:
  - { name: rot45, dataset: digits, labelled: 30 }
space:
  learning_rate: { type: float, low: 0.001, high: 0.1, log: true }
  sources: { type: subset, max: 1 }
budget: { trials: 3, epochs: 5 }
`;

let dir: string;
beforeAll(() => {
  dir = tempDir('tasksieve-bad-');
  copyFileSync(DIGITS, join(dir, 'digits.csv.gz'));
  writeFileSync(join(dir, 'nonnum.csv'), 'a,b,label\n1,2,0\n3,x,1\n');
  writeFileSync(join(dir, 'empty.csv'), 'a,b,label\n');
});

/** Runs `tasksieve run` on BASE with one edit and returns the single stderr line. */
function runEdited(file: string, from: string, to: string, args: string[] = []): string {
  expect(BASE).toContain(from);
  writeFileSync(join(dir, file), BASE.replace(from, to));
  const db = join(dir, `${file}.db`);
  const result = cli(['run', file, '--db', db, ...args], dir);
  expect(result.status).toBe(2);
  expect(result.stdout).toBe('');
  expect(existsSync(db)).toBe(false);
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(1);
  return lines[0]!;
}

describe('bad input: one line, exit 2, no database', () => {
  it('malformed YAML', () => {
    expect(runEdited('malformed.yaml', 'epochs: 5 }', 'epochs: 5')).toBe(
      'tasksieve run: malformed.yaml:12:1: Flow map in block collection must be sufficiently indented and end with a }',
    );
  });
  it('unknown key, with a did-you-mean', () => {
    expect(runEdited('unknown-key.yaml', 'labelled: 30', 'labeled: 30')).toBe(
      'tasksieve run: unknown-key.yaml:7:37: targets[0].labeled: unknown key (did you mean "labelled"?)',
    );
  });
  it('wrong type', () => {
    expect(runEdited('wrong-type.yaml', 'trials: 3', 'trials: three')).toBe(
      'tasksieve run: wrong-type.yaml:11:19: budget.trials: must be an integer (got "three")',
    );
  });
  it('out-of-range value', () => {
    expect(runEdited('range.yaml', 'trials: 3', 'trials: 0')).toBe(
      'tasksieve run: range.yaml:11:19: budget.trials: must be an integer >= 1 (got 0)',
    );
    expect(runEdited('range2.yaml', 'high: 0.1, log', 'high: 0.0001, log')).toBe(
      'tasksieve run: range2.yaml:9:51: space.learning_rate.high: must be > low (0.001) (got 0.0001)',
    );
  });
  it('unknown source name in the subset', () => {
    expect(runEdited('unknown-source.yaml', 'max: 1 }', 'max: 1, of: [rot15, rot99] }')).toBe(
      'tasksieve run: unknown-source.yaml:10:48: space.sources.of[1]: unknown source "rot99" (sources: rot15)',
    );
  });
  it('missing data file', () => {
    expect(runEdited('missing-file.yaml', 'csv: digits.csv.gz', 'csv: nope.csv')).toBe(
      'tasksieve run: missing-file.yaml:3:18: datasets.digits.csv: nope.csv: file not found',
    );
  });
  it('missing label column', () => {
    expect(runEdited('missing-label.yaml', 'label: label', 'label: digit')).toBe(
      'tasksieve run: missing-label.yaml:3:18: datasets.digits.csv: digits.csv.gz: label column "digit" not found ' +
        '(columns: pixel0, pixel1, pixel2, pixel3, pixel4, pixel5, pixel6, … label)',
    );
  });
  it('non-numeric feature', () => {
    expect(runEdited('non-numeric.yaml', 'csv: digits.csv.gz', 'csv: nonnum.csv')).toBe(
      'tasksieve run: non-numeric.yaml:3:18: datasets.digits.csv: nonnum.csv: row 3 column "b": "x" is not a number (a column of text? list it under the dataset\'s `drop`)',
    );
  });
  it('empty dataset', () => {
    expect(runEdited('empty.yaml', 'csv: digits.csv.gz', 'csv: empty.csv')).toBe(
      'tasksieve run: empty.yaml:3:18: datasets.digits.csv: empty.csv: no data rows',
    );
  });
  it('a target with fewer labelled rows than classes', () => {
    expect(runEdited('few-labels.yaml', 'labelled: 30', 'labelled: 5')).toBe(
      'tasksieve run: few-labels.yaml:7:47: targets[0].labelled: labelled (5) is fewer than the 10 classes present',
    );
  });
  it('a YAML tag that would construct an object', () => {
    expect(runEdited('tag.yaml', 'name: bad', 'name: !!js/function bad')).toBe(
      'tasksieve run: tag.yaml:1:7: name: YAML tags are not allowed (found !!js/function)',
    );
  });
  it('a bad command-line value', () => {
    expect(runEdited('bad-trials.yaml', 'name: bad', 'name: bad', ['--trials', 'x'])).toBe(
      'tasksieve run: --trials: must be a whole number (got "x")',
    );
    expect(runEdited('bad-backend.yaml', 'name: bad', 'name: bad', ['--backend', 'gpu'])).toBe(
      'tasksieve run: --backend: must be one of tensorflow, wasm, cpu (got "gpu")',
    );
  });
  it('a missing study file, and queries on a missing database', () => {
    const missing = cli(['run', 'nope.yaml'], dir);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe('tasksieve run: nope.yaml: study file not found\n');
    const board = cli(['leaderboard', 'some-study', '--db', join(dir, 'none.db')], dir);
    expect(board.status).toBe(2);
    expect(board.stderr).toBe(`tasksieve leaderboard: ${join(dir, 'none.db')}: database not found\n`);
    expect(existsSync(join(dir, 'none.db'))).toBe(false);
    expect(readdirSync(dir).filter((f) => f.endsWith('.db'))).toEqual([]);
  });

  it('a moved data file blocks `run` but not the commands that only read the database', () => {
    const work = tempDir();
    copyFileSync(DIGITS, join(work, 'digits.csv.gz'));
    writeFileSync(join(work, 'moved.yaml'), BASE.replace('name: bad', 'name: moved').replace('trials: 3', 'trials: 1'));
    const db = join(work, 'moved.db');
    expect(cli(['run', 'moved.yaml', '--db', db, '--quiet'], work).status).toBe(0);
    const shown = cli(['leaderboard', 'moved.yaml', '--db', db, '--json'], work).stdout;
    rmSync(join(work, 'digits.csv.gz'));
    const board = cli(['leaderboard', 'moved.yaml', '--db', db, '--json'], work);
    expect(board.stderr).toBe('');
    expect(board.status).toBe(0);
    expect(board.stdout).toBe(shown);
    const rerun = cli(['run', 'moved.yaml', '--db', db, '--trials', '2'], work);
    expect(rerun.status).toBe(2);
    expect(rerun.stderr).toMatch(/^tasksieve run: moved\.yaml:3:\d+: datasets\.digits\.csv: .*\n$/);
  });

  it('refuses to continue a study whose file changed, naming what differs, and leaves the database as it was', () => {
    const work = tempDir();
    const file = writeStudy(work, syntheticStudyYaml({ name: 'drift', trials: 1 }));
    const db = join(work, 'drift.db');
    expect(cli(['run', file, '--db', db, '--quiet']).status).toBe(0);
    const before = statSync(db).mtimeMs;
    writeStudy(work, syntheticStudyYaml({ name: 'drift', trials: 1 }).replace('high: 0.05', 'high: 0.2'));
    const result = cli(['run', file, '--db', db]);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(
      'tasksieve run: study "drift" already exists with a different spec: space.learning_rate.high differ ' +
        '(use a new study name, or another database, or --force to continue with the stored spec)\n',
    );
    expect(statSync(db).mtimeMs).toBe(before);
  });
});

describe('a database that is not tasksieve\'s: one line, exit 2, the file byte for byte as it was', () => {
  const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

  /** Runs the command on the file and checks the refusal; returns the stderr line. */
  function refused(args: string[], file: string): string {
    const before = sha256(file);
    const files = readdirSync(dirname(file)).sort();
    const result = cli(args, dir);
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(sha256(file)).toBe(before);
    // No journal, WAL or shared-memory file appeared beside it either.
    expect(readdirSync(dirname(file)).sort()).toEqual(files);
    const lines = result.stderr.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    return lines[0]!;
  }

  it('another program\'s SQLite database with a trials table (run, resume, leaderboard)', () => {
    const file = join(dir, 'foreign.db');
    const db = new Database(file);
    db.exec("CREATE TABLE trials (id INTEGER PRIMARY KEY, who TEXT); INSERT INTO trials (who) VALUES ('theirs'); CREATE TABLE notes (x)");
    db.close();
    writeFileSync(join(dir, 'ok.yaml'), BASE);
    const line = `${file} is not a tasksieve database: it has tables notes, trials but no tasksieve migration record ` +
      '(left unchanged; use a new database or a tasksieve one)';
    expect(refused(['run', 'ok.yaml', '--db', file], file)).toBe(`tasksieve run: ${line}`);
    expect(refused(['resume', 'bad', '--db', file], file)).toBe(`tasksieve resume: ${line}`);
    expect(refused(['leaderboard', 'bad', '--db', file], file)).toBe(`tasksieve leaderboard: ${line}`);
  });

  it('another program\'s schema_migrations table is not tasksieve\'s', () => {
    const file = join(dir, 'rails.db');
    const db = new Database(file);
    db.exec("CREATE TABLE schema_migrations (version TEXT PRIMARY KEY); INSERT INTO schema_migrations VALUES ('20240101')");
    db.close();
    writeFileSync(join(dir, 'ok.yaml'), BASE);
    expect(refused(['run', 'ok.yaml', '--db', file], file)).toMatch(/^tasksieve run: \S+rails\.db is not a tasksieve database: it has tables schema_migrations but/);
  });

  it('a file that is not a database', () => {
    const file = join(dir, 'notes.db');
    writeFileSync(file, 'these are my notes, not a database\n'.repeat(200));
    writeFileSync(join(dir, 'ok.yaml'), BASE);
    const line = `${file} is not a SQLite database (SQLite: file is not a database); nothing was written`;
    expect(refused(['run', 'ok.yaml', '--db', file], file)).toBe(`tasksieve run: ${line}`);
    expect(refused(['leaderboard', 'bad', '--db', file], file)).toBe(`tasksieve leaderboard: ${line}`);
  });

  it('a malformed PostgreSQL URL, its password masked', () => {
    writeFileSync(join(dir, 'ok.yaml'), BASE);
    for (const command of [['run', 'ok.yaml'], ['leaderboard', 'bad']]) {
      const result = cli([...command, '--db', 'postgres://u:s3cret@[::1/db'], dir);
      expect(result.status).toBe(2);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(`tasksieve ${command[0]}: postgres://u:***@[::1/db: malformed PostgreSQL URL (Invalid URL)\n`);
    }
  });
});
