// Synthetic task families whose transfer structure is known by construction (for tests and demos).
// Runs on both threads. Must not import tfjs, the store, the CLI or YAML parsing.
import { DataError } from '../errors.js';
import { Rng, mixSeed } from '../util/rng.js';
import type { Dataset } from './types.js';
import type { DatasetSpec } from '../spec/tasks.js';

export type SyntheticSpec = Extract<DatasetSpec, { kind: 'synthetic' }>;

/** Upper bounds that keep a typo from allocating gigabytes. */
const LIMITS = { features: 10_000, latent: 1_000, classes: 1_000, rows: 1_000_000, cells: 50_000_000 };

// Stream tags: each random quantity draws from its own stream, so changing one size never reshuffles
// the others (e.g. more rows keep the same weights).
const STREAM_PROJECTION = 1;
const STREAM_REFERENCE = 2;
const STREAM_OWN_WEIGHTS = 3;
const STREAM_LATENT = 4;
const STREAM_NOISE = 5;

/**
 * One task of a synthetic family.
 *
 * The family (familySeed) fixes a projection A (latent x features, Gaussian, scaled so each feature of
 * z·A has unit variance) and reference class weights W_ref (latent x classes, Gaussian). The task
 * (taskSeed) draws its own W_own from the same law and uses W = rho·W_ref + sqrt(1-rho²)·W_own, with
 * every column then scaled to unit norm so no class wins by the size of its weights alone.
 * Rows: z ~ N(0, I_latent), x = z·A + noise·N(0, 1), y = argmax(z·W).
 *
 * What rho means for transfer: every task of a family sees the same features (same A), only the
 * labelling rule differs. Two tasks with rho_1, rho_2 have weight correlation about rho_1·rho_2, so
 * a source with rho near 1 helps a rho = 1 target (its decision rule nearly coincides), rho near 0 is
 * unrelated (neutral at best), and rho < 0 is anti-related: what it learns points the wrong way, i.e.
 * negative transfer by construction.
 *
 * Deterministic for a given spec. Throws DataError when a field is out of range.
 */
export function generateSynthetic(spec: SyntheticSpec): Dataset {
  validate(spec);
  const { features: cols, latent, classes, rows, familySeed, taskSeed, rho, noise } = spec;

  const projectionRng = new Rng(mixSeed(familySeed, STREAM_PROJECTION));
  const scale = 1 / Math.sqrt(latent);
  const projection = new Float64Array(latent * cols);
  for (let i = 0; i < projection.length; i++) projection[i] = projectionRng.normal() * scale;

  const referenceRng = new Rng(mixSeed(familySeed, STREAM_REFERENCE));
  const ownRng = new Rng(mixSeed(familySeed, taskSeed, STREAM_OWN_WEIGHTS));
  const own = Math.sqrt(Math.max(0, 1 - rho * rho));
  const weights = new Float64Array(latent * classes);
  for (let i = 0; i < weights.length; i++) {
    weights[i] = rho * referenceRng.normal() + own * ownRng.normal();
  }
  normaliseColumns(weights, latent, classes);

  const latentRng = new Rng(mixSeed(familySeed, taskSeed, STREAM_LATENT));
  const noiseRng = new Rng(mixSeed(familySeed, taskSeed, STREAM_NOISE));
  const features = new Float32Array(rows * cols);
  const labels = new Int32Array(rows);
  const z = new Float64Array(latent);
  for (let row = 0; row < rows; row++) {
    for (let l = 0; l < latent; l++) z[l] = latentRng.normal();
    const out = row * cols;
    for (let f = 0; f < cols; f++) {
      let value = 0;
      for (let l = 0; l < latent; l++) value += (z[l] as number) * (projection[l * cols + f] as number);
      features[out + f] = value + (noise > 0 ? noise * noiseRng.normal() : 0);
    }
    let best = 0;
    let bestScore = -Infinity;
    for (let k = 0; k < classes; k++) {
      let score = 0;
      for (let l = 0; l < latent; l++) score += (z[l] as number) * (weights[l * classes + k] as number);
      if (score > bestScore) {
        bestScore = score;
        best = k;
      }
    }
    labels[row] = best;
  }
  return { features, labels, rows, cols, numClasses: classes };
}

function normaliseColumns(weights: Float64Array, latent: number, classes: number): void {
  for (let k = 0; k < classes; k++) {
    let norm = 0;
    for (let l = 0; l < latent; l++) norm += (weights[l * classes + k] as number) ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    for (let l = 0; l < latent; l++) weights[l * classes + k] = (weights[l * classes + k] as number) / norm;
  }
}

function validate(spec: SyntheticSpec): void {
  const integer = (name: 'features' | 'latent' | 'classes' | 'rows', min: number, max: number): void => {
    const value = spec[name];
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new DataError(`synthetic dataset: ${name} must be an integer in [${min}, ${max}] (got ${value})`);
    }
  };
  integer('features', 1, LIMITS.features);
  integer('latent', 1, LIMITS.latent);
  integer('classes', 2, LIMITS.classes);
  integer('rows', 1, LIMITS.rows);
  if (spec.rows * spec.features > LIMITS.cells) {
    throw new DataError(
      `synthetic dataset: rows x features must be at most ${LIMITS.cells} (got ${spec.rows * spec.features})`,
    );
  }
  if (!(Number.isFinite(spec.rho) && spec.rho >= -1 && spec.rho <= 1)) {
    throw new DataError(`synthetic dataset: rho must be a number in [-1, 1] (got ${spec.rho})`);
  }
  if (!(Number.isFinite(spec.noise) && spec.noise >= 0)) {
    throw new DataError(`synthetic dataset: noise must be a finite number >= 0 (got ${spec.noise})`);
  }
  for (const name of ['familySeed', 'taskSeed'] as const) {
    if (!Number.isSafeInteger(spec[name])) {
      throw new DataError(`synthetic dataset: ${name} must be an integer (got ${spec[name]})`);
    }
  }
}
