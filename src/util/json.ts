// A checked conversion from `unknown` to src/spec's Json, for values built in code (rows, payloads)
// before they are stored or sent: what a cast would only assume. Pure; safe on both threads; imports
// only the error classes and spec types.
import { StoreError } from '../errors.js';
import type { Json } from '../spec/records.js';

/**
 * Returns `value` itself, typed as Json, once it is verified JSON-safe all the way down: plain objects
 * (prototype Object or null), arrays, finite numbers, strings, booleans and null, without cycles.
 * Anything else (undefined, NaN, a Date, a Map, a bigint, a function, a class instance, an array hole)
 * throws StoreError naming `what` and the key it was found at, in the words of checks.ts's toJsonText.
 */
export function toJson(value: unknown, what: string): Json {
  check(value, '', what, []);
  return value;
}

function check(value: unknown, key: string, what: string, ancestors: object[]): asserts value is Json {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) refuse(String(value), key, what);
    return;
  }
  if (typeof value !== 'object') refuse(describe(value), key, what);
  if (ancestors.includes(value)) refuse('a cycle', key, what);
  ancestors.push(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      // A hole reads as undefined (JSON.stringify would write null): refused like undefined.
      check(value[i], String(i), what, ancestors);
    }
  } else {
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) refuse(describe(value), key, what);
    for (const [k, v] of Object.entries(value)) check(v, k, what, ancestors);
  }
  ancestors.pop();
}

function describe(value: unknown): string {
  switch (typeof value) {
    case 'undefined':
      return 'undefined';
    case 'bigint':
      return `a bigint (${String(value)}n)`;
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default: {
      const name = (value as { constructor?: { name?: unknown } }).constructor?.name;
      return typeof name === 'string' && name !== '' ? `a ${name}` : 'an object that is not plain';
    }
  }
}

// Same words as toJsonText (src/store/checks.ts) for the non-finite numbers both refuse.
function refuse(found: string, key: string, what: string): never {
  throw new StoreError(`${what} contains ${found}${key === '' ? '' : ` at "${key}"`}; JSON cannot store it`);
}
