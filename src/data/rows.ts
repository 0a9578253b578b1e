// Row-level helpers shared by the transforms and the task splits: select rows, concatenate datasets.
// Runs on both threads. Must not import tfjs, the store, the CLI or YAML parsing.
import { DataError } from '../errors.js';
import type { Dataset } from './types.js';

/** A new dataset made of the given rows of `ds`, in the given order (fresh arrays). */
export function selectRows(ds: Dataset, rows: readonly number[]): Dataset {
  const features = new Float32Array(rows.length * ds.cols);
  const labels = new Int32Array(rows.length);
  rows.forEach((row, i) => {
    features.set(ds.features.subarray(row * ds.cols, (row + 1) * ds.cols), i * ds.cols);
    labels[i] = ds.labels[row] as number;
  });
  return { features, labels, rows: rows.length, cols: ds.cols, numClasses: ds.numClasses };
}

/**
 * Stacks datasets row-wise (e.g. the union of the chosen sources for pre-training). Every dataset must
 * have the same number of features; class indices are kept, and numClasses is the largest of the list.
 */
export function concatDatasets(list: readonly Dataset[]): Dataset {
  const first = list[0];
  if (first === undefined) throw new DataError('cannot concatenate an empty list of datasets');
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
    features.set(ds.features.subarray(0, ds.rows * ds.cols), at * first.cols);
    labels.set(ds.labels.subarray(0, ds.rows), at);
    at += ds.rows;
  }
  return { features, labels, rows, cols: first.cols, numClasses };
}
