// What a transferability-screen request carries to a worker and what comes back: plain, JSON-safe
// data. Imported by both sides; types only.
import type { ModelSpec, Recipe } from '../config/types.js';
import type { TargetSpec, TaskSpec } from '../data/types.js';
import type { BackendName } from './protocol.js';

/** Train one model on a source, then score it on every target's labelled rows. */
export interface ScreenTask {
  readonly source: TaskSpec;
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
  /** Milliseconds each score took from the model's outputs (forward pass excluded). */
  readonly ms: { readonly leep: number; readonly logme: number; readonly hscore: number };
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
