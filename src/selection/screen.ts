// Transferability screens of a study's sources, before any fine-tuning: one worker task per source
// trains a model on it and scores it on every target's labelled rows (LEEP, LogME, H-score, NCE); sources
// are ranked by each score's mean over targets. Main thread; runs tasks through a pool.
import { SCREEN_KINDS, type ResolvedStudy, type ScreenKind } from '../spec/study.js';
import { mean } from '../metrics/aggregate.js';
import { unitSeed } from '../util/seeds.js';
import type { ScreenResult, ScreenTable, ScreenTask, SourceScreen } from '../spec/screens.js';

/** What runs screens: the warm pool (PoolExecutor). */
export interface ScreenRunner {
  readonly backend: string;
  readonly slots: number;
  runScreen(task: ScreenTask, signal?: AbortSignal): Promise<ScreenResult>;
}

/** One task per source, on the study's default recipe and its seed-0 split of every target. */
export function planScreens(study: ResolvedStudy): ScreenTask[] {
  const epochs = study.recipe.pretrain_epochs > 0 ? study.recipe.pretrain_epochs : study.budget.epochs;
  return study.sources.map((source) => ({
    source,
    targets: study.targets,
    model: study.model,
    recipe: study.recipe,
    epochs,
    seed: unitSeed(study.seed, 0),
  }));
}

/** Runs every screen of the study on `runner` (all threads busy) and tabulates them. */
export async function runScreens(study: ResolvedStudy, runner: ScreenRunner, signal?: AbortSignal): Promise<ScreenTable> {
  const started = performance.now();
  const results = await Promise.all(planScreens(study).map((task) => runner.runScreen(task, signal)));
  return screenTable(results, runner.backend, performance.now() - started);
}

export function screenTable(results: readonly ScreenResult[], backend: string, wallMs: number): ScreenTable {
  const perKind = <T>(f: (kind: ScreenKind) => T) => Object.fromEntries(SCREEN_KINDS.map((k) => [k, f(k)])) as Record<ScreenKind, T>;
  const sources = results.map((r): SourceScreen => ({
    source: r.source,
    score: perKind((k) => mean(r.scores.map((s) => s[k]))),
    targets: r.scores.map((s) => ({ target: s.target, score: perKind((k) => s[k]) })),
    trainMs: r.trainMs,
    scoreMs: perKind((k) => r.scores.reduce((a, s) => a + s.ms[k] + s.forwardMs, 0)),
  }));
  return {
    sources,
    ranking: perKind((k) => [...sources].sort((a, b) => b.score[k] - a.score[k]).map((s) => s.source)),
    seconds: perKind((k) => sources.reduce((a, s) => a + s.trainMs + s.scoreMs[k], 0) / 1000),
    backend,
    wallMs,
  };
}
