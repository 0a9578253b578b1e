// Pure dataset transforms (rotate, noise, label permutation, random labels, class subset, row sample,
// covariate and label shift), seeded by their spec.
// Runs on both threads. Must not import tfjs, the store, the CLI or YAML parsing.
import { DataError } from '../errors.js';
import { Rng } from '../util/rng.js';
import { covariateShift, resamplePriors } from './domain-shift.js';
import { selectRows } from './rows.js';
import type { Dataset } from './types.js';
import type { TransformSpec } from '../spec/tasks.js';

/**
 * Applies one transform and returns a new dataset with fresh arrays; the input is never modified.
 * Random transforms draw only from their own seed, so the same input and spec give the same output.
 * Throws DataError (one line, starting with the transform's kind) when the spec does not fit the data.
 */
export function applyTransform(ds: Dataset, t: TransformSpec): Dataset {
  switch (t.kind) {
    case 'rotate':
      return rotate(ds, t.degrees);
    case 'noise':
      return addNoise(ds, t.std, t.seed);
    case 'permute_labels':
      return permuteLabels(ds, t.seed);
    case 'random_labels':
      return randomLabels(ds, t.share, t.seed);
    case 'classes':
      return keepClasses(ds, t.keep);
    case 'sample':
      return sampleRows(ds, t.rows, t.seed);
    case 'shift':
      return covariateShift(ds, t.amount, t.seed);
    case 'priors':
      return resamplePriors(ds, t.priors, t.seed);
  }
}

/** Applies the transforms in order. */
export function applyTransforms(ds: Dataset, list: readonly TransformSpec[]): Dataset {
  return list.reduce<Dataset>(applyTransform, ds);
}

/**
 * Rotates every row, read as a square image (row-major, rows top to bottom), about its centre by
 * `degrees` counter-clockwise as displayed; bilinear interpolation, zero outside the image.
 * Multiples of 90° use exact sines so they are lossless permutations of the pixels.
 */
function rotate(ds: Dataset, degrees: number): Dataset {
  if (!Number.isFinite(degrees)) throw new DataError(`rotate: degrees must be a finite number (got ${degrees})`);
  const side = Math.round(Math.sqrt(ds.cols));
  if (side * side !== ds.cols) {
    throw new DataError(`rotate needs square images: ${ds.cols} features is not a square`);
  }
  const turned = (((degrees % 360) + 360) % 360);
  const [cos, sin] = exactCosSin(turned);
  const centre = (side - 1) / 2;
  // For each output pixel, where it comes from in the input (inverse rotation) — shared by all rows.
  const taps = side * side;
  const index = new Int32Array(taps * 4);
  const weight = new Float64Array(taps * 4);
  for (let r = 0; r < side; r++) {
    for (let c = 0; c < side; c++) {
      const dx = c - centre;
      const dy = r - centre;
      const sx = centre + dx * cos - dy * sin;
      const sy = centre + dx * sin + dy * cos;
      const x0 = Math.floor(sx);
      const y0 = Math.floor(sy);
      const fx = sx - x0;
      const fy = sy - y0;
      const corners: [number, number, number][] = [
        [y0, x0, (1 - fx) * (1 - fy)],
        [y0, x0 + 1, fx * (1 - fy)],
        [y0 + 1, x0, (1 - fx) * fy],
        [y0 + 1, x0 + 1, fx * fy],
      ];
      const base = (r * side + c) * 4;
      corners.forEach(([y, x, w], k) => {
        const inside = x >= 0 && x < side && y >= 0 && y < side && w !== 0;
        index[base + k] = inside ? y * side + x : 0;
        weight[base + k] = inside ? w : 0;
      });
    }
  }
  return { ...ds, features: resampled(ds.features, ds.rows, ds.cols, index, weight), labels: ds.labels.slice() };
}

/**
 * Every row's pixels as the weighted sum of its 4 taps (bilinear). Its own function, reading a local
 * array: inline in rotate, the loop was compiled on stack replacement and discarded at rotate's next
 * line, which had no type feedback yet, on every call (--trace-deopt).
 */
function resampled(source: Float32Array, rows: number, cols: number, index: Int32Array, weight: Float64Array): Float32Array {
  const features = new Float32Array(source.length);
  for (let row = 0; row < rows; row++) {
    const offset = row * cols;
    for (let p = 0; p < cols; p++) {
      let value = 0;
      for (let k = p * 4; k < p * 4 + 4; k++) {
        const w = weight[k] as number;
        if (w !== 0) value += w * (source[offset + (index[k] as number)] as number);
      }
      features[offset + p] = value;
    }
  }
  return features;
}

