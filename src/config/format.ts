// Small formatting helpers for one-line config messages: field paths and short renderings of values.
// Pure; main thread (config). Must not import tfjs, the worker or the store.

export type PathSegment = string | number;

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;
const MAX_SHOWN = 40;

/** `targets[0].labelled`, `datasets["my.set"].csv`; the empty path is `(root)`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (PLAIN_KEY.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(truncate(segment))}]`;
  }
  return out === '' ? '(root)' : out;
}

export function truncate(text: string, max = MAX_SHOWN): string {
  const oneLine = text.replace(/[\r\n]+/g, ' ');
  return oneLine.length <= max ? oneLine : `${oneLine.slice(0, max - 1)}…`;
}

/** A value as a message shows it: scalars literally (strings quoted, truncated), collections by kind. */
export function show(value: unknown): string {
  if (value === null || value === undefined) return 'an empty value';
  if (typeof value === 'string') return JSON.stringify(truncate(value));
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return 'a list';
  return 'a mapping';
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'an integer',
  number: 'a number',
  string: 'a string',
  boolean: 'true or false',
  object: 'a mapping',
  array: 'a list',
  null: 'empty',
};

/** JSON Schema type(s) in words: `an integer`, `a string or a number`. */
export function typeWords(type: unknown): string {
  const types = Array.isArray(type) ? (type as unknown[]) : [type];
  return orList(types.map((t) => TYPE_WORDS[String(t)] ?? String(t)));
}

/** `a`, `a or b`, `a, b or c`. */
export function orList(items: readonly string[]): string {
  if (items.length <= 1) return items[0] ?? '';
  return `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
