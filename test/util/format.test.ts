// The one text formatter of the CLI and the report: numbers, signed values, intervals, durations,
// parameter values and source subsets, each rule on its own.
import { describe, expect, it } from 'vitest';
import { fmtDuration, fmtFixed, fmtInterval, fmtNumber, fmtParam, fmtSigned, fmtSubset, TARGET_ONLY } from '../../src/util/format.js';

describe('fmtNumber', () => {
  it('keeps up to 4 decimals and drops trailing zeros', () => {
    expect(fmtNumber(0.123456)).toBe('0.1235');
    expect(fmtNumber(0.5)).toBe('0.5');
    expect(fmtNumber(2)).toBe('2');
    expect(fmtNumber(0)).toBe('0');
    expect(fmtNumber(1.23456, 2)).toBe('1.23');
  });
  it('writes very small and large magnitudes in exponent form (below 1e-3, from 1e5 up)', () => {
    expect(fmtNumber(0.0005)).toBe('5.00e-4');
    expect(fmtNumber(-0.0005)).toBe('-5.00e-4');
    expect(fmtNumber(0.001)).toBe('0.001');
    expect(fmtNumber(99999)).toBe('99999');
    expect(fmtNumber(100000)).toBe('1.00e+5');
  });
  it('null and undefined are "-"; infinities and NaN are spelled out', () => {
    expect(fmtNumber(null)).toBe('-');
    expect(fmtNumber(undefined)).toBe('-');
    expect(fmtNumber(Number.NaN)).toBe('NaN');
    expect(fmtNumber(Number.POSITIVE_INFINITY)).toBe('Infinity');
  });
});

describe('fmtSigned and fmtInterval', () => {
  it('3 decimals, a plus on positive values only', () => {
    expect(fmtSigned(0.12345)).toBe('+0.123');
    expect(fmtSigned(-0.12345)).toBe('-0.123');
    expect(fmtSigned(0)).toBe('0');
    expect(fmtSigned(null)).toBe('-');
  });
  it('decimals wherever they show the value; the exponent only where 3 decimals would read 0', () => {
    expect(fmtSigned(0.000991)).toBe('+0.001');
    expect(fmtSigned(-0.0006)).toBe('-0.001');
    expect(fmtSigned(0.0004)).toBe('+4.00e-4');
    // Rounding noise of a mean of equal differences is no sign.
    expect(fmtSigned(-2.220446049250313e-17)).toBe('0');
    expect(fmtSigned(3e-13)).toBe('0');
    expect(fmtSigned(2e-9)).toBe('+2.00e-9');
    expect(fmtInterval(0.000991, 0.142)).toBe('[+0.001, +0.142]');
  });
  it('an interval is two signed values in brackets', () => {
    expect(fmtInterval(-0.1234, 0.05)).toBe('[-0.123, +0.05]');
  });
});

describe('fmtDuration', () => {
  it('seconds with one decimal under a minute, then minutes and seconds, then hours and minutes', () => {
    expect(fmtDuration(450)).toBe('0.5s');
    expect(fmtDuration(12_340)).toBe('12.3s');
    expect(fmtDuration(125_000)).toBe('2m05s');
    expect(fmtDuration(3_720_000)).toBe('1h02m');
  });
  it('unknown (not finite) is "?", absent is "-"', () => {
    expect(fmtDuration(Number.NaN)).toBe('?');
    expect(fmtDuration(null)).toBe('-');
  });
});

describe('fmtParam and fmtSubset', () => {
  it('parameter values: numbers as fmtNumber, lists joined', () => {
    expect(fmtParam(0.012345)).toBe('0.0123');
    expect(fmtParam(['a', 'b'])).toBe('[a,b]');
    expect(fmtParam(['a', 'b'], ', ')).toBe('[a, b]');
    expect(fmtParam('adam')).toBe('adam');
  });
  it('the empty subset is written one way; names are joined by the separator and marked', () => {
    expect(TARGET_ONLY).toBe('(target only)');
    expect(fmtSubset([])).toBe('(target only)');
    expect(fmtSubset([], ', ')).toBe('(target only)');
    expect(fmtSubset(['a', 'b'])).toBe('a,b');
    expect(fmtSubset(['a', 'b'], ', ')).toBe('a, b');
    expect(fmtSubset(['a', 'b'], ',', (s) => (s === 'b' ? '!' : ''))).toBe('a,b!');
  });
});

describe('fmtFixed', () => {
  it('keeps the trailing zeros fmtNumber drops, and falls back to it at the extremes', () => {
    expect([0.43, 0.4303, 1, 0, -0.25].map((v) => fmtFixed(v))).toEqual(['0.4300', '0.4303', '1.0000', '0.0000', '-0.2500']);
    expect(fmtFixed(0.875, 3)).toBe('0.875');
    expect([4.58e-4, 123456, null, Number.NaN].map((v) => fmtFixed(v))).toEqual([fmtNumber(4.58e-4), fmtNumber(123456), '-', 'NaN']);
  });
});
