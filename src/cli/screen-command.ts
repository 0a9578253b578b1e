// `tasksieve screen`: rank the sources by transferability screens (LEEP, LogME, H-score, NCE) before any
// fine-tuning: the screen stored with the study (screen_prior), or computed now on the worker pool.
// Main thread; thin: src/selection computes, this prints.
import { existsSync } from 'node:fs';
import { loadStudyFile } from '../config/index.js';
import { StudyConfigError } from '../errors.js';
import { runScreens } from '../selection/index.js';
import type { ScreenTable } from '../spec/screens.js';
import type { ResolvedStudy, ScreenKind } from '../spec/study.js';
import { studySpecOf } from '../study/decoders.js';
import { PoolExecutor } from '../study/pool-executor.js';
import { readScreenTable } from '../study/screen-prior.js';
import { fmtNumber } from '../util/format.js';
import { dbPath, isStudyFile, openExisting, openStudyToRead } from './locate.js';
import type { Args, Options } from './options.js';
import { printJson, printLines, printTable } from './output.js';

/** The study of a file (no database needed), or of a name in the database; and its stored screen. */
async function screenSource(target: string, db: string | undefined): Promise<{ study: ResolvedStudy; stored: ScreenTable | null }> {
  if (isStudyFile(target)) {
    const study = loadStudyFile(target);
    const path = dbPath(db, study);
    if (!existsSync(path)) return { study, stored: null };
    const store = openExisting(path, true);
    try {
      const record = store.getStudy(study.name);
      return { study, stored: record === null ? null : readScreenTable(store, record.id) };
    } finally {
      store.close();
    }
  }
  const { store, record } = await openStudyToRead(target, db);
  try {
    return { study: studySpecOf(record), stored: readScreenTable(store, record.id) };
  } finally {
    store.close();
  }
}

export async function screenCommand([target]: Args<'screen'>, options: Options<'screen'>): Promise<number> {
  const { study, stored } = await screenSource(target, options.db);
  if (study.sources.length === 0) throw new StudyConfigError(`study "${study.name}" has no sources to screen`);
  let screens = stored;
  if (screens === null) {
    const executor = await PoolExecutor.start({
      workers: options.workers ?? Math.min(study.budget.workers, study.sources.length),
      backend: options.backend ?? null,
    });
    try {
      screens = await runScreens(study, executor);
    } finally {
      await executor.close();
    }
  }
  if (options.json) {
    printJson({ study: study.name, stored: stored !== null, ...screens });
    return 0;
  }
  const ranking = screens.ranking;
  const rank = (kind: ScreenKind, source: string) => ranking[kind].indexOf(source) + 1;
  const body = [...screens.sources]
    .sort((a, b) => rank('logme', a.source) - rank('logme', b.source))
    .map((s) => [
      s.source,
      `${fmtNumber(s.score.leep)} (#${rank('leep', s.source)})`,
      `${fmtNumber(s.score.logme)} (#${rank('logme', s.source)})`,
      `${fmtNumber(s.score.hscore)} (#${rank('hscore', s.source)})`,
      // A table stored before NCE existed has none: NaN, unranked.
      Number.isNaN(s.score.nce) ? '-' : `${fmtNumber(s.score.nce)} (#${rank('nce', s.source)})`,
      `${fmtNumber(s.trainMs / 1000, 2)}s`,
    ]);
  const origin = stored !== null ? 'stored with the study (screen_prior)' : `computed now on ${screens.backend}`;
  printLines(`study ${study.name}: transferability of ${screens.sources.length} sources to ${study.targets.map((t) => t.name).join(', ')} (${origin})`);
  printTable(['source', 'LEEP', 'LogME', 'H-score', 'NCE', 'train'], body);
  printLines(
    `higher is better; mean over targets of scores on each target's labelled rows (seed 0 split) from a model trained on the source with the study's recipe (a model source: the pretrained model as it is, not trained)`,
    `cost: LEEP ${fmtNumber(screens.seconds.leep, 2)}s, LogME ${fmtNumber(screens.seconds.logme, 2)}s, H-score ${fmtNumber(screens.seconds.hscore, 2)}s, NCE ${fmtNumber(screens.seconds.nce, 2)}s of worker time (training included); wall ${fmtNumber(screens.wallMs / 1000, 2)}s`,
  );
  return 0;
}
