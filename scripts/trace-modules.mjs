// Lists the modules a Node process loads: with TASKSIEVE_TRACE_MODULES=FILE,
//   node --import ./scripts/trace-modules.mjs APP …
// appends to FILE the URL of every ES module loaded (one per line, in load order: the load hook in
// trace-modules-hooks.mjs runs on Node's hooks thread, module.register, Node >= 20.6, and writes
// before the module runs), then at exit the CommonJS modules in require.cache (better-sqlite3, pg, …:
// on Node 20 `require` does not go through the ES hooks), prefixed `cjs:`. Nothing goes to the app's
// stdout or stderr. By hand:
//   TASKSIEVE_TRACE_MODULES=/tmp/m.txt node --import ./scripts/trace-modules.mjs bin/tasksieve.js studies
// Used by test/cli/lazy-loading.test.ts (the read-only commands must not load the worker pool).
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';
import { isMainThread } from 'node:worker_threads';

const file = process.env.TASKSIEVE_TRACE_MODULES;
if (file && isMainThread) {
  register('./trace-modules-hooks.mjs', import.meta.url, { data: { file } });
  const cache = createRequire(import.meta.url).cache;
  process.on('exit', () => {
    const lines = Object.keys(cache).map((path) => `cjs:${pathToFileURL(path).href}\n`);
    if (lines.length > 0) appendFileSync(file, lines.join(''));
  });
}
