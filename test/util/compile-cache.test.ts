// The compile cache (src/util/compile-cache.ts) in real child processes: a large CommonJS file is
// compiled and written once, taken from the cache by the next process, recompiled when its cache is
// corrupt or the file changed, and loaded as Node would load it (its own require, require.resolve,
// __dirname, module.exports). Off with TASKSIEVE_COMPILE_CACHE=0. On Node 22.1+ Node's own cache is
// used instead, so the counts of the hook are only checked where the hook runs.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import Module from 'node:module';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../helpers/cli.js';

const DIST = resolve('dist/util/compile-cache.js');

/** Every cached entry: one folder per source path, an entry per text inside. */
function entries(cache: string): string[] {
  return readdirSync(cache).flatMap((folder) => readdirSync(join(cache, folder)).map((name) => join(cache, folder, name)));
}
const nativeCache = typeof (Module as unknown as { enableCompileCache?: unknown }).enableCompileCache === 'function';

interface ChildReport {
  readonly stats: { hits: number; misses: number; rejected: number; written: number };
  readonly value: unknown;
}

/** Runs a child that enables the cache, requires `entry`, flushes and prints what it saw. */
function load(entry: string, cacheDir: string): ChildReport {
  const script = `
    const { enableCompileCache, flushCompileCache, compileCacheStats } = await import(${JSON.stringify(DIST)});
    const { createRequire } = await import('node:module');
    enableCompileCache();
    const value = createRequire(${JSON.stringify(entry)})(${JSON.stringify(entry)});
    flushCompileCache();
    console.log(JSON.stringify({ stats: compileCacheStats, value: await value.describe() }));
  `;
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: { ...process.env, TASKSIEVE_COMPILE_CACHE: cacheDir } });
  expect(child.stderr).toBe('');
  expect(child.status).toBe(0);
  return JSON.parse(child.stdout) as ChildReport;
}

/** A CommonJS file well above the size the cache starts at, using what a bundle uses. */
function writeBigModule(dir: string, marker: string): string {
  writeFileSync(join(dir, 'helper.cjs'), 'module.exports = { twice: (x) => 2 * x };\n');
  const filler = Array.from({ length: 6000 }, (_, i) => `function f${i}(x) { return x + ${i}; }`).join('\n');
  const file = join(dir, 'big.cjs');
  writeFileSync(
    file,
    `'use strict';\nconst helper = require('./helper.cjs');\n${filler}\n` +
      `module.exports.describe = async () => ({ marker: ${JSON.stringify(marker)}, twice: helper.twice(f41(1)), ` +
      `resolved: require.resolve('./helper.cjs'), dirname: __dirname, same: module.exports === exports, thisIsExports: this === exports });\n`,
  );
  return file;
}

describe('compile cache', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = tempDir('tasksieve-compile-cache-');
    file = writeBigModule(dir, 'first');
  });

  it('loads a large CommonJS file as Node does, with and without the cache', () => {
    const expected = { marker: 'first', twice: 84, resolved: join(dir, 'helper.cjs'), dirname: dir, same: true, thisIsExports: true };
    const cache = join(dir, 'cache');
    const cold = load(file, cache);
    expect(cold.value).toEqual(expected);
    expect(existsSync(cache)).toBe(true);
    const warm = load(file, cache);
    expect(warm.value).toEqual(expected);
    if (nativeCache) return;
    expect(cold.stats).toEqual({ hits: 0, misses: 1, rejected: 0, written: 1 });
    expect(warm.stats).toEqual({ hits: 1, misses: 0, rejected: 0, written: 0 });
    expect(entries(cache)).toHaveLength(1);
  });

  it.skipIf(nativeCache)('recompiles when the cached code is corrupt, and rewrites it', () => {
    const cache = join(dir, 'corrupt');
    load(file, cache);
    const [entry] = entries(cache);
    writeFileSync(entry!, Buffer.alloc(4096, 7));
    const report = load(file, cache);
    expect(report.value).toMatchObject({ marker: 'first', twice: 84 });
    expect(report.stats).toEqual({ hits: 0, misses: 0, rejected: 1, written: 1 });
    expect(load(file, cache).stats.hits).toBe(1);
  });

  it.skipIf(nativeCache)('never serves the code of a file that changed', () => {
    const other = tempDir('tasksieve-compile-cache-');
    const cache = join(other, 'cache');
    const changing = writeBigModule(other, 'before');
    expect(load(changing, cache).value).toMatchObject({ marker: 'before' });
    writeBigModule(other, 'after!');
    const [before] = entries(cache);
    const report = load(changing, cache);
    expect(report.value).toMatchObject({ marker: 'after!' });
    expect(report.stats.hits).toBe(0);
    // The entry of the old text is gone: one per source path, however often it is rebuilt.
    expect(entries(cache)).toHaveLength(1);
    expect(entries(cache)[0]).not.toBe(before);
  });

  it('is off with TASKSIEVE_COMPILE_CACHE=0', () => {
    const report = load(file, '0');
    expect(report.value).toMatchObject({ marker: 'first' });
    expect(report.stats).toEqual({ hits: 0, misses: 0, rejected: 0, written: 0 });
    expect(existsSync(join(dir, '0'))).toBe(false);
  });
});
