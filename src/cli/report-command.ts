// `tasksieve report`: one self-contained HTML report of a study. Opens the database read-only and
// reads one consistent snapshot, so it works on a running study without blocking its runner; writes
// the file atomically. Main thread.
import { existsSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { loadStudyFile } from '../config/index.js';
import { StudyConfigError } from '../errors.js';
import { studyReport } from '../report/index.js';
import { dbPath, findStudy, isStudyFile, openExisting } from './locate.js';
import type { Options } from './main.js';
import { intOption } from './run-command.js';

export async function reportCommand([target]: string[], options: Options): Promise<number> {
  const output = options.output as string | undefined;
  if (output === undefined || output === '') {
    throw new StudyConfigError('-o: the HTML file to write is required (tasksieve report STUDY -o report.html)');
  }
  const outputPath = resolve(output);
  const outputDir = dirname(outputPath);
  if (!existsSync(outputDir) || !statSync(outputDir).isDirectory()) {
    throw new StudyConfigError(`-o: directory not found: ${outputDir}`);
  }
  const top = intOption(options, 'top');
  const study = isStudyFile(target!) ? loadStudyFile(target!) : null;
  const path = dbPath(options.db as string | undefined, study);
  const store = openExisting(path, true);
  try {
    const name = study?.name ?? target!;
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
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ study: report.data.name, output: outputPath, bytes, trials, ms })}\n`);
    } else {
      process.stdout.write(`wrote ${output}: ${(bytes / 1024).toFixed(0)} KB, study ${report.data.name}, ${trials} trial(s), in ${ms} ms\n`);
    }
    return 0;
  } finally {
    store.close();
  }
}

/** Through a temporary file and a rename: a reader (or a browser reloading) never sees half a report. */
function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  } catch (error) {
    rmSync(tmp, { force: true });
    throw error;
  }
}
