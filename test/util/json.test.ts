// toJson: JSON-safe values pass through as they are; anything JSON would drop, change or refuse is a
// StoreError naming what was checked and the key it was found at.
import { describe, expect, it } from 'vitest';
import { StoreError } from '../../src/errors.js';
import { toJson } from '../../src/util/json.js';

describe('toJson', () => {
  it('returns JSON-safe values themselves', () => {
    const rows = [{ number: 0, state: 'RUNNING', owner: null, params: { lr: 0.01, layers: [16, 8], bn: true } }];
    expect(toJson(rows, 'trials')).toBe(rows);
    const bare = Object.assign(Object.create(null) as object, { a: 1 });
    expect(toJson(bare, 'x')).toBe(bare);
    for (const scalar of [null, 'a', '', 0, -1.5, true, false]) expect(toJson(scalar, 'x')).toBe(scalar);
    // Shared (not cyclic) references are fine.
    const shared = { a: 1 };
    expect(() => toJson([shared, shared], 'x')).not.toThrow();
  });

  it('refuses non-finite numbers in the words of toJsonText', () => {
    expect(() => toJson([{ value: Number.NaN }], 'trial outcomes')).toThrow(
      new StoreError('trial outcomes contains NaN at "value"; JSON cannot store it'),
    );
    expect(() => toJson(Infinity, 'x')).toThrow('x contains Infinity; JSON cannot store it');
    expect(() => toJson([1, -Infinity], 'x')).toThrow('x contains -Infinity at "1"; JSON cannot store it');
  });

  it('refuses what JSON would silently drop or change', () => {
    const cases: [unknown, string][] = [
      [{ owner: undefined }, 'undefined at "owner"'],
      [[1, , 2], 'undefined at "1"'],
      [{ at: new Date(0) }, 'a Date at "at"'],
      [{ m: new Map() }, 'a Map at "m"'],
      [{ f: () => 1 }, 'a function at "f"'],
      [{ n: 5n }, 'a bigint (5n) at "n"'],
      [{ s: Symbol('s') }, 'a symbol at "s"'],
      [new (class Row {})(), 'a Row'],
      [undefined, 'undefined'],
    ];
    for (const [value, found] of cases) {
      expect(() => toJson(value, 'rows')).toThrow(new StoreError(`rows contains ${found}; JSON cannot store it`));
    }
  });

  it('refuses a cycle', () => {
    const a: { self?: unknown } = {};
    a.self = [a];
    expect(() => toJson(a, 'rows')).toThrow(new StoreError('rows contains a cycle at "0"; JSON cannot store it'));
  });
});
