// The layering of docs/architecture.md, checked against the real import graph of src/: every import
// (type-only ones too: they are layering) of every file, relative or of a package, dynamic imports
// and require() included. The rules are read from the document's tables, so the document and the
// code cannot drift apart unnoticed; the test also fails when a rule names a folder that does not
// exist or a folder exists that no rule names.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from './helpers/cli.js';

const SRC = join(ROOT, 'src');
const DOC = readFileSync(join(ROOT, 'docs', 'architecture.md'), 'utf8');

/** Rows of the Markdown table whose header starts with `first`: cells, trimmed, backticks removed. */
function tableRows(first: string): string[][] {
  const lines = DOC.split('\n');
  const start = lines.findIndex((l) => l.startsWith(`| ${first} |`));
  if (start < 0) throw new Error(`docs/architecture.md has no table headed "${first}"`);
  const rows: string[][] = [];
  for (const line of lines.slice(start + 2)) {
    if (!line.startsWith('|')) break;
    rows.push(line.split('|').slice(1, -1).map((c) => c.trim().replaceAll('`', '')));
  }
  return rows;
}

/** A source file's module: its top folder under src/ (`study`), or the file itself (`errors.ts`). */
function moduleOf(file: string): string {
  const rel = relative(SRC, file).split('/');
  return rel.length === 1 ? rel[0]! : rel[0]!;
}
const ruleName = (module: string) => (module.endsWith('.ts') ? module.replace(/\.ts$/, '') : module);

const folderRules = new Map<string, Set<string>>(
  tableRows('folder').map((cells) => {
    const name = cells[0]!.replace(/^src\//, '').replace(/\.ts$/, '');
    const allowed = cells[cells.length - 1]!;
    return [name, new Set(allowed === '—' ? [] : allowed.split(',').map((s) => s.trim()))];
  }),
);
const packageRules = new Map<string, Set<string>>(
  tableRows('package').map((cells) => [cells[0]!, new Set(cells[1]!.split(',').map((s) => s.trim()))]),
);

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return walk(path);
    return /\.(ts|mts)$/.test(name) && !name.endsWith('.d.ts') ? [path] : [];
  });
}

interface Import {
  readonly from: string;
  readonly spec: string;
  /** The imported file, for relative imports. */
  readonly target: string | null;
}

// A static import or re-export names only identifiers, braces, commas, `*`, `as` and `type` before `from`.
const IMPORT_RE = /(?:^|\n)\s*(?:import|export)\s+[\w*\s{},$]*?\s*from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)/g;

function importsOf(file: string): Import[] {
  const text = readFileSync(file, 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(IMPORT_RE)) {
    const spec = (m[1] ?? m[2] ?? m[3])!;
    const target = spec.startsWith('.') ? resolve(dirname(file), spec).replace(/\.js$/, '.ts') : null;
    out.push({ from: file, spec, target });
  }
  return out;
}

const files = walk(SRC);
const imports = files.flatMap(importsOf);
const rel = (file: string) => relative(ROOT, file);

describe('the import graph of src/ follows docs/architecture.md', () => {
  it('names every module of src/ and only those', () => {
    const modules = new Set(files.map((f) => ruleName(moduleOf(f))));
    expect([...modules].sort()).toEqual([...folderRules.keys()].sort());
  });

  it('every relative import goes to an existing file of a module the importer may import', () => {
    const broken: string[] = [];
    for (const imp of imports) {
      if (imp.target === null) continue;
      if (!files.includes(imp.target)) {
        broken.push(`${rel(imp.from)}: ${imp.spec} (no such file)`);
        continue;
      }
      const from = ruleName(moduleOf(imp.from));
      const to = ruleName(moduleOf(imp.target));
      if (from !== to && !folderRules.get(from)!.has(to)) broken.push(`${rel(imp.from)} -> ${rel(imp.target)} (${from} may not import ${to})`);
    }
    expect(broken).toEqual([]);
  });

  it('packages are imported only where the package table allows', () => {
    const broken: string[] = [];
    for (const imp of imports) {
      if (imp.target !== null || imp.spec.startsWith('node:')) continue;
      const name = imp.spec.startsWith('@') ? imp.spec.split('/').slice(0, 2).join('/') : imp.spec.split('/')[0]!;
      const allowed = packageRules.get(name);
      const from = ruleName(moduleOf(imp.from));
      if (allowed === undefined) broken.push(`${rel(imp.from)}: ${imp.spec} (no rule for this package in docs/architecture.md)`);
      else if (!allowed.has(from)) broken.push(`${rel(imp.from)}: ${imp.spec} (only in ${[...allowed].join(', ')})`);
    }
    expect(broken).toEqual([]);
  });

  it('the main side reaches src/worker only through its index and protocol', () => {
    const workerSide = new Set(['worker', 'strategies', 'training']);
    const doors = new Set([join(SRC, 'worker', 'index.ts'), join(SRC, 'worker', 'protocol.ts')]);
    const broken = imports
      .filter((imp) => imp.target !== null && moduleOf(imp.target) === 'worker' && !workerSide.has(moduleOf(imp.from)))
      .filter((imp) => !doors.has(imp.target!))
      .map((imp) => `${rel(imp.from)} -> ${rel(imp.target!)}`);
    expect(broken).toEqual([]);
  });

  it('has no import cycle between files', () => {
    const edges = new Map<string, string[]>(files.map((f) => [f, []]));
    for (const imp of imports) if (imp.target !== null && edges.has(imp.target)) edges.get(imp.from)!.push(imp.target);
    const cycles = stronglyConnected(edges).filter((c) => c.length > 1 || edges.get(c[0]!)!.includes(c[0]!));
    expect(cycles.map((c) => c.map(rel).sort().join(' <-> '))).toEqual([]);
  });
});

/** Tarjan's strongly connected components. */
function stronglyConnected(edges: Map<string, string[]>): string[][] {
  let index = 0;
  const stack: string[] = [];
  const onStack = new Set<string>();
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const out: string[][] = [];
  const visit = (v: string): void => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v)!) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      out.push(component);
    }
  };
  for (const v of edges.keys()) if (!idx.has(v)) visit(v);
  return out;
}
