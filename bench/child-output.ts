// What a benchmark's own child process printed as JSON (a result line, a CLI's --json output), read
// through a shape check like every other JSON the project reads: a child of another version or a
// stray line fails here, naming the child and the field, instead of as a NaN figure later. Main thread.
import { CheckError, type Check } from '../src/util/check.js';

export function parseChildJson<T>(text: string, check: Check<T>, what: string): T {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`${what}: not JSON: ${JSON.stringify(text.slice(0, 80))}`);
  }
  try {
    return check(value, '');
  } catch (error) {
    if (error instanceof CheckError) throw new Error(`${what}: ${error.message}`);
    throw error;
  }
}
