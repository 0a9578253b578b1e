// `tasksieve migrate --from sqlite:PATH --to postgres://… [--study NAME]`: copies studies, whole, in
// one PostgreSQL transaction; refuses, writing nothing, if a study already exists there. Main thread.
import { StudyConfigError } from '../errors.js';
import { isPostgresUrl, PostgresStore, redactUrl } from '../store/index.js';
import { dumpCounts, dumpStudy, type StudyDump } from '../store/study-dump.js';
import type { Store } from '../store/types.js';
import { dbPath, findStudy, openExisting } from './locate.js';
import type { Args, Options } from './options.js';
import { printJson, printLines } from './output.js';

export async function migrateCommand(_: Args<'migrate'>, options: Options<'migrate'>): Promise<number> {
  const { from, to } = options;
  if (to === undefined || !isPostgresUrl(to)) {
    throw new StudyConfigError(`--to: must be a postgres:// or postgresql:// URL (got "${to ?? ''}")`);
  }
  const source = dbPath(from);
  if (source === to) throw new StudyConfigError('--from and --to name the same database');
  const name = options.study;

  let dumps: StudyDump[];
  const reader: Store = openExisting(source, true);
  try {
    const names = name !== undefined ? [findStudy(reader, name, source).name] : reader.listStudies().map((s) => s.name);
    if (names.length === 0) throw new StudyConfigError(`${source}: it has no study to migrate`);
    dumps = names.map((n) => dumpStudy(reader, n));
  } finally {
    reader.close();
  }

  const destination = PostgresStore.open(to);
  try {
    // Checked first for a clear exit-2 message; importStudies checks again inside its transaction.
    const existing = dumps.map((d) => d.study.name).filter((n) => destination.getStudy(n) !== null);
    if (existing.length > 0) {
      throw new StudyConfigError(
        `${redactUrl(to)}: study ${existing.map((n) => `"${n}"`).join(', ')} already exists there; nothing was copied ` +
          '(drop it there first, or migrate another study with --study NAME)',
      );
    }
    destination.importStudies(dumps);
  } finally {
    destination.close();
  }

  const copied = dumps.map((d) => ({ study: d.study.name, ...dumpCounts(d) }));
  if (options.json) {
    printJson({ from: source, to: redactUrl(to), copied });
  } else {
    for (const c of copied) {
      printLines(
        `copied study ${c.study}: ${c.trials} trials, ${c.units} units, ${c.artifacts} stored models, ${c.intermediates} intermediate values, ` +
          `${c.baselines} baselines${c.screen ? ', the screen table' : ''} → ${redactUrl(to)}`,
      );
    }
  }
  return 0;
}
