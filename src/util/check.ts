// Checks of untyped values (parsed JSON from a database) against a shape: each check returns its
// value typed when it fits and throws a CheckError naming the path and the problem when it does not.
// The value is returned as it is, never rebuilt (key order matters where a record is hashed). Pure;
// both threads; imports nothing of the project.

/** A value failed a check: `path` is where (`recipe.learning_rate`), `problem` what was expected. */
export class CheckError extends Error {
  override readonly name = 'CheckError';
  constructor(
    readonly path: string,
    readonly problem: string,
  ) {
    super(`${path || '(the record)'}: ${problem}`);
  }
}

export type Check<T> = (value: unknown, path: string) => T;

/** The checked type of a check. */
export type Checked<C> = C extends Check<infer T> ? T : never;

function shown(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) return String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

function fail(path: string, expected: string, value: unknown): never {
  throw new CheckError(path, `expected ${expected} (got ${shown(value)})`);
}

export const string: Check<string> = (v, path) => (typeof v === 'string' ? v : fail(path, 'a string', v));
export const boolean: Check<boolean> = (v, path) => (typeof v === 'boolean' ? v : fail(path, 'true or false', v));
/** A finite number. */
export const number: Check<number> = (v, path) => (typeof v === 'number' && Number.isFinite(v) ? v : fail(path, 'a number', v));
export const integer: Check<number> = (v, path) => (Number.isSafeInteger(v) ? (v as number) : fail(path, 'a whole number', v));
/** A number, or null where JSON wrote a NaN or an infinity (metrics of an empty set). */
export const numberOrNull: Check<number | null> = (v, path) => (v === null || typeof v === 'number' ? v : fail(path, 'a number', v));

export function nullable<T>(check: Check<T>): Check<T | null> {
  return (v, path) => (v === null ? null : check(v, path));
}

export function oneOf<const V extends readonly (string | number | boolean)[]>(values: V): Check<V[number]> {
  return (v, path) => (values.includes(v as V[number]) ? (v as V[number]) : fail(path, `one of ${values.join(', ')}`, v));
}

export function arrayOf<T>(check: Check<T>): Check<readonly T[]> {
  return (v, path) => {
    if (!Array.isArray(v)) fail(path, 'a list', v);
    v.forEach((item, i) => check(item, `${path}[${i}]`));
    return v as readonly T[];
  };
}

/** A mapping (not null, not an array): what a parsed YAML or JSON object is. */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function recordOf<T>(check: Check<T>): Check<Readonly<Record<string, T>>> {
  return (v, path) => {
    if (!isPlainObject(v)) fail(path, 'a mapping', v);
    for (const [key, item] of Object.entries(v)) check(item, join(path, key));
    return v as Readonly<Record<string, T>>;
  };
}

const join = (path: string, key: string): string => (path ? `${path}.${key}` : key);

/** A field a mapping may leave out (or hold undefined). */
export interface OptionalCheck<T> {
  readonly optional: true;
  readonly check: Check<T>;
}

export function optional<T>(check: Check<T>): OptionalCheck<T> {
  return { optional: true, check };
}

/** One check per field of T: optional fields (those that may be undefined) take optional(check). */
export type FieldChecks<T> = {
  readonly [K in keyof T]-?: undefined extends T[K] ? OptionalCheck<Exclude<T[K], undefined>> : Check<T[K]>;
};

/**
 * A mapping of type T, one check per field (the compiler holds the checks to T's fields). Keys of
 * none are refused unless `open`: a stored record with a key this version does not know may mean
 * something it cannot honour (a record written by a newer tasksieve).
 */
export function shape<T>(fields: FieldChecks<T>, options: { readonly open?: boolean } = {}): Check<T> {
  const entries = Object.entries(fields) as [string, Check<unknown> | OptionalCheck<unknown>][];
  return (v, path) => {
    if (!isPlainObject(v)) fail(path, 'a mapping', v);
    for (const [key, field] of entries) {
      const value = v[key];
      if (typeof field === 'function') {
        if (!(key in v)) throw new CheckError(join(path, key), 'missing');
        field(value, join(path, key));
      } else if (value !== undefined) {
        field.check(value, join(path, key));
      }
    }
    if (!options.open) {
      for (const key of Object.keys(v)) {
        if (!Object.hasOwn(fields, key)) {
          throw new CheckError(join(path, key), 'a key this version does not know (written by a newer tasksieve?)');
        }
      }
    }
    return v as T;
  };
}

/** One of several mappings told apart by the string value of `tag` (e.g. `kind`). */
export function tagged<T>(tag: string, cases: Readonly<Record<string, Check<T>>>): Check<T> {
  return (v, path) => {
    if (!isPlainObject(v)) fail(path, 'a mapping', v);
    const kind = v[tag];
    const check = typeof kind === 'string' && Object.hasOwn(cases, kind) ? cases[kind] : undefined;
    if (check === undefined) fail(join(path, tag), `one of ${Object.keys(cases).join(', ')}`, kind);
    return check(v, path);
  };
}

/** The first of `checks` that passes; fails with the last one's reason. */
export function anyOf<T>(...checks: readonly Check<T>[]): Check<T> {
  return (v, path) => {
    let last: unknown;
    for (const check of checks) {
      try {
        return check(v, path);
      } catch (error) {
        last = error;
      }
    }
    throw last;
  };
}
