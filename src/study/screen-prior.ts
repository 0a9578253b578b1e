// The screen prior of a study (`screen_prior:`): the sources screened once, before the first trial,
// through the pool, the table stored with the study (first write wins), and read back as the
// sampler's per-source inclusion prior, the same in every process and on resume. Main thread.
import { priorFromScores, type SourcePrior } from '../search/source-prior.js';
import { runScreens, type ScreenRunner } from '../selection/screen.js';
import type { ScreenTable } from '../spec/screens.js';
import type { ResolvedStudy, ScreenKind } from '../spec/study.js';
import type { Store } from '../store/types.js';
import { decodeScreenTable } from './decoders.js';
import { asJson } from './units.js';

export function priorFromTable(table: ScreenTable, kind: ScreenKind): SourcePrior {
  return priorFromScores(Object.fromEntries(table.sources.map((s) => [s.source, s.score[kind]])));
}
export function readScreenTable(store: Store, studyId: number): ScreenTable | null {
  const table = store.getScreen(studyId);
  return table === null ? null : decodeScreenTable(table, `the screen table of study id ${studyId}`);
}
/** The study's source prior, or undefined when it has none (no screen_prior, or not screened yet). */
export function readSourcePrior(store: Store, studyId: number, study: ResolvedStudy): SourcePrior | undefined {
  if (study.screen_prior === undefined) return undefined;
  const table = readScreenTable(store, studyId);
  return table === null ? undefined : priorFromTable(table, study.screen_prior);
}
/**
 * Screens the study's sources once when it asks for a screen prior and none is stored yet. Returns
 * the stored table (another process may have stored its own first: that one wins), or null when the
 * study has no screen_prior.
 */
export async function ensureScreenPrior(
  store: Store,
  studyId: number,
  study: ResolvedStudy,
  runner: Partial<ScreenRunner> & { readonly backend: string; readonly slots: number },
  signal?: AbortSignal,
): Promise<ScreenTable | null> {
  if (study.screen_prior === undefined) return null;
  const stored = readScreenTable(store, studyId);
  if (stored !== null) return stored;
  if (runner.runScreen === undefined) {
    throw new Error(`study "${study.name}" has screen_prior: ${study.screen_prior}, but its executor cannot run screens`);
  }
  const table = await runScreens(study, runner as ScreenRunner, signal);
  store.putScreen(studyId, asJson(table));
  return readScreenTable(store, studyId);
}
