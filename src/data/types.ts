import type { CategoryEncoding, CsvDelimiter } from '../spec/tasks.js';

/** A dense, row-major classification dataset. Class indices are 0..numClasses-1. */
export interface Dataset {
  readonly features: Float32Array;
  readonly labels: Int32Array;
  readonly rows: number;
  readonly cols: number;
  /** Size of the label space (classes may be absent after a class-subset transform). */
  readonly numClasses: number;
  /**
   * The label value of each class index, as the CSV writes it (numbers canonical: `1`, not `1.0`);
   * absent: the index is the value (synthetic tasks). Labels are matched across tasks by value.
   */
  readonly classNames?: readonly string[];
  /** The name of each feature column in order, as the CSV header writes it; absent: unnamed (synthetic tasks). */
  readonly featureNames?: readonly string[];
  /** Columns of the CSV that are neither features nor the label (its dataset's `drop`); absent: none. */
  readonly droppedColumns?: readonly string[];
  /**
   * Missing feature cells are NaN here (the dataset's `missing: impute`): the unit's standard scaling
   * fits its statistics on the values present and fills every NaN with the training rows' mean.
   */
  readonly imputed?: true;
  /** The CSV's field delimiter when it is not a comma (what `predict` then reads with). */
  readonly delimiter?: CsvDelimiter;
  /** `,`: its CSV writes numbers with a decimal comma (what `predict` then reads with). */
  readonly decimal?: ',';
  /** Its one-hot encoded columns (the dataset's `categorical`), with the values each encodes; absent: none. */
  readonly categorical?: readonly CategoryEncoding[];
}

export interface TargetSplit {
  readonly train: Dataset;
  readonly validation: Dataset;
}
