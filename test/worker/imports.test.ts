// The worker side must stay lean and main-thread-free: walk the runtime imports of the worker entry.
import { readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Runtime (non type-only) import specifiers of a TypeScript file: static, require() and (unless `loadTime`) dynamic. */
function runtimeImports(file: string, loadTime = false): string[] {
  const code = readFileSync(file, 'utf8');
  const found: string[] = [];
  for (const m of code.matchAll(/^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)) {
    if (m[2] === undefined) found.push(m[3]!);
  }
  for (const m of code.matchAll(/^\s*import\s+'([^']+)'/gm)) found.push(m[1]!);
  if (!loadTime) for (const m of code.matchAll(/\bimport\(\s*'([^']+)'\s*\)/g)) found.push(m[1]!);
  for (const m of code.matchAll(/\brequire\(\s*'([^']+)'\s*\)/g)) found.push(m[1]!);
  return found;
}

/** Every source file and package reachable from `entry` through runtime imports (`loadTime`: those loaded with it). */
function closure(entry: string, loadTime = false): { files: string[]; packages: string[] } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    files.add(file);
    for (const spec of runtimeImports(file, loadTime)) {
      if (spec.startsWith('.')) visit(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      else packages.add(spec);
    }
  };
  visit(resolve(SRC, entry));
  return { files: [...files].map((f) => relative(SRC, f)).sort(), packages: [...packages].sort() };
}

describe('worker imports', () => {
  it('never reach the store, the CLI, the search, config loading or YAML', () => {
    const { files, packages } = closure('worker/entry.ts');
    expect(files).toContain('strategies/finetune.ts');
    expect(files.filter((f) => /^(store|cli|search)\/|^config\/(?!types\.ts$)/.test(f))).toEqual([]);
    expect(packages.filter((p) => !p.startsWith('node:'))).toEqual(['@tensorflow/tfjs']);
  });

  it('keep tfjs out of everything but the backend module', () => {
    const { files } = closure('worker/entry.ts');
    const withTf = files.filter((f) => runtimeImports(resolve(SRC, f)).some((s) => s.startsWith('@tensorflow/')));
    expect(withTf).toEqual(['worker/backend.ts']);
  });

  it('leave the main-side index free of tfjs and worker code when it loads', () => {
    const { files, packages } = closure('worker/index.ts', true);
    // The shared parses of data files (worker/shared-data.ts over data/csv.ts): plain data code.
    expect(files).toEqual(['data/categories.ts', 'data/csv.ts', 'data/row-conditions.ts', 'errors.ts', 'worker/errors.ts', 'worker/index.ts', 'worker/protocol.ts', 'worker/shared-data.ts']);
    expect(packages.filter((p) => !p.startsWith('node:'))).toEqual([]);
    // tfjs only through loadTf's import() on its first call (predict, loadModel).
    expect(closure('worker/index.ts').packages).toContain('@tensorflow/tfjs');
  });
});
