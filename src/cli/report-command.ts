// `tasksieve report`: one self-contained HTML report of a study. Opens the database read-only and
// reads one consistent snapshot, so it works on a running study without blocking its runner; writes
// the file atomically. Main thread.
import { existsSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadStudyFile } from '../config/index.js';
import { StudyConfigError } from '../errors.js';
import { studyReport } from '../report/index.js';
import { writeAtomically } from '../util/atomic-write.js';
import { dbPath, findStudy, isStudyFile, openExisting } from './locate.js';
import type { Args, Options } from './options.js';
import { printJson, printLines } from './output.js';

export async function reportCommand([target]: Args<'report'>, options: Options<'report'>): Promise<number> {
  const output = options.output;
  const outputPath = resolve(output);
  const outputDir = dirname(outputPath);
  if (!existsSync(outputDir) || !statSync(outputDir).isDirectory()) {
    throw new StudyConfigError(`-o: directory not found: ${outputDir}`);
  }
  const { top } = options;
  const study = isStudyFile(target) ? loadStudyFile(target) : null;
  const path = dbPath(options.db, study);
  const store = openExisting(path, true);
  try {
    const name = study?.name ?? target;
    const started = performance.now();
    const report = studyReport(store, name, top === undefined ? {} : { top });
    if (!report) {
      findStudy(store, name, path); // throws the usual "not found" message listing the studies
      throw new StudyConfigError(`${path}: study "${name}" not found`);
    }
    writeAtomically(outputPath, report.html);
    const ms = Math.round(performance.now() - started);
    const bytes = Buffer.byteLength(report.html);
    const trials = report.data.trials.length;
    if (options.json) printJson({ study: report.data.name, output: outputPath, bytes, trials, ms });
    else printLines(`wrote ${output}: ${(bytes / 1024).toFixed(0)} KB, study ${report.data.name}, ${trials} trial(s), in ${ms} ms`);
    return 0;
  } finally {
    store.close();
  }
}
