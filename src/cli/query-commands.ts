// Read-only commands: leaderboard, studies, export, schema. They open the database read-only, so
// they never block or change a running study. Main thread.
import { renameSync, writeFileSync } from 'node:fs';
import { studyJsonSchema } from '../config/index.js';
import type { ResolvedStudy } from '../config/types.js';
import { StudyConfigError } from '../errors.js';
import { leaderboard, trialRows, type TrialRow } from '../search/leaderboard.js';
import { bestTrial } from '../search/study.js';
import type { Store, StudyRecord } from '../store/types.js';
import { fmtNumber, fmtParamValue, fmtSigned, table } from './format.js';
import { dbPath, openExisting, openStudyToRead } from './locate.js';
import type { Options } from './main.js';
import { intOption } from './run-command.js';

/** What the leaderboard says of the study's sources besides its rows (the harmful ones, see selection-commands). */
export interface SourceNotes {
  /** How a subset is shown in a row. */
  readonly subsetText: (sources: readonly string[]) => string;
  /** Lines printed under the table (none: nothing to say). */
  readonly footer: readonly string[];
  /** Added to the --json output. */
  readonly json: Record<string, unknown>;
}

export async function leaderboardCommand(
  [target]: string[],
  options: Options,
  notes?: (store: Store, record: StudyRecord) => SourceNotes,
): Promise<number> {
  const top = intOption(options, 'top') ?? 10;
  const { store, record } = openStudyToRead(target!, options.db as string | undefined);
  try {
    const rows = leaderboard(store, record, top);
    const said = notes?.(store, record);
    if (options.json) {
      process.stdout.write(`${JSON.stringify({ study: record.name, direction: record.direction, rows, ...said?.json })}\n`);
      return 0;
    }
    const spec = record.spec as unknown as ResolvedStudy;
    const states = countStates(store, record);
    process.stdout.write(
      `study ${record.name}: objective ${spec.objective.aggregate} ${spec.objective.metric} (${record.direction}); ${states}\n`,
    );
    if (rows.length === 0) {
      process.stdout.write('no COMPLETE trial yet\n');
      writeFailures(store, record);
      return 0;
    }
    const targets = spec.targets.map((t) => t.name);
    const headers = ['rank', 'trial', spec.objective.metric, 'sources', ...targets.map((t) => `gain ${t}`), 'params'];
    const body = rows.map((row) => [
      String(row.rank),
      `#${row.number}`,
      fmtNumber(row.value),
      said ? said.subsetText(row.sources) : row.sources.length > 0 ? row.sources.join(',') : '(target only)',
      ...targets.map((t) => {
        const summary = row.targets.find((s) => s.target === t);
        return summary ? fmtSigned(summary.gain) : '-';
      }),
      paramsText(row),
    ]);
    process.stdout.write(`${table(headers, body)}\n`);
    process.stdout.write(`gain: ${spec.objective.metric} minus the target-only baseline with the same recipe, target and seed (mean over seeds)\n`);
    for (const line of said?.footer ?? []) process.stdout.write(`${line}\n`);
    writeFailures(store, record);
    return 0;
  } finally {
    store.close();
  }
}

/** Failed trials are not ranked, but their reasons must be visible where people look. */
function writeFailures(store: Store, record: StudyRecord): void {
  const failed = store.getTrials(record.id, ['FAIL']);
  if (failed.length === 0) return;
  const shown = failed.slice(0, 5).map((t) => `  #${t.number}: ${t.error ?? 'unknown error'}`);
  const more = failed.length > 5 ? [`  … and ${failed.length - 5} more (tasksieve export shows all)`] : [];
  process.stdout.write(`${failed.length} failed trial(s):\n${[...shown, ...more].join('\n')}\n`);
}

function paramsText(row: TrialRow): string {
  return Object.entries(row.params)
    .map(([k, v]) => `${k}=${fmtParamValue(v)}`)
    .join(' ');
}

function countStates(store: Store, record: StudyRecord): string {
  const counts = new Map<string, number>();
  for (const trial of store.getTrials(record.id)) counts.set(trial.state, (counts.get(trial.state) ?? 0) + 1);
  const total = (record.spec as unknown as ResolvedStudy).budget.trials;
  const parts = [...counts].map(([state, n]) => `${n} ${state}`);
  return `${parts.length > 0 ? parts.join(', ') : 'no trials'} of ${total}`;
}

export async function studiesCommand(_: string[], options: Options): Promise<number> {
  const path = dbPath(options.db as string | undefined);
  const store = openExisting(path, true);
  try {
    const rows = store.listStudies().map((record) => {
      const trials = store.getTrials(record.id);
      const best = bestTrial(trials, record.direction);
      const spec = record.spec as unknown as ResolvedStudy;
      return {
        name: record.name,
        total: spec.budget.trials,
        complete: trials.filter((t) => t.state === 'COMPLETE').length,
        pruned: trials.filter((t) => t.state === 'PRUNED').length,
        failed: trials.filter((t) => t.state === 'FAIL').length,
        pending: trials.filter((t) => t.state === 'RUNNING' || t.state === 'WAITING').length,
        metric: spec.objective.metric,
        best: best?.value ?? null,
        createdAt: new Date(record.createdAt).toISOString(),
      };
    });
    if (options.json) {
      process.stdout.write(`${JSON.stringify(rows)}\n`);
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
    process.stdout.write(`${table(['study', 'complete', 'pruned', 'failed', 'running/waiting', 'best', 'created'], body)}\n`);
    return 0;
  } finally {
    store.close();
  }
}

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : Array.isArray(value) ? value.join('|') : String(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(rows: readonly TrialRow[], targets: readonly string[]): string {
  const paramNames = [...new Set(rows.flatMap((r) => Object.keys(r.params)))].sort();
  const headers = [
    'number', 'state', 'value', 'sources', ...paramNames.map((p) => `param.${p}`),
    ...targets.flatMap((t) => [`metric.${t}`, `gain.${t}`]),
    'backend', 'attempts', 'started_at', 'finished_at', 'error',
  ];
  const lines = rows.map((r) => {
    const cells: unknown[] = [r.number, r.state, r.value, r.sources, ...paramNames.map((p) => r.params[p])];
    for (const t of targets) {
      const s = r.targets.find((x) => x.target === t);
      cells.push(s?.metric, s?.gain);
    }
    cells.push(r.backend, r.attempts, iso(r.startedAt), iso(r.finishedAt), r.error);
    return cells.map(csvCell).join(',');
  });
  return [headers.join(','), ...lines].join('\n') + '\n';
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
function writeAtomically(path: string, text: string): void {
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

export async function exportCommand([target]: string[], options: Options): Promise<number> {
  const format = (options.format as string | undefined) ?? 'csv';
  if (format !== 'csv' && format !== 'json') {
    throw new StudyConfigError(`--format: must be csv or json (got "${format}")`);
  }
  const { store, record } = openStudyToRead(target!, options.db as string | undefined);
  try {
    const rows = trialRows(store, record);
    const spec = record.spec as unknown as ResolvedStudy;
    const text =
      format === 'json'
        ? `${JSON.stringify({ study: record.name, spec, trials: rows }, null, 2)}\n`
        : toCsv(rows, spec.targets.map((t) => t.name));
    if (options.output) writeAtomically(options.output as string, text);
    else process.stdout.write(text);
    return 0;
  } finally {
    store.close();
  }
}

export async function schemaCommand(_: string[], options: Options): Promise<number> {
  const text = `${JSON.stringify(studyJsonSchema, null, 2)}\n`;
  if (options.output) writeAtomically(options.output as string, text);
  else process.stdout.write(text);
  return 0;
}
