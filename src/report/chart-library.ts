// Finds the Chart.js UMD build in node_modules at report time, so reports inline it and need no
// network when viewed. Main thread; reads one file.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface ChartLibrary {
  readonly name: string;
  readonly version: string;
  /** The minified UMD build: defines the global `Chart`. */
  readonly source: string;
}

let cached: ChartLibrary | null = null;

export function chartLibrary(): ChartLibrary {
  if (cached) return cached;
  const require = createRequire(import.meta.url);
  // The package's "exports" hides dist/ files; its main entry lives in dist/ next to the UMD build.
  const dist = dirname(require.resolve('chart.js'));
  const pkg = JSON.parse(readFileSync(join(dist, '..', 'package.json'), 'utf8')) as { name: string; version: string };
  cached = { name: pkg.name, version: pkg.version, source: readFileSync(join(dist, 'chart.umd.min.js'), 'utf8') };
  return cached;
}
