// Black-box shift estimation (Lipton, Wang and Smola 2018): the target's class priors from a model's
// predictions, and the source-row weights that correct the pre-training loss for them. Pure given
// the predictions. Worker side. Must not import the store, the CLI or YAML parsing.
import { matrix, solveSpd } from '../metrics/linalg.js';

export interface PriorEstimate {
  /** Estimated target class priors (>= 0, summing to 1). */
  readonly priors: Float64Array;
  /** Per-class weight of a source row: target prior / source prior (0 for a class the sources lack). */
  readonly weights: Float64Array;
}

/** Ridge of the least-squares solve (relative to the diagonal): keeps a singular confusion solvable. */
const RIDGE = 1e-6;

/**
 * BBSE under label shift (P(x | y) shared, P(y) different): the model's confusion C_ij =
 * P(prediction i | class j) is the same in both domains, so the target's prediction shares mu
 * satisfy mu = C q for the target priors q. C comes from labelled rows the model has not trained on
 * (the caller's: held-out source rows and the labelled target rows), mu from the unlabelled ones; q = argmin ||C q - mu||
 * (a class without labelled rows counts as always predicted right), clipped at 0 and normalised.
 */
export function estimateTargetPriors(
  labelled: { readonly labels: Int32Array; readonly predictions: Int32Array },
  unlabelledPredictions: Int32Array,
  sourceLabels: Int32Array,
  classes: number,
): PriorEstimate {
  const counts = new Float64Array(classes);
  const confusion = new Float64Array(classes * classes);
  labelled.labels.forEach((y, r) => {
    counts[y] = (counts[y] as number) + 1;
    const p = labelled.predictions[r] as number;
    confusion[p * classes + y] = (confusion[p * classes + y] as number) + 1;
  });
  for (let j = 0; j < classes; j++) {
    const n = counts[j] as number;
    if (n === 0) confusion[j * classes + j] = 1;
    else for (let i = 0; i < classes; i++) confusion[i * classes + j] = (confusion[i * classes + j] as number) / n;
  }
  const mu = shares(unlabelledPredictions, classes);
  // Normal equations (C^T C + ridge) q = C^T mu.
  const normal = matrix(classes, classes);
  const rhs = new Float64Array(classes);
  for (let a = 0; a < classes; a++) {
    for (let b = 0; b < classes; b++) {
      let sum = 0;
      for (let i = 0; i < classes; i++) sum += (confusion[i * classes + a] as number) * (confusion[i * classes + b] as number);
      normal.data[a * classes + b] = sum;
    }
    for (let i = 0; i < classes; i++) rhs[a] = (rhs[a] as number) + (confusion[i * classes + a] as number) * (mu[i] as number);
  }
  let scale = 0;
  for (let a = 0; a < classes; a++) scale = Math.max(scale, normal.data[a * classes + a] as number);
  for (let a = 0; a < classes; a++) normal.data[a * classes + a] = (normal.data[a * classes + a] as number) + RIDGE * (scale || 1);
  const solved = solveSpd(normal, rhs);
  const clipped = Float64Array.from(solved, (v) => Math.max(0, v));
  const total = clipped.reduce((a, b) => a + b, 0);
  const priors = total > 0 ? clipped.map((v) => v / total) : new Float64Array(classes).fill(1 / classes);
  const source = shares(sourceLabels, classes);
  const weights = priors.map((q, j) => ((source[j] as number) > 0 ? q / (source[j] as number) : 0));
  return { priors, weights };
}

/** Loss weight of every source row from the class weights, scaled to mean 1 (the loss keeps its size). */
export function sourceRowWeights(labels: Int32Array, weights: Float64Array): Float32Array {
  const rows = Float32Array.from(labels, (y) => weights[y] as number);
  const mean = rows.reduce((a, b) => a + b, 0) / Math.max(1, rows.length);
  return mean > 0 ? rows.map((w) => w / mean) : rows.fill(1);
}

function shares(labels: Int32Array, classes: number): Float64Array {
  const out = new Float64Array(classes);
  for (const y of labels) out[y] = (out[y] as number) + 1;
  return out.map((c) => c / Math.max(1, labels.length));
}
