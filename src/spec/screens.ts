// Transferability screens: what a screen request carries to a worker, what comes back, and the table
// of a study's screens as stored with it. Plain, JSON-safe data. Part of src/spec: types only.
import type { ModelSpec, ScreenKind } from './study.js';
import type { Recipe } from './recipe.js';
import type { SourceSpec, TargetSpec } from './tasks.js';
import type { BackendName } from './units.js';

/** Train one model on a source, then score it on every target's labelled rows. */
export interface ScreenTask {
  readonly source: SourceSpec;
  readonly targets: readonly TargetSpec[];
  readonly model: ModelSpec;
  /** The study's default recipe: optimizer, learning rate, batch size, dropout, pretrain_epochs. */
  readonly recipe: Recipe;
  /** Epochs of training on the source (the recipe's pretrain_epochs, or budget.epochs when it is 0). */
  readonly epochs: number;
  /** Seeds the targets' split (the study's seed-0 unit seed: the same labelled rows) and the model. */
  readonly seed: number;
}

export interface ScreenScores {
  readonly target: string;
  /** Labelled target rows the scores were computed on. */
  readonly rows: number;
  readonly leep: number;
  readonly logme: number;
  readonly hscore: number;
  readonly nce: number;
  /** Milliseconds each score took from the model's outputs (forward pass excluded). */
  readonly ms: Readonly<Record<ScreenKind, number>>;
  /** Milliseconds of the forward pass on the target rows (probabilities and penultimate features). */
  readonly forwardMs: number;
}

export interface ScreenResult {
  readonly source: string;
  readonly scores: readonly ScreenScores[];
  /** Milliseconds spent training the source model (shared by all scores and targets). */
  readonly trainMs: number;
  readonly backend: BackendName;
  readonly workerMs: number;
}

export interface SourceScreen {
  readonly source: string;
  /** Per kind, the mean over targets of the score. */
  readonly score: Readonly<Record<ScreenKind, number>>;
  /** Per target and kind. */
  readonly targets: readonly { readonly target: string; readonly score: Readonly<Record<ScreenKind, number>> }[];
  readonly trainMs: number;
  /** Per kind: scoring time summed over targets (the forward pass on the target rows included). */
  readonly scoreMs: Readonly<Record<ScreenKind, number>>;
}
export interface ScreenTable {
  readonly sources: readonly SourceScreen[];
  /** Per kind, source names best first. */
  readonly ranking: Readonly<Record<ScreenKind, readonly string[]>>;
  /** Per kind, seconds it costs to screen every source: the source models' training plus that score. */
  readonly seconds: Readonly<Record<ScreenKind, number>>;
  readonly backend: string;
  readonly wallMs: number;
}
