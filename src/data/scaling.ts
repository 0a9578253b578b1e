// Feature scaling fitted on training rows: standard (zero mean, unit variance) or min-max ([0, 1]),
// the statistics kept so the same transform applies to validation, test and (later) new rows. Pure;
// runs on both threads. Must not import tfjs, the store, the CLI or YAML parsing.
import type { Scaling } from '../spec/recipe.js';
import type { ScalingStats } from '../spec/units.js';
import { scaleRowsInto } from './scaling-kernel.js';
import type { Dataset } from './types.js';

/**
 * Scaled values are clipped to this many fitted units on either side: a feature far outside the
 * fitted range (a unit fitted on a few rows, a domain with another scale) then cannot blow up the
 * activations, while every value inside the training range is left exactly as scaled.
 */
export const SCALING_CLIP = 10;

/**
 * The statistics of `kind` over every row of `datasets` (the same columns), in float64. A constant
 * column (a single row included) gets scale 1, so it maps to 0 instead of dividing by zero.
 */
export function fitScaling(kind: Exclude<Scaling, 'none'>, datasets: readonly Dataset[]): ScalingStats {
  const cols = datasets[0]?.cols ?? 0;
  const rows = datasets.reduce((n, ds) => n + ds.rows, 0);
  if (rows === 0) throw new RangeError('scaling needs at least one training row');
  if (datasets.some((ds) => ds.imputed)) return fitPresent(kind, datasets, cols);
  const offset = new Array<number>(cols).fill(0);
  const scale = new Array<number>(cols).fill(1);
  // Each pass is its own small function: V8 then optimises each whole, with its own type feedback.
  // As one function, the loop compiled on stack replacement met the next loop with no feedback and
  // was thrown away again on every call (--trace-deopt: ~60 deopts per worker in the quick start).
  if (kind === 'standard') {
    // Row by row, column by column: each column's sum runs in row order, as a flat pass would, so
    // the statistics are the same bits; without the modulo per value it is ~3x faster.
    const sum = new Float64Array(cols);
    for (const ds of datasets) addColumns(ds.features, cols, sum);
    const mean = sum.map((v) => v / rows);
    for (let c = 0; c < cols; c++) offset[c] = mean[c] as number;
    const squares = new Float64Array(cols);
    for (const ds of datasets) addSquaredDeviations(ds.features, cols, mean, squares);
    // Population std (as sklearn's StandardScaler): with one row every column is constant.
    for (let c = 0; c < cols; c++) scale[c] = nonZero(Math.sqrt((squares[c] as number) / rows));
  } else {
    const low = new Float64Array(cols).fill(Infinity);
    const high = new Float64Array(cols).fill(-Infinity);
    for (const ds of datasets) widenRanges(ds.features, cols, low, high);
    for (let c = 0; c < cols; c++) {
      offset[c] = low[c] as number;
      scale[c] = nonZero((high[c] as number) - (low[c] as number));
    }
  }
  return { kind, offset, scale };
}

/**
 * fitScaling over rows with missing values (NaN, `missing: impute`): each column's statistics over the
 * values present, in the same order (so a column without NaN gets the bits fitScaling gives it). A
 * column with no value present is centred at 0 with scale 1: every row of it is then filled with 0.
 */
function fitPresent(kind: Exclude<Scaling, 'none'>, datasets: readonly Dataset[], cols: number): ScalingStats {
  const count = new Float64Array(cols);
  const sum = new Float64Array(cols);
  const low = new Float64Array(cols).fill(Infinity);
  const high = new Float64Array(cols).fill(-Infinity);
  for (const { features: x } of datasets) {
    for (let at = 0; at < x.length; at += cols) {
      for (let c = 0; c < cols; c++) {
        const v = x[at + c] as number;
        if (v !== v) continue;
        count[c]!++;
        sum[c]! += v;
        if (v < (low[c] as number)) low[c] = v;
        if (v > (high[c] as number)) high[c] = v;
      }
    }
  }
  const offset = new Array<number>(cols).fill(0);
  const scale = new Array<number>(cols).fill(1);
  if (kind === 'standard') {
    const mean = Float64Array.from(sum, (s, c) => (count[c]! > 0 ? s / count[c]! : 0));
    const squares = new Float64Array(cols);
    for (const { features: x } of datasets) {
      for (let at = 0; at < x.length; at += cols) {
        for (let c = 0; c < cols; c++) {
          const v = x[at + c] as number;
          if (v !== v) continue;
          const d = v - (mean[c] as number);
          squares[c]! += d * d;
        }
      }
    }
    for (let c = 0; c < cols; c++) {
      offset[c] = mean[c] as number;
      scale[c] = count[c]! > 0 ? nonZero(Math.sqrt((squares[c] as number) / count[c]!)) : 1;
    }
  } else {
    for (let c = 0; c < cols; c++) {
      if (count[c] === 0) continue;
      offset[c] = low[c] as number;
      scale[c] = nonZero((high[c] as number) - (low[c] as number));
    }
  }
  return { kind, offset, scale };
}

