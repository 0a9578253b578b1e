// `tasksieve studies`: the studies in a database with their progress and best value. Reads the
// database read-only. Main thread; must not load the pool.
import { bestTrial } from '../study/leaderboard.js';
import { studySpecOf } from '../study/decoders.js';
import { fmtNumber } from '../util/format.js';
import { dbPath, openExisting } from './locate.js';
import type { Args, Options } from './options.js';
import { printJson, printTable } from './output.js';

export async function studiesCommand(_: Args<'studies'>, options: Options<'studies'>): Promise<number> {
  const store = openExisting(dbPath(options.db), true);
  try {
    const rows = store.listStudies().map((record) => {
      const trials = store.getTrials(record.id);
      const spec = studySpecOf(record);
      return {
        name: record.name,
        total: spec.budget.trials,
        complete: trials.filter((t) => t.state === 'COMPLETE').length,
        pruned: trials.filter((t) => t.state === 'PRUNED').length,
        failed: trials.filter((t) => t.state === 'FAIL').length,
        pending: trials.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING').length,
        metric: spec.objective.metric,
        best: bestTrial(trials, record.direction)?.value ?? null,
        createdAt: new Date(record.createdAt).toISOString(),
      };
    });
    if (options.json) {
      printJson(rows);
      return 0;
    }
    const body = rows.map((r) => [
      r.name,
      `${r.complete}/${r.total}`,
      String(r.pruned),
      String(r.failed),
      String(r.pending),
      `${r.metric} ${fmtNumber(r.best)}`,
      r.createdAt,
    ]);
    printTable(['study', 'complete', 'pruned', 'failed', 'running/waiting', 'best', 'created'], body);
    return 0;
  } finally {
    store.close();
  }
}
