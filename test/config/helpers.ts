// Shared helpers of the config tests: a temporary folder holding real study and data files.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { loadStudyFile, type Overrides } from '../../src/config/index.js';
import { StudyConfigError } from '../../src/errors.js';

export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const DIGITS = join(REPO, 'data', 'digits.csv.gz');
export const FIXTURES = join(REPO, 'test', 'fixtures', 'config');

/**
 * A temporary working directory with `digits.csv.gz` in it; tests chdir into it so study files are
 * named `s.yaml` in messages, exactly as a user would type them.
 */
export class Workspace {
  readonly dir = mkdtempSync(join(tmpdir(), 'tasksieve-config-'));
  private readonly previous = process.cwd();

  constructor() {
    copyFileSync(DIGITS, join(this.dir, 'digits.csv.gz'));
    process.chdir(this.dir);
  }

  write(name: string, content: string | Uint8Array): string {
    writeFileSync(join(this.dir, name), content);
    return name;
  }

  dispose(): void {
    process.chdir(this.previous);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A small valid study: one digits target; line numbers are relied on by the error tests. */
export const MINIMAL = `name: t
datasets:
  digits: { csv: digits.csv.gz }
targets:
  - name: target
    dataset: digits
    labelled: 20
budget: { trials: 4 }
`;

/** The message of the StudyConfigError that loading `text` (written to s.yaml) throws. */
export function errorOf(ws: Workspace, text: string | Uint8Array, overrides?: Overrides): string {
  const file = ws.write('s.yaml', text);
  return messageOf(() => loadStudyFile(file, overrides));
}

export function messageOf(run: () => unknown): string {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(StudyConfigError);
  const error = caught as StudyConfigError;
  expect(error.exitCode).toBe(2);
  expect(error.message).not.toContain('\n');
  return error.message;
}
