// The tasks of a study as specs: where a task's rows come from and the transforms applied to them.
// Plain, JSON-safe data: stored with the study and sent to workers, which materialise the rows.
// Part of src/spec: types only, imports nothing of the project.

// Data types shared by the main thread (validation) and the workers (training).
// Plain, JSON-safe specs cross the thread boundary; datasets are materialised on each side from them.

/** Where a task's rows come from. Paths are absolute once resolved (relative to the study file). */
export type DatasetSpec =
  | CsvDatasetSpec
  | {
      readonly kind: 'synthetic';
      /** Observed feature count. */
      readonly features: number;
      /** Size of the hidden (shared) feature space all tasks of the family are built on. */
      readonly latent: number;
      readonly classes: number;
      readonly rows: number;
      /** Seed of the family: the shared projection and the reference weights. */
      readonly familySeed: number;
      /** Relatedness of this task's weights to the family's reference weights, in [-1, 1]. */
      readonly rho: number;
      /** Seed of this task's own component and rows. */
      readonly taskSeed: number;
      /** Std of the observation noise added to the features. */
      readonly noise: number;
    };
/**
 * A CSV file's rows as a dataset: every column but the label and the `drop`ped ones is a numeric
 * feature; with `where`, only the rows every condition holds for (one file, several domains).
 * `drop` and `where` are absent from specs stored before they existed (and mean none).
 */
export interface CsvDatasetSpec {
  readonly kind: 'csv';
  readonly path: string;
  readonly label: string;
  /** Columns read but not used as features (they may hold text: a site name, an id). */
  readonly drop?: readonly string[];
  readonly where?: readonly RowCondition[];
  /**
   * A missing label or feature cell (empty, `?`, `NA`, `N/A`, `NaN`, `null`, `None`, `#N/A`, any
   * case): `drop` leaves its row out, as one that fails `where`; `impute` keeps a missing feature as
   * NaN for the unit to fill with its training rows' mean (a missing label still drops the row).
   * Absent: such a cell is an error.
   */
  readonly missing?: 'drop' | 'impute';
  /** The field delimiter when it is not a comma (European spreadsheets write `;`; TSV files a tab). */
  readonly delimiter?: CsvDelimiter;
  /** `,`: numbers are written with a decimal comma (`1,5`), as with a `;` delimiter in much of Europe. */
  readonly decimal?: ',';
  /**
   * Columns of categories (text such as a job title or a region, or numeric codes), one-hot encoded:
   * one 0/1 feature per value, named `COLUMN=VALUE`, in the column's place. Absent: none.
   */
  readonly categorical?: readonly CategoricalColumn[];
}

/**
 * A one-hot encoded column: its `values` as the study file lists them (every task reading the column
 * then encodes it alike, whichever values its own rows hold), or absent: the distinct values present
 * in the whole file, sorted (as numbers when all are numbers).
 */
export interface CategoricalColumn {
  readonly column: string;
  readonly values?: readonly string[];
}

/** A categorical column as a dataset encodes it: its values in order, one feature each. */
export interface CategoryEncoding {
  readonly column: string;
  readonly values: readonly string[];
}

/** The delimiters a CSV may use besides the comma. */
export const CSV_DELIMITERS = [';', '\t', '|'] as const;
export type CsvDelimiter = (typeof CSV_DELIMITERS)[number];

/** A condition on one column of a CSV's rows (`where`); values compare as numbers when both are numbers. */
export type RowCondition =
  /** The cell is one of `values` (as numbers when both are numbers, else as text). */
  | { readonly kind: 'in'; readonly column: string; readonly values: readonly (string | number)[] }
  /**
   * min <= value < max; either bound may be absent. A bound given as text meets a cell that is not
   * a number as text (by code unit: dates written year first sort in time order), a number as a number.
   */
  | { readonly kind: 'range'; readonly column: string; readonly min?: number | string; readonly max?: number | string }
  /**
   * Between the column's quantiles over every data row of the file: sorted[floor(low n)] <= value <
   * sorted[floor(high n)], with no lower bound at low 0 and no upper bound at high 1, so adjacent
   * ranges ([0, 0.25], [0.25, 0.5], ...) split the file into parts that share no row.
   */
  | { readonly kind: 'quantile'; readonly column: string; readonly low: number; readonly high: number };

/** Transforms applied in order to a dataset. Every random one carries its own seed. */
export type TransformSpec =
  | { readonly kind: 'rotate'; readonly degrees: number }
  | { readonly kind: 'noise'; readonly std: number; readonly seed: number }
  | { readonly kind: 'permute_labels'; readonly seed: number }
  /** Replaces the label of a seeded `share` of the rows with a uniformly random class. */
  | { readonly kind: 'random_labels'; readonly share: number; readonly seed: number }
  | { readonly kind: 'classes'; readonly keep: readonly number[] }
  | { readonly kind: 'sample'; readonly rows: number; readonly seed: number }
  /** Covariate shift of a known size: every feature shifted and rescaled (src/data/domain-shift.ts). */
  | { readonly kind: 'shift'; readonly amount: number; readonly seed: number }
  /** Label shift: a seeded subsample with these class shares (one per class, normalised). */
  | { readonly kind: 'priors'; readonly priors: readonly number[]; readonly seed: number };
export interface TaskSpec {
  readonly name: string;
  readonly dataset: DatasetSpec;
  readonly transforms: readonly TransformSpec[];
}
/**
 * A pretrained model as a source (`{ name, model: path }`): a TF.js Layers MLP folder (what `tasksieve
 * model` writes, or model.json + weights.bin alone). Not a dataset: choosing it initialises the unit's
 * trunk from the model's weights instead of pre-training on rows. What load time read of it, so a
 * worker can check it reads the same files and a resume sees a model that changed (the digest).
 */
export interface PretrainedModelSpec {
  /** Absolute path of the model folder. */
  readonly path: string;
  /** sha256 of model.json, weights.bin and tasksieve-model.json (when present), in that order. */
  readonly digest: string;
  /** Input features. */
  readonly inputs: number;
  /** Units of every Dense layer from the input, the head last. */
  readonly units: readonly number[];
  /** The label value of each head output (indices when the folder has no tasksieve-model.json). */
  readonly classNames: readonly string[];
}
export interface ModelSourceSpec {
  readonly name: string;
  readonly model: PretrainedModelSpec;
}
/**
 * A source: a dataset task (it has `dataset`) or a pretrained model (it has `model`). Narrow with
 * `'model' in source`; every consumer must say what it does with each (a dataset source stays a
 * plain TaskSpec so specs stored before model sources existed decode unchanged).
 */
export type SourceSpec = TaskSpec | ModelSourceSpec;

export interface TargetSpec extends TaskSpec {
  /** Labelled rows the target gets for training (few-shot); the remaining rows are for validation. */
  readonly labelled: number;
  /**
   * Rows held out from every unit of the study before the labelled/validation split, the same for
   * every trial, seed and process: evaluated for the report, never trained, selected or stopped on.
   */
  readonly test?: TestSplit;
}

/** A target's test rows: `rows` of them, or round(share x rows) (at least 1), drawn with `seed`. */
export interface TestSplit {
  /** Exactly one of `rows` and `share` is set. */
  readonly rows?: number;
  readonly share?: number;
  readonly seed: number;
}
