// Keeps V8's compiled code of the large CommonJS files a command loads (tfjs's bundles, ~7 MB, in
// every worker thread; the generated study validator, ~1.8 MB, on the main thread) on disk, so the
// next process deserialises it instead of parsing and compiling them again. A quick-start worker spent
// ~120 ms of its ~400 ms start-up compiling tfjs; with the cache ~60 ms (docs/benchmarks.md). Node 22.1+
// has this built in (module.enableCompileCache), which is used where it exists; on Node 20 a hook on
// Module.prototype._compile does it for files above a size. Both threads; never throws: a cache that
// cannot be read or written only costs the compile it would have saved.
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { isMainThread, threadId } from 'node:worker_threads';
import { Script } from 'node:vm';

/** Smaller files compile in a few milliseconds: their cache would cost about what it saves. */
export const MIN_CACHED_BYTES = 200_000;

/** `TASKSIEVE_COMPILE_CACHE`: `0` or `off` disables the cache, any other value is its folder. */
export const COMPILE_CACHE_ENV = 'TASKSIEVE_COMPILE_CACHE';

interface Pending {
  readonly script: Script;
  readonly file: string;
}

interface CjsModule {
  exports: unknown;
  require(id: string): unknown;
  _compile(content: string, filename: string): unknown;
}

type Compile = (this: CjsModule, content: string, filename: string) => unknown;

let installed: { readonly dir: string; readonly pending: Pending[] } | null = null;

/** What this thread's hook did (Node 20's path; all zero under Node's own cache or when off). */
export const compileCacheStats = { hits: 0, misses: 0, rejected: 0, written: 0 };

/** The cache folder (per user: a shared temporary folder must not hand one user's code to another). */
export function compileCacheDir(env: NodeJS.ProcessEnv = process.env): string | null {
  const setting = env[COMPILE_CACHE_ENV];
  if (setting === '0' || setting === 'off') return null;
  if (setting !== undefined && setting !== '') return setting;
  return join(tmpdir(), `tasksieve-compile-cache-${process.getuid?.() ?? 'user'}`);
}

/**
 * Turns the cache on for this thread (idempotent). Returns the folder, or null when it is off. On the
 * main thread the cache is written at exit; a worker thread calls flushCompileCache itself.
 */
export function enableCompileCache(env: NodeJS.ProcessEnv = process.env): string | null {
  if (installed !== null) return installed.dir;
  const dir = compileCacheDir(env);
  if (dir === null) return null;
  // Neither is in Node 20's type declarations: read, and checked, off the objects themselves.
  const native: unknown = Reflect.get(Module, 'enableCompileCache');
  const original: unknown = Reflect.get(Module.prototype, '_compile');
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (typeof native === 'function') {
      native.call(Module, dir);
      installed = { dir, pending: [] };
      return dir;
    }
  } catch {
    return null;
  }
  // A loader without the method to hook: compile as if there were no cache.
  if (typeof original !== 'function') return null;
  const pending: Pending[] = [];
  installed = { dir, pending };
  // A worker thread has no exit event of its own: it flushes itself (src/worker/entry.ts).
  if (isMainThread) process.once('exit', flushCompileCache);
  const compileWithCache: Compile = function (this: CjsModule, content: string, filename: string): unknown {
    // Dynamic import() needs the loader's own compile (vm.Script has no default import callback on Node 20).
    if (content.length < MIN_CACHED_BYTES || content.includes('import(')) return original.call(this, content, filename);
    const file = cacheFile(dir, filename, content);
    const cachedData = readOrUndefined(file);
    const script = new Script(Module.wrap(content), { filename, cachedData });
    if (cachedData !== undefined && script.cachedDataRejected !== true) compileCacheStats.hits++;
    else {
      if (cachedData === undefined) compileCacheStats.misses++;
      else compileCacheStats.rejected++;
      pending.push({ script, file });
    }
    const wrapper = script.runInThisContext({ displayErrors: true }) as (...args: unknown[]) => unknown;
    return wrapper.call(this.exports, this.exports, requireFor(this, filename), this, filename, dirname(filename));
  };
  Reflect.set(Module.prototype, '_compile', compileWithCache);
  return dir;
}

/**
 * Writes the code of the scripts compiled without a usable cache. Called once the thread has run
 * what it loaded (after a worker's first unit, at the main thread's exit): V8 then includes the
 * functions compiled lazily since, which is most of what the next process would compile.
 */
export function flushCompileCache(): void {
  if (installed === null) return;
  for (const { script, file } of installed.pending.splice(0)) {
    try {
      // Written aside and renamed: two threads flushing the same file never leave half of one.
      mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
      const aside = `${file}.${process.pid}.${threadId}.tmp`;
      writeFileSync(aside, script.createCachedData());
      renameSync(aside, file);
      // One entry per source path: each rebuild of the validator would otherwise leave 2 MB behind.
      for (const old of readdirSync(dirname(file))) {
        if (old !== basename(file) && !old.endsWith('.tmp')) rmSync(join(dirname(file), old), { force: true });
      }
      compileCacheStats.written++;
    } catch {
      // A read-only or full disk: the next process compiles as if there were no cache.
    }
  }
}

/**
 * `DIR/PATH-KEY/TEXT-KEY`: one folder per source path and runtime, one entry in it per text. By the
 * whole text, not by size and modification time: V8 checks only the source's length before it runs
 * cached code, so a same-length edit within the clock's resolution would run the old code. Hashing
 * tfjs's 7 MB costs ~10 ms a thread.
 */
function cacheFile(dir: string, filename: string, content: string): string {
  const where = createHash('sha256').update(`${process.version}\u0000${process.arch}\u0000${filename}`).digest('hex').slice(0, 24);
  const what = createHash('sha256').update(content).digest('hex').slice(0, 40);
  return join(dir, where, what);
}

function readOrUndefined(file: string): Buffer | undefined {
  try {
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

/** The `require` a CommonJS file sees (Node's makeRequireFunction): resolved from the file's own module. */
function requireFor(module: CjsModule, filename: string): NodeJS.Require {
  const resolver = createRequire(filename);
  const require = ((id: string) => module.require(id)) as NodeJS.Require;
  require.resolve = resolver.resolve;
  require.cache = resolver.cache;
  require.main = resolver.main;
  require.extensions = resolver.extensions;
  return require;
}
