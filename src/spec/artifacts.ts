// A trained model as data: what a unit hands back when asked for its model, what the store keeps,
// and what `tasksieve model` writes as TF.js Layers files plus tasksieve-model.json. Plain data;
// weights as bytes. Part of src/spec: types only, imports nothing of the project but spec.
import type { ClassificationMetrics } from './metrics.js';
import type { Recipe } from './recipe.js';
import type { BackendName, Preprocessing } from './preprocessing.js';
import type { CategoryEncoding, CsvDelimiter } from './tasks.js';

/** Version of the artifact format; a reader refuses another. */
export const ARTIFACT_FORMAT = 'tasksieve-model/1';

/** One weight tensor of the weights manifest, as TF.js's io.WeightsManifestEntry. */
export interface WeightSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly dtype: 'float32' | 'int32';
  /** TF.js weight quantisation (uint8 or uint16 affine per tensor): dequantised = q * scale + min. */
  readonly quantization?: { readonly dtype: 'uint8' | 'uint16'; readonly scale: number; readonly min: number };
}

/** What describes the model beyond its weights: enough to predict on raw rows. */
export interface ModelMeta {
  readonly format: typeof ARTIFACT_FORMAT;
  /** The engine (ModelSpec kind). */
  readonly kind: string;
  /** Input feature names in order, as the training CSV wrote them (after feature selection); null: unnamed. */
  readonly featureNames: readonly string[] | null;
  /** Columns of the training CSV that were not features (its dataset's `drop`): `predict` ignores them. */
  readonly droppedColumns?: readonly string[];
  /** Trained with `missing: impute`: `predict` reads a missing cell and fills it with the training mean (scaled 0). */
  readonly imputesMissing?: true;
  /** The training CSV's field delimiter when it is not a comma: `predict` reads its file with it. */
  readonly delimiter?: CsvDelimiter;
  /** `,`: the training CSV wrote numbers with a decimal comma, and `predict` reads its file so. */
  readonly decimal?: ',';
  /**
   * The training CSV's one-hot encoded columns: feature `COLUMN=VALUE` is 1 where the column holds
   * VALUE, else 0; `predict` encodes its rows so (a value not listed: every indicator 0).
   */
  readonly categorical?: readonly CategoryEncoding[];
  /** The label value of each output, in order (CSV label text; indices for unnamed tasks). */
  readonly classNames: readonly string[];
  /** What to do to raw rows before the model sees them. */
  readonly preprocessing: Preprocessing;
  readonly recipe: Recipe;
  /** The unit's validation metrics (and test metrics when the target has test rows). */
  readonly metrics: ClassificationMetrics;
  readonly test?: ClassificationMetrics;
  readonly backend: BackendName;
  /** Where it came from: study, trial, target, seed index; absent for a model trained outside a study. */
  readonly origin?: { readonly study: string; readonly trial: number; readonly target: string; readonly seedIndex: number };
  /** Share of kernel weights that are exactly zero (pruned models); absent when none are. */
  readonly sparsity?: number;
}

/** A trained model: TF.js Layers topology and weights, and the meta that makes it usable. */
export interface ModelArtifact {
  readonly meta: ModelMeta;
  /** The Keras-style model topology JSON TF.js writes as model.json's modelTopology. */
  readonly topology: unknown;
  readonly weightSpecs: readonly WeightSpec[];
  /** The weights' bytes, concatenated in weightSpecs order (weights.bin). */
  readonly weights: Uint8Array;
}