/** sum[c] += x[row, c] over the rows of row-major `x`, in row order. */
function addColumns(x: Float32Array, cols: number, sum: Float64Array): void {
  for (let at = 0; at < x.length; at += cols) for (let c = 0; c < cols; c++) sum[c]! += x[at + c] as number;
}

/** squares[c] += (x[row, c] - mean[c])^2 over the rows, in row order. */
function addSquaredDeviations(x: Float32Array, cols: number, mean: Float64Array, squares: Float64Array): void {
  for (let at = 0; at < x.length; at += cols) {
    for (let c = 0; c < cols; c++) {
      const d = (x[at + c] as number) - (mean[c] as number);
      squares[c]! += d * d;
    }
  }
}

/** low[c], high[c] widened to every x[row, c]. */
function widenRanges(x: Float32Array, cols: number, low: Float64Array, high: Float64Array): void {
  for (let at = 0; at < x.length; at += cols) {
    for (let c = 0; c < cols; c++) {
      const v = x[at + c] as number;
      if (v < (low[c] as number)) low[c] = v;
      if (v > (high[c] as number)) high[c] = v;
    }
  }
}

/** A scale of 0 (a constant column) or a non-finite one becomes 1. */
function nonZero(scale: number): number {
  return scale > 0 && Number.isFinite(scale) ? scale : 1;
}

/**
 * `ds` with every feature x replaced by clip((x - offset) / scale); labels shared, not copied. A
 * missing value (NaN, in a dataset of `missing: impute`) becomes 0: under standard scaling, the
 * training rows' mean.
 */
export function applyScaling(ds: Dataset, stats: ScalingStats): Dataset {
  checkColumns(ds, stats);
  return { ...ds, features: scaledFeatures(ds.features, ds.cols, stats, ds.imputed === true) };
}

/**
 * `ds` as applyScaling scales it, without the copy until something reads its `features` whole. A
 * unit's statistics are its own (pooled with the target's labelled rows, which change with the seed),
 * so a scaled copy of a large shared source is the unit's private memory: 80 MB per busy worker for
 * a 1,000,000 x 20 source. Training reads the rows through rowCopier, which scales each row as the
 * batch is gathered, to the same float32 bits; any other reader of `features` gets the whole scaled
 * array, made once.
 */
export function scaledLazily(ds: Dataset, stats: ScalingStats): Dataset {
  checkColumns(ds, stats);
  const { features: raw, ...rest } = ds;
  let scaled: Float32Array | null = null;
  const view: Dataset = {
    ...rest,
    get features(): Float32Array {
      scaled ??= scaledFeatures(raw, ds.cols, stats, ds.imputed === true);
      return scaled;
    },
  };
  unscaled.set(view, { raw, stats, fill: ds.imputed === true });
  return view;
}

/** The raw rows and statistics behind each dataset of scaledLazily; `fill`: its NaN become 0. */
const unscaled = new WeakMap<Dataset, { readonly raw: Float32Array; readonly stats: ScalingStats; readonly fill: boolean }>();

/** Up to this many values (1 MB of float32) a repeated rowCopier scales a lazily scaled source whole, once. */
export const EAGER_SCALING_VALUES = 262_144;

/** Copies row `row` of `ds` (its features as `ds.features` holds them) into `out` at `at`. */
export type RowCopier = (row: number, out: Float32Array, at: number) => void;

