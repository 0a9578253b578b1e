// Row-level helpers shared by the transforms and the task splits: select rows, concatenate datasets.
// Runs on both threads. Must not import tfjs, the store, the CLI or YAML parsing.
import { DataError } from '../errors.js';
import { copyAllRows, rowCopier } from './scaling.js';
import type { Dataset } from './types.js';

/** Arrays to write selected rows into instead of fresh ones (exactly rows x cols and rows long). */
export interface RowArrays {
  readonly features: Float32Array;
  readonly labels: Int32Array;
}

/**
 * A new dataset made of the given rows of `ds`, in the given order (fresh arrays, or `into`); the
 * class and feature names carry over (same label space, same columns).
 */
export function selectRows(ds: Dataset, rows: readonly number[], into?: RowArrays): Dataset {
  if (into && (into.features.length !== rows.length * ds.cols || into.labels.length !== rows.length)) {
    throw new RangeError(`selectRows: arrays for ${into.labels.length} rows of ${into.features.length / Math.max(1, into.labels.length)} values, not ${rows.length} of ${ds.cols}`);
  }
  const features = into?.features ?? new Float32Array(rows.length * ds.cols);
  const labels = into?.labels ?? new Int32Array(rows.length);
  // Through the row copier: a lazily scaled source (scaledLazily) is not copied whole to pick rows from.
  const copyRow = rowCopier(ds);
  rows.forEach((row, i) => {
    copyRow(row, features, i * ds.cols);
    labels[i] = ds.labels[row] as number;
  });
  return {
    features,
    labels,
    rows: rows.length,
    cols: ds.cols,
    numClasses: ds.numClasses,
    ...(ds.classNames ? { classNames: ds.classNames } : {}),
    ...(ds.featureNames ? { featureNames: ds.featureNames } : {}),
    ...(ds.droppedColumns ? { droppedColumns: ds.droppedColumns } : {}),
    ...(ds.imputed ? { imputed: true as const } : {}),
    ...(ds.delimiter ? { delimiter: ds.delimiter } : {}),
    ...(ds.decimal ? { decimal: ds.decimal } : {}),
    ...(ds.categorical ? { categorical: ds.categorical } : {}),
  };
}

/**
 * Stacks datasets row-wise (e.g. the union of the chosen sources for pre-training). Every dataset must
 * have the same number of features; class indices are kept, and numClasses is the largest of the list.
 */
export function concatDatasets(list: readonly Dataset[]): Dataset {
  const first = list[0];
  if (first === undefined) throw new DataError('cannot concatenate an empty list of datasets');
  // One dataset is its own concatenation: no copy (a large source may be shared between threads).
  if (list.length === 1) return first;
  let rows = 0;
  let numClasses = 0;
  list.forEach((ds, i) => {
    if (ds.cols !== first.cols) {
      throw new DataError(
        `cannot concatenate datasets with different feature counts (dataset 0 has ${first.cols}, dataset ${i} has ${ds.cols})`,
      );
    }
    rows += ds.rows;
    numClasses = Math.max(numClasses, ds.numClasses);
  });
  const features = new Float32Array(rows * first.cols);
  const labels = new Int32Array(rows);
  let at = 0;
  for (const ds of list) {
    copyAllRows(ds, features, at * first.cols);
    labels.set(ds.labels.subarray(0, ds.rows), at);
    at += ds.rows;
  }
  return { features, labels, rows, cols: first.cols, numClasses, ...(list.some((ds) => ds.imputed) ? { imputed: true as const } : {}) };
}

/**
 * Row buffers a thread reuses for one target split at a time. A fresh split of a 5,000 x 784 target
 * is 17 MB of new memory per unit: the kernel maps and zeroes it on first write and unmaps it after,
 * and in a process with two busy worker threads every unmap also interrupts the other core to flush
 * its TLB. Reusing one set of buffers (grown to the largest target seen, never shrunk) avoids both.
 * The views it hands out are overwritten by the next split: only for data that dies with its unit.
 */
export class SplitBuffers {
  private features = new Float32Array(0);
  private labels = new Int32Array(0);

  /** Views for `first` then `second` rows of `cols` features, back to back in the shared buffers. */
  reserve(first: number, second: number, cols: number): [RowArrays, RowArrays] {
    const rows = first + second;
    if (this.labels.length < rows || this.features.length < rows * cols) {
      this.features = new Float32Array(Math.max(this.features.length, rows * cols));
      this.labels = new Int32Array(Math.max(this.labels.length, rows));
    }
    return [
      { features: this.features.subarray(0, first * cols), labels: this.labels.subarray(0, first) },
      { features: this.features.subarray(first * cols, rows * cols), labels: this.labels.subarray(first, rows) },
    ];
  }
}
