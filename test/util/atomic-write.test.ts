// writeAtomically: the whole text or the old file, never half; no temporary file left behind.
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeAtomically } from '../../src/util/atomic-write.js';

const dir = () => mkdtempSync(join(tmpdir(), 'tasksieve-atomic-'));

describe('writeAtomically', () => {
  it('writes a new file and replaces an existing one, leaving only the file in its folder', () => {
    const d = dir();
    const path = join(d, 'out.txt');
    writeAtomically(path, 'first\n');
    expect(readFileSync(path, 'utf8')).toBe('first\n');
    writeAtomically(path, 'second\n');
    expect(readFileSync(path, 'utf8')).toBe('second\n');
    expect(readdirSync(d)).toEqual(['out.txt']);
  });

  it('on failure removes its temporary file and leaves what was there', () => {
    const d = dir();
    writeFileSync(join(d, 'other.txt'), 'old\n');
    // A non-empty folder in the way: rename(file, folder) fails (EISDIR / ENOTEMPTY).
    const blocked = join(d, 'blocked');
    mkdirSync(blocked);
    writeFileSync(join(blocked, 'inside'), '');
    expect(() => writeAtomically(blocked, 'new\n')).toThrow();
    expect(readdirSync(d).sort()).toEqual(['blocked', 'other.txt']);
    expect(readdirSync(blocked)).toEqual(['inside']);
    expect(readFileSync(join(d, 'other.txt'), 'utf8')).toBe('old\n');
  });

  it('refuses a folder it cannot write to, creating nothing', () => {
    if (process.getuid?.() === 0) return; // root writes anywhere
    const d = dir();
    chmodSync(d, 0o500);
    try {
      expect(() => writeAtomically(join(d, 'out.txt'), 'text')).toThrow(/EACCES/);
      expect(readdirSync(d)).toEqual([]);
    } finally {
      chmodSync(d, 0o700);
    }
  });
});
