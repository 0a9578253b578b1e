// `tasksieve --version`: the version in package.json, read when asked, from the package folder (two
// levels above this file in src/cli as in dist/cli), so the build needs no JSON import. Main thread.
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  const manifest: unknown = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
  const version = manifest !== null && typeof manifest === 'object' && 'version' in manifest ? manifest.version : undefined;
  if (typeof version !== 'string') throw new Error('package.json has no version');
  return version;
}
