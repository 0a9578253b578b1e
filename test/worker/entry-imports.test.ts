// The worker entry's static import graph stays at node:worker_threads (src/worker/entry.ts says why:
// piscina's require() links it synchronously, and a worker terminated inside that link aborts the
// process). Everything else it needs is imported dynamically, after the link.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';

it('the worker entry imports only node:worker_threads statically (types aside), in source and in dist', () => {
  const statics = (text: string) =>
    [...text.matchAll(/^\s*import\s+(?!type\b)[^'"]*?from\s+['"]([^'"]+)['"]/gm), ...text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)].map((m) => m[1]);
  expect(statics(readFileSync(resolve('src/worker/entry.ts'), 'utf8'))).toEqual(['node:worker_threads']);
  expect(statics(readFileSync(resolve('dist/worker/entry.js'), 'utf8'))).toEqual(['node:worker_threads']);
});
