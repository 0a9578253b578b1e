// What `--force` tells the user when a study file drifted from the stored study: each differing field
// with its stored value (which wins) and the file's value (ignored). Main thread; pure.
import { truncate } from '../config/format.js';

const MAX_LINES = 20;

type Segment = string | number;

/** Path segments of a diffSpecs path: `a.b`, `x[0].y`, `["odd.key"]`, trailing `.length`. */
function segments(path: string): Segment[] {
  const out: Segment[] = [];
  for (const m of path.matchAll(/\.?([A-Za-z_][A-Za-z0-9_-]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]/g)) {
    if (m[1] !== undefined) out.push(m[1]);
    else if (m[2] !== undefined) out.push(Number(m[2]));
    else out.push(JSON.parse(m[3]!) as string);
  }
  return out;
}

/** The value a diffSpecs path names in `spec` (space parameters are found by name); undefined if absent. */
export function valueAt(spec: unknown, path: string): unknown {
  const parts = segments(path);
  let node: unknown = spec;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part === 'length' && i === parts.length - 1 && Array.isArray(node)) return node.length;
    if (i === 1 && parts[0] === 'space' && Array.isArray(node)) {
      const param = (node as { name?: string; distribution?: unknown; when?: unknown }[]).find((p) => p.name === part);
      if (param === undefined) return undefined;
      // `space.NAME.when` is on the parameter; every other field is on its distribution.
      node = parts[i + 1] === 'when' || i === parts.length - 1 ? param : param.distribution;
      continue;
    }
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

function shown(value: unknown): string {
  if (value === undefined) return '(absent)';
  return truncate(JSON.stringify(value) ?? String(value), 60);
}

/** One line per differing field (at most MAX_LINES, then a count), stored value first. */
export function driftLines(stored: unknown, file: unknown, differences: readonly string[]): string[] {
  const lines = differences
    .slice(0, MAX_LINES)
    .map((path) => `  ${path}: stored ${shown(valueAt(stored, path))} (kept), file ${shown(valueAt(file, path))} (ignored)`);
  if (differences.length > MAX_LINES) lines.push(`  … and ${differences.length - MAX_LINES} more`);
  return lines;
}
