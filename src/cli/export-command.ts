// `tasksieve export`: every trial of a study as CSV or JSON, on stdout or into a file (written
// atomically). Reads the database read-only. Main thread; must not load the pool.
import type { ResolvedStudy } from '../spec/study.js';
import { studySpecOf } from '../study/decoders.js';
import { trialRows, type TrialRow } from '../study/leaderboard.js';
import { writeAtomically } from '../util/atomic-write.js';
import { openStudyToRead } from './locate.js';
import type { Args, Options } from './options.js';
import { printText } from './output.js';

export async function exportCommand([target]: Args<'export'>, options: Options<'export'>): Promise<number> {
  const { store, record } = await openStudyToRead(target, options.db);
  try {
    const rows = trialRows(store, record);
    const spec = studySpecOf(record);
    const text =
      options.format === 'json'
        ? `${JSON.stringify({ study: record.name, spec, trials: rows }, null, 2)}\n`
        : toCsv(rows, spec.targets.map((t) => t.name), vectorColumns(spec));
    if (options.output) writeAtomically(options.output, text);
    else printText(text);
    return 0;
  } finally {
    store.close();
  }
}

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : Array.isArray(value) ? value.join('|') : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** Multi-objective studies: a column per objective (`value.1.bytes`) and per constraint; none otherwise. */
function vectorColumns(spec: ResolvedStudy): { objectives: string[]; constraints: string[] } {
  return {
    objectives: (spec.objectives ?? []).map((o, i) => `value.${i}.${o.metric}${o.on === 'gain' ? '_gain' : ''}`),
    constraints: (spec.constraints ?? []).map((c, i) => `constraint.${i}.${c.metric}`),
  };
}

export function toCsv(
  rows: readonly TrialRow[],
  targets: readonly string[],
  vectors: { readonly objectives: readonly string[]; readonly constraints: readonly string[] } = { objectives: [], constraints: [] },
): string {
  const paramNames = [...new Set(rows.flatMap((r) => Object.keys(r.params)))].sort();
  // Test columns only for studies whose targets hold out test rows (older exports keep their shape).
  const tested = rows.some((r) => r.targets.some((t) => t.test !== null));
  const headers = [
    // Vector columns right after `value`, only in multi-objective studies (other exports keep their shape).
    'number', 'state', 'value', ...vectors.objectives, ...vectors.constraints, 'sources', ...paramNames.map((p) => `param.${p}`),
    ...targets.flatMap((t) => [`metric.${t}`, `gain.${t}`, ...(tested ? [`test.${t}`] : [])]),
    'backend', 'attempts', 'started_at', 'finished_at', 'error',
  ];
  const lines = rows.map((r) => {
    const cells: unknown[] = [
      r.number,
      r.state,
      r.value,
      ...vectors.objectives.map((_, i) => r.values?.[i]),
      ...vectors.constraints.map((_, i) => r.constraints?.[i]),
      r.sources,
      ...paramNames.map((p) => r.params[p]),
    ];
    for (const t of targets) {
      const s = r.targets.find((x) => x.target === t);
      cells.push(s?.metric, s?.gain, ...(tested ? [s?.test] : []));
    }
    cells.push(r.backend, r.attempts, iso(r.startedAt), iso(r.finishedAt), r.error);
    return cells.map(csvCell).join(',');
  });
  return [headers.join(','), ...lines].join('\n') + '\n';
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}
