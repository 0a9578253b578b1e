// The read-only commands load only what they use: main.ts imports each command's module when it runs,
// so `leaderboard`, `studies`, `export` and `sources` never load the worker pool (piscina, the worker
// entry, tfjs). Each runs as the real CLI under scripts/trace-modules.mjs, which lists every module
// the process loads.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { BIN, ROOT } from '../helpers/cli.js';
import { makeFakeStudy } from '../helpers/fake-study.js';

const TRACE = pathToFileURL(join(ROOT, 'scripts', 'trace-modules.mjs')).href;
/** The worker pool and what only the workers need. */
const HEAVY = /\/node_modules\/(piscina|@tensorflow)\/|\/dist\/worker\/|\/dist\/study\/pool-executor\.js|\/dist\/(training|strategies)\//;

let dir: string;
let db: string;

/** The modules `node ARGS` loads (file URLs; CommonJS ones prefixed `cjs:`), with its exit status. */
function traced(args: readonly string[]): { status: number | null; stderr: string; modules: string[] } {
  const out = join(mkdtempSync(join(dir, 'trace-')), 'modules.txt');
  const r = spawnSync(process.execPath, ['--import', TRACE, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, TASKSIEVE_TRACE_MODULES: out },
    timeout: 120_000,
  });
  return { status: r.status, stderr: r.stderr, modules: readFileSync(out, 'utf8').trimEnd().split('\n') };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'tasksieve-lazy-'));
  db = join(dir, 'study.db');
  const store = SqliteStore.open(db);
  makeFakeStudy(store, { name: 'small', trials: 8, failEvery: 4 });
  store.close();
});

describe('lazy command modules', () => {
  it('the trace sees ES modules, CommonJS ones, and the pool when it is loaded', () => {
    const pool = traced(['--input-type=module', '-e', `await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'study', 'pool-executor.js')).href)})`]);
    expect(pool.status).toBe(0);
    expect(pool.modules.some((m) => HEAVY.test(m) && m.includes('/piscina/'))).toBe(true);
    expect(pool.modules.some((m) => m.endsWith('/dist/worker/index.js'))).toBe(true);
  });

  it.each([
    ['leaderboard', ['leaderboard', 'small']],
    ['leaderboard --by', ['leaderboard', 'small', '--by', 'worst']],
    ['leaderboard --subsets', ['leaderboard', 'small', '--subsets', '--json']],
    ['studies', ['studies']],
    ['export', ['export', 'small', '--format', 'json']],
    ['sources', ['sources', 'small', '--resamples', '50']],
    ['suggest', ['suggest', 'small', '--json']],
  ])('%s loads no pool, worker or tfjs module', (_, args) => {
    const r = traced([BIN, ...args, '--db', db]);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.modules.some((m) => m.endsWith('/dist/cli/main.js'))).toBe(true);
    expect(r.modules.some((m) => m.startsWith('cjs:') && m.includes('/better-sqlite3/'))).toBe(true);
    expect(r.modules.filter((m) => HEAVY.test(m))).toEqual([]);
    // Nor any other command's module.
    const commands = r.modules.filter((m) => /\/dist\/cli\/[a-z-]+-command\.js$/.test(m)).map((m) => m.replace(/.*\/dist\/cli\//, ''));
    expect(commands).toEqual([`${args[0]}-command.js`]);
  });
});