/**
 * A RowCopier of `ds`: a plain copy, or the row scaled on the way for a dataset of scaledLazily.
 * `repeated`: the caller reads the rows again and again (every epoch), so a small lazily scaled
 * source is scaled once, whole, and copied as a plain one.
 */
export function rowCopier(ds: Dataset, repeated = false): RowCopier {
  const { cols } = ds;
  const deferred = unscaled.get(ds);
  if (deferred === undefined) {
    const features = ds.features;
    return (row, out, at) => out.set(features.subarray(row * cols, (row + 1) * cols), at);
  }
  const { raw } = deferred;
  if (repeated && raw.length <= EAGER_SCALING_VALUES) {
    // Every epoch would otherwise scale each row again, to save at most a megabyte.
    const features = ds.features;
    return (row, out, at) => out.set(features.subarray(row * cols, (row + 1) * cols), at);
  }
  const offset = Float64Array.from(deferred.stats.offset);
  const scale = Float64Array.from(deferred.stats.scale);
  if (deferred.fill) {
    return (row, out, at) => {
      const base = row * cols;
      for (let c = 0; c < cols; c++) {
        const v = scaledValue(raw[base + c] as number, offset[c] as number, scale[c] as number);
        out[at + c] = v === v ? v : 0;
      }
    };
  }
  return (row, out, at) => {
    const base = row * cols;
    for (let c = 0; c < cols; c++) out[at + c] = scaledValue(raw[base + c] as number, offset[c] as number, scale[c] as number);
  };
}

function scaledFeatures(raw: Float32Array, cols: number, stats: ScalingStats, fill: boolean): Float32Array {
  const features = new Float32Array(raw.length);
  scaleRows(raw, 0, cols === 0 ? 0 : raw.length / cols, cols, stats, features, 0);
  if (fill) fillMissing(features, 0, features.length);
  return features;
}

/** out[i] = 0 where it is NaN, for i in [from, to): a missing value scaled is the training mean. */
function fillMissing(out: Float32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) if (out[i] !== out[i]) out[i] = 0;
}

/**
 * Rows [first, first + rows) of `raw` scaled into `out` from value `at`: on the WebAssembly kernel
 * (scaling-kernel.ts, the same bits, several times faster), else value by value with scaledValue.
 */
function scaleRows(raw: Float32Array, first: number, rows: number, cols: number, stats: ScalingStats, out: Float32Array, at: number): void {
  const offset = Float64Array.from(stats.offset);
  const scale = Float64Array.from(stats.scale);
  if (scaleRowsInto(raw, first, rows, cols, offset, scale, SCALING_CLIP, out, at)) return;
  const start = first * cols;
  const end = (first + rows) * cols;
  for (let i = start; i < end; i += cols) {
    for (let c = 0; c < cols; c++) out[at + i - start + c] = scaledValue(raw[i + c] as number, offset[c] as number, scale[c] as number);
  }
}

/**
 * Every row of `ds`, in order, into `out` from value `at` (its features as `ds.features` holds them):
 * a copy, or for a dataset of scaledLazily the rows scaled on the way, without the dataset's whole
 * scaled copy (concatenating the chosen sources).
 */
export function copyAllRows(ds: Dataset, out: Float32Array, at: number): void {
  const deferred = unscaled.get(ds);
  if (deferred === undefined) out.set(ds.features.subarray(0, ds.rows * ds.cols), at);
  else {
    scaleRows(deferred.raw, 0, ds.rows, ds.cols, deferred.stats, out, at);
    if (deferred.fill) fillMissing(out, at, at + ds.rows * ds.cols);
  }
}

/** One value scaled and clipped, in float64 (stored as float32 by the caller's array). */
function scaledValue(x: number, offset: number, scale: number): number {
  const v = (x - offset) / scale;
  return v > SCALING_CLIP ? SCALING_CLIP : v < -SCALING_CLIP ? -SCALING_CLIP : v;
}

function checkColumns(ds: Dataset, stats: ScalingStats): void {
  if (stats.offset.length !== ds.cols) {
    throw new RangeError(`scaling statistics have ${stats.offset.length} features but the rows have ${ds.cols}`);
  }
}
