// `tasksieve init DATA.csv --label COLUMN --domain COLUMN`: profiles the CSV, plans a study with one
// dataset per domain (src/config/init-study.ts), checks the text as `run` would check it (data
// included), and only then writes it, atomically, never over an existing file without --force.
// Main thread.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { parseStudy } from '../config/index.js';
import { planFolderStudy, planStudy } from '../config/init-study.js';
import { detectDelimiter, profileCsv } from '../data/csv-profile.js';
import { StudyConfigError } from '../errors.js';
import { writeAtomically } from '../util/atomic-write.js';
import { fmtPercent } from '../util/format.js';
import type { Args, Options } from './options.js';
import { printLines, printNote } from './output.js';

export async function initCommand([data]: Args<'init'>, options: Options<'init'>): Promise<number> {
  const name = options.name ?? studyName(data);
  const output = resolve(options.output ?? `${name}.yaml`);
  if (existsSync(output) && !options.force) throw new StudyConfigError(`${options.output ?? `${name}.yaml`}: exists (--force replaces it)`);
  // Paths relative to the study file (the pair moves together), unless that climbs out of two folders.
  const asWritten = (file: string) => {
    const near = relative(dirname(output), resolve(file)) || basename(file);
    return near.startsWith(`..${sep}..`) ? resolve(file) : near;
  };
  const target = options.target !== undefined ? { target: options.target } : {};
  let plan;
  if (isFolder(data)) {
    if (options.domain !== undefined) throw new StudyConfigError(`--domain: not with a folder (${data}): each of its CSV files is a domain`);
    const files = readdirSync(data)
      .filter((f) => /\.csv(\.gz)?$/i.test(f))
      .sort()
      .map((f) => join(data, f));
    plan = planFolderStudy(files.map((f) => ({ csv: asWritten(f), profile: profileCsv(f, [], detectDelimiter(f), options.label) })), { label: options.label, name, ...target });
  } else {
    if (options.domain === undefined) throw new StudyConfigError('--domain: required for a CSV (--domain COLUMN: a site, a year, a device; or a numeric column to bin)');
    plan = planStudy(profileCsv(data, [options.domain], detectDelimiter(data), options.label), { csv: asWritten(data), label: options.label, domain: options.domain, bins: options.bins, name, ...target });
  }
  // The file must load as it is written: a target with a single class, say, is refused here, not at run.
  // Its problems point into a file that is not written: said so, without the line and column.
  try {
    parseStudy(plan.text, output);
  } catch (error) {
    if (!(error instanceof StudyConfigError) || !error.message.startsWith(`${output}:`)) throw error;
    throw new StudyConfigError(`the study it would write is refused (nothing written): ${error.message.replace(/^.*?:\d+:\d+: /, '')}`);
  }
  writeAtomically(output, plan.text);
  const shown = relative(process.cwd(), output) || output;
  printLines(
    `wrote ${shown}: ${plan.domains.length} domains (${plan.domains.map((d) => `${d.name} ${d.rows}`).join(', ')}), target ${plan.target}`,
    ...(plan.dropped.length > 0 ? [`not features (text, or the domain column): ${plan.dropped.join(', ')}`] : []),
    ...(plan.skipped.length > 0 ? [`left out, one class only: ${plan.skipped.map((d) => `${d.name} (${d.label})`).join(', ')}`] : []),
    ...(plan.categorical.length > 0 ? [`one-hot encoded (text of a few values): ${plan.categorical.map((c) => c.name).join(', ')}`] : []),
    ...(plan.smallestClass !== null ? [`objective: macro-F1 (the smallest class, ${JSON.stringify(plan.smallestClass.name)}, is ${fmtPercent(plan.smallestClass.share)} of the rows)`] : []),
    ...(plan.missing === 'impute' ? ['missing feature values: filled inside each unit (missing: impute)'] : plan.missing === 'drop' ? ['rows with a missing label: left out (missing: drop)'] : []),
    `next: tasksieve run ${shown}`,
  );
  // On stderr: the study is written, but a column that alone decides the label is usually a leak.
  for (const name of plan.decisive) {
    printNote(`tasksieve init: warning: column ${JSON.stringify(name)} alone separates the classes of ${JSON.stringify(options.label)} (each class in values of its own): if the label was made from it, add it to drop`);
  }
  return 0;
}

function isFolder(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The CSV's (or folder's) name as a study name: a letter or digit, then letters, digits, _ . - (at most 64). */
function studyName(path: string): string {
  let base = basename(path);
  for (const ext of ['.gz', '.csv']) if (base.toLowerCase().endsWith(ext)) base = base.slice(0, -ext.length);
  if (extname(base) !== '') base = base.slice(0, -extname(base).length);
  const name = base.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 64);
  return name === '' ? 'study' : name;
}
