// A corpus of malformed study and data files (test/fixtures/bad-inputs, described one by one in its
// expectations.json), each run through the real CLI: exit code 2, nothing on stdout, exactly the
// expected one line on stderr, and no database created or changed. Complements test/cli/bad-input.test.ts.
import { createHash } from 'node:crypto';
import { cpSync, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';
import { spawnCli } from './helpers.js';

const CORPUS = fileURLToPath(new URL('../fixtures/bad-inputs/', import.meta.url));

interface Case {
  readonly file: string;
  readonly about: string;
  readonly stderr: string;
}

const cases = JSON.parse(readFileSync(join(CORPUS, 'expectations.json'), 'utf8')) as Case[];
const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

/** Every file under `dir` with its size and mtime: any write shows up. */
function listing(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      const stats = statSync(path);
      if (stats.isDirectory()) walk(path);
      else out.push(`${relative(dir, path)} ${stats.size} ${stats.mtimeMs}`);
    }
  };
  walk(dir);
  return out.sort();
}

let work: string;
let existingDb: string;
const outcomes = new Map<string, { status: number | null; stdout: string; stderr: string; db: string }>();

beforeAll(async () => {
  work = tempDir('tasksieve-corpus-');
  cpSync(CORPUS, work, { recursive: true });
  // A real database that half of the bad runs point at: it must come out byte for byte the same.
  existingDb = join(work, 'existing.db');
  const study = writeStudy(work, syntheticStudyYaml({ name: 'bad', trials: 1, workers: 1, seeds: 1 }), 'good.yaml');
  expect(cli(['run', study, '--db', existingDb, '--quiet']).status).toBe(0);
  const before = listing(work);
  const hash = sha(existingDb);
  // Three at a time: ~60 CLI start-ups.
  const queue = cases.map((c, i) => ({ c, db: i % 2 === 0 ? existingDb : join(work, `missing-${i}.db`) }));
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const result = await spawnCli(['run', next.c.file, '--db', next.db], {}, work).done;
      outcomes.set(next.c.file, { ...result, db: next.db });
    }
  };
  await Promise.all([worker(), worker(), worker()]);
  expect(sha(existingDb)).toBe(hash);
  expect(listing(work)).toEqual(before);
}, 600_000);

describe(`bad inputs: ${cases.length} malformed files, one line each, exit 2, no database written`, () => {
  it('the corpus is large and every file in it has an expectation', () => {
    expect(cases.length).toBeGreaterThanOrEqual(30);
    const studies = readdirSync(CORPUS).filter((f) => f.endsWith('.yaml'));
    expect(studies.sort()).toEqual(cases.map((c) => c.file).sort());
  });

  it.each(cases)('$about ($file)', (c) => {
    const result = outcomes.get(c.file)!;
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`${c.stderr}\n`);
    expect(result.status).toBe(2);
    if (result.db !== existingDb) expect(existsSync(result.db)).toBe(false);
  });
});