function exactCosSin(degrees: number): [number, number] {
  if (degrees === 0) return [1, 0];
  if (degrees === 90) return [0, 1];
  if (degrees === 180) return [-1, 0];
  if (degrees === 270) return [0, -1];
  const radians = (degrees * Math.PI) / 180;
  return [Math.cos(radians), Math.sin(radians)];
}

/** Adds independent Gaussian noise of standard deviation `std` to every feature. */
function addNoise(ds: Dataset, std: number, seed: number): Dataset {
  if (!(Number.isFinite(std) && std >= 0)) {
    throw new DataError(`noise: std must be a finite number >= 0 (got ${std})`);
  }
  checkSeed('noise', seed);
  const rng = new Rng(seed);
  const features = new Float32Array(ds.features.length);
  for (let i = 0; i < features.length; i++) {
    features[i] = (ds.features[i] as number) + std * rng.normal();
  }
  return { ...ds, features, labels: ds.labels.slice() };
}

/**
 * Relabels class c as perm[c] for a seeded permutation of 0..numClasses-1 that is never the identity
 * when there are two classes or more (an identity draw is re-drawn from the same stream).
 */
function permuteLabels(ds: Dataset, seed: number): Dataset {
  checkSeed('permute_labels', seed);
  const perm = labelPermutation(ds.numClasses, seed);
  const labels = new Int32Array(ds.rows);
  for (let i = 0; i < ds.rows; i++) labels[i] = perm[ds.labels[i] as number] as number;
  return { ...ds, features: ds.features.slice(), labels };
}

/**
 * Gives a seeded `share` of the rows (chosen without replacement) a class drawn uniformly from
 * 0..numClasses-1 (which may be its own), so with share 1 the labels carry no information at all.
 */
function randomLabels(ds: Dataset, share: number, seed: number): Dataset {
  if (!(Number.isFinite(share) && share > 0 && share <= 1)) {
    throw new DataError(`random_labels: share must be in (0, 1] (got ${share})`);
  }
  checkSeed('random_labels', seed);
  const rng = new Rng(seed);
  const labels = ds.labels.slice();
  const order = rng.permutation(ds.rows);
  const count = Math.round(share * ds.rows);
  for (let i = 0; i < count; i++) labels[order[i] as number] = Math.floor(rng.next() * ds.numClasses);
  return { ...ds, features: ds.features.slice(), labels };
}

/** The permutation `permute_labels` uses for `numClasses` and `seed` (exported for tests and reports). */
export function labelPermutation(numClasses: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  for (;;) {
    const perm = rng.permutation(numClasses);
    if (numClasses < 2 || perm.some((to, from) => to !== from)) return perm;
  }
}

/** Keeps the rows whose class is in `keep`; class indices and numClasses are unchanged. */
function keepClasses(ds: Dataset, keep: readonly number[]): Dataset {
  if (keep.length === 0) throw new DataError('classes: keep is empty');
  const kept = new Uint8Array(ds.numClasses);
  for (const c of keep) {
    if (!Number.isInteger(c) || c < 0 || c >= ds.numClasses) {
      throw new DataError(
        `classes: class ${c} is out of range (the dataset has ${ds.numClasses} classes: 0..${ds.numClasses - 1})`,
      );
    }
    kept[c] = 1;
  }
  const rows: number[] = [];
  for (let i = 0; i < ds.rows; i++) if (kept[ds.labels[i] as number] === 1) rows.push(i);
  if (rows.length === 0) {
    throw new DataError(`classes: no rows left (the dataset has no rows of classes ${[...new Set(keep)].join(', ')})`);
  }
  return selectRows(ds, rows);
}

/** Draws `rows` distinct rows uniformly at random; they keep their original order. */
function sampleRows(ds: Dataset, rows: number, seed: number): Dataset {
  if (!Number.isInteger(rows) || rows < 1) {
    throw new DataError(`sample: rows must be a positive integer (got ${rows})`);
  }
  checkSeed('sample', seed);
  if (rows > ds.rows) {
    throw new DataError(`sample: cannot draw ${rows} rows, the dataset has only ${ds.rows}`);
  }
  const rng = new Rng(seed);
  // Partial Fisher-Yates: the first `rows` slots end up a uniform sample without replacement.
  const order = new Int32Array(ds.rows);
  for (let i = 0; i < ds.rows; i++) order[i] = i;
  for (let i = 0; i < rows; i++) {
    const j = i + Math.floor(rng.next() * (ds.rows - i));
    const tmp = order[i] as number;
    order[i] = order[j] as number;
    order[j] = tmp;
  }
  return selectRows(ds, Array.from(order.subarray(0, rows)).sort((a, b) => a - b));
}

function checkSeed(kind: string, seed: number): void {
  if (!Number.isSafeInteger(seed)) throw new DataError(`${kind}: seed must be an integer (got ${seed})`);
}
