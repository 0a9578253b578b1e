// Feature selection before training: the top-k columns by variance or by mutual information with the
// label, scored on one dataset and applied to every dataset of a unit. Pure (no tfjs); worker side.
// Must not import the store, the CLI or YAML parsing.
import type { FeatureSelection } from '../spec/recipe.js';
import type { Dataset } from '../data/types.js';

/**
 * The columns to keep (ascending), or null to keep them all (method none, or k >= the column count).
 * Scores come from `scored` only; ties keep the lower column index.
 */
export function selectFeatures(method: FeatureSelection, k: number, scored: Dataset): number[] | null {
  if (method === 'none' || k >= scored.cols) return null;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`feature_k must be a positive integer (got ${k})`);
  const scores = method === 'variance' ? varianceScores(scored) : mutualInfoScores(scored);
  return topK(scores, k);
}

/** Indices of the k largest scores, ascending; a tie keeps the lower index. */
export function topK(scores: ArrayLike<number>, k: number): number[] {
  const order = Array.from({ length: scores.length }, (_, i) => i);
  order.sort((a, b) => (scores[b] as number) - (scores[a] as number) || a - b);
  return order.slice(0, k).sort((a, b) => a - b);
}

/** Population variance of every column. */
export function varianceScores(ds: Dataset): Float64Array {
  const { rows, cols, features } = ds;
  const mean = new Float64Array(cols);
  const out = new Float64Array(cols);
  if (rows === 0) return out;
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) mean[c]! += features[r * cols + c] as number;
  for (let c = 0; c < cols; c++) mean[c]! /= rows;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c]! += ((features[r * cols + c] as number) - mean[c]!) ** 2;
  }
  for (let c = 0; c < cols; c++) out[c]! /= rows;
  return out;
}

/**
 * Mutual information (nats) of every column with the label, the column discretised into up to
 * `bins` equal-frequency bins (default: about sqrt(rows), between 2 and 10). Tied values share a bin,
 * so a constant column scores 0.
 */
export function mutualInfoScores(ds: Dataset, bins?: number): Float64Array {
  const { rows, cols, features, labels } = ds;
  const out = new Float64Array(cols);
  if (rows === 0) return out;
  const b = bins ?? Math.max(2, Math.min(10, Math.floor(Math.sqrt(rows))));
  const classes = ds.numClasses;
  const classCount = new Float64Array(classes);
  for (let r = 0; r < rows; r++) classCount[labels[r] as number]! += 1;
  const column = new Float64Array(rows);
  for (let c = 0; c < cols; c++) {
    for (let r = 0; r < rows; r++) column[r] = features[r * cols + c] as number;
    const sorted = Float64Array.from(column).sort();
    // Upper edges of the first b - 1 bins (quantiles); a value's bin = edges strictly below it.
    const edges: number[] = [];
    for (let q = 1; q < b; q++) edges.push(sorted[Math.min(rows - 1, Math.floor((q * rows) / b))] as number);
    const joint = new Float64Array(b * classes);
    const binCount = new Float64Array(b);
    for (let r = 0; r < rows; r++) {
      const v = column[r] as number;
      let bin = 0;
      while (bin < edges.length && v > (edges[bin] as number)) bin++;
      joint[bin * classes + (labels[r] as number)]! += 1;
      binCount[bin]! += 1;
    }
    let mi = 0;
    for (let i = 0; i < b; i++) {
      for (let k = 0; k < classes; k++) {
        const nik = joint[i * classes + k] as number;
        if (nik > 0) mi += (nik / rows) * Math.log((nik * rows) / ((binCount[i] as number) * (classCount[k] as number)));
      }
    }
    out[c] = mi;
  }
  return out;
}

/** The dataset restricted to `columns` (in that order), its feature names too; fresh arrays. */
export function projectColumns(ds: Dataset, columns: readonly number[]): Dataset {
  const features = new Float32Array(ds.rows * columns.length);
  for (let r = 0; r < ds.rows; r++) {
    columns.forEach((c, j) => {
      features[r * columns.length + j] = ds.features[r * ds.cols + c] as number;
    });
  }
  const names = ds.featureNames;
  return { ...ds, features, cols: columns.length, ...(names ? { featureNames: columns.map((c) => names[c] as string) } : {}) };
}
