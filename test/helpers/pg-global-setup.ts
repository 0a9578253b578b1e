// vitest globalSetup: gives the PostgreSQL tests a real server. Uses TASKSIEVE_TEST_PG_URL when set
// (.ci/run starts one), else starts a private throwaway one with scripts/pg-test-server.sh and stops
// it after the run. Skipped only when the run's file filters select no test that uses PostgreSQL.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of a PostgreSQL database the tests may create schemas and databases in; '' when not started. */
    pgUrl: string;
  }
}

const ROOT = resolve(import.meta.dirname, '..', '..');
const SCRIPT = join(ROOT, 'scripts', 'pg-test-server.sh');

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** The files that use PostgreSQL say so by importing test/helpers/pg.ts. */
function postgresTestFiles(): string[] {
  return testFiles(join(ROOT, 'test'))
    .filter((file) => readFileSync(file, 'utf8').includes('helpers/pg.js'))
    .map((file) => relative(ROOT, file));
}

// Options of the vitest CLI that take a value: their value is not a file filter.
const VALUED = new Set(['-t', '--testNamePattern', '--reporter', '--project', '--config', '-c', '--root', '-r', '--dir', '--shard', '--outputFile', '--pool', '--maxWorkers']);

/** vitest's file filters are substrings of the file path; no filter means every file. */
function runSelectsPostgres(): boolean {
  const args = process.argv.slice(2);
  const filters: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg.startsWith('-')) {
      if (VALUED.has(arg)) i++;
      continue;
    }
    if (arg === 'run' || arg === 'watch' || arg === 'dev' || arg === 'related') continue;
    filters.push(arg);
  }
  if (filters.length === 0) return true;
  const files = postgresTestFiles();
  return filters.some((filter) => files.some((file) => file.includes(filter.replace(/^\.\//, ''))));
}

export default function setup(project: TestProject): (() => void) | undefined {
  const given = process.env['TASKSIEVE_TEST_PG_URL'];
  if (given) {
    project.provide('pgUrl', given);
    return undefined;
  }
  if (!runSelectsPostgres()) {
    project.provide('pgUrl', '');
    return undefined;
  }
  const started = spawnSync('bash', [SCRIPT, 'start'], { encoding: 'utf8', timeout: 120_000 });
  if (started.status !== 0) {
    const reason = started.stderr.trim() || started.error?.message || `exit ${started.status}`;
    throw new Error(
      `the PostgreSQL tests need a server and ${SCRIPT} could not start one: ${reason}\n` +
        'install postgresql (apt-get install -y postgresql), or set TASKSIEVE_TEST_PG_URL to a database the tests may use',
    );
  }
  const url = /TASKSIEVE_TEST_PG_URL=(\S+)/.exec(started.stdout)?.[1];
  const dir = /TASKSIEVE_TEST_PG_DIR=(\S+)/.exec(started.stdout)?.[1];
  if (!url || !dir) throw new Error(`${SCRIPT} start printed no URL: ${started.stdout}`);
  project.provide('pgUrl', url);
  return () => {
    spawnSync('bash', [SCRIPT, 'stop', dir], { encoding: 'utf8', timeout: 60_000 });
  };
}
