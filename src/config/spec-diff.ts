// Compares two stored study specs (ResolvedStudy as JSON) to refuse resuming a study whose file changed
// meaning. Pure; main thread. Must not import tfjs, the worker or the store.
import { formatPath, type PathSegment } from './format.js';
import { OPERATIONAL_KEYS } from '../spec/study.js';
import { isPlainObject } from '../util/check.js';

const IGNORED = new Set<string>(OPERATIONAL_KEYS);

/**
 * Field paths where `a` and `b` differ, ignoring OPERATIONAL_KEYS (file, storage, budget.trials,
 * budget.workers): `targets[0].labelled`, `sources.length` when a list changed length, and space
 * parameters by name (`space.learning_rate.high`, `space.epochs.when`, `space` when only the order
 * changed). Empty when the specs mean the same study.
 */
export function diffSpecs(a: unknown, b: unknown): string[] {
  const out: string[] = [];
  compare(a, b, [], out);
  return out;
}

function compare(a: unknown, b: unknown, path: PathSegment[], out: string[]): void {
  if (path.length > 0 && IGNORED.has(formatPath(path))) return;
  if (path.length === 1 && path[0] === 'space' && isNamedList(a) && isNamedList(b)) {
    compareSpace(a, b, out);
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.min(a.length, b.length); i++) compare(a[i], b[i], [...path, i], out);
    if (a.length !== b.length) out.push(`${formatPath(path)}.length`);
    return;
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = [...Object.keys(a), ...Object.keys(b).filter((k) => !(k in a))];
    for (const key of keys) compare(a[key], b[key], [...path, key], out);
    return;
  }
  if (a !== b) out.push(formatPath(path));
}

type Named = { name: string; distribution?: unknown; when?: unknown };

function isNamedList(value: unknown): value is Named[] {
  return Array.isArray(value) && value.every((p) => isPlainObject(p) && typeof p['name'] === 'string');
}

/** Space parameters compared by name, their distribution's fields flattened under the name. */
function compareSpace(a: Named[], b: Named[], out: string[]): void {
  const byName = new Map(b.map((p) => [p.name, p]));
  const names = [...a.map((p) => p.name), ...b.map((p) => p.name).filter((n) => !a.some((p) => p.name === n))];
  for (const name of names) {
    const left = a.find((p) => p.name === name);
    const right = byName.get(name);
    if (left === undefined || right === undefined) {
      out.push(formatPath(['space', name]));
      continue;
    }
    compare(left.distribution, right.distribution, ['space', name], out);
    compare(left.when, right.when, ['space', name, 'when'], out);
  }
  const common = (list: Named[], other: Named[]) => list.map((p) => p.name).filter((n) => other.some((p) => p.name === n));
  if (common(a, b).join('\u0000') !== common(b, a).join('\u0000')) out.push('space');
}
