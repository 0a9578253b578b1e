// The WebAssembly scaling kernel (src/data/scaling-kernel.ts) gives the bits of the JavaScript rule it
// replaces, value for value: (float64(x) - offset) / scale, clipped to +-SCALING_CLIP, rounded to
// float32. Odd and single column counts, values past the clip, constant columns, chunk boundaries of
// rows and of one very wide row; and the lazily scaled sources concatenate to what applyScaling gives.
import { describe, expect, it } from 'vitest';
import { assembleScalingKernel } from '../../scripts/build-scaling-kernel.mjs';
import { concatDatasets } from '../../src/data/rows.js';
import { SCALING_KERNEL_WASM, scaleRowsInto } from '../../src/data/scaling-kernel.js';
import { applyScaling, fitScaling, SCALING_CLIP, scaledLazily } from '../../src/data/scaling.js';
import type { Dataset } from '../../src/data/types.js';
import { Rng } from '../../src/util/rng.js';

/** The rule as scaling.ts wrote it before the kernel, stored through a Float32Array. */
function reference(raw: Float32Array, cols: number, offset: Float64Array, scale: Float64Array): Float32Array {
  const out = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const c = i % cols;
    const v = (raw[i]! - offset[c]!) / scale[c]!;
    out[i] = v > SCALING_CLIP ? SCALING_CLIP : v < -SCALING_CLIP ? -SCALING_CLIP : v;
  }
  return out;
}

function bits(a: Float32Array): Uint32Array {
  return new Uint32Array(a.buffer, a.byteOffset, a.length);
}

function case_(rng: Rng, rows: number, cols: number) {
  const raw = new Float32Array(rows * cols);
  // Mostly ordinary values, some far outside the fitted range, some exact zeros and negative zeros.
  for (let i = 0; i < raw.length; i++) {
    const u = rng.next();
    raw[i] = u < 0.05 ? 0 : u < 0.08 ? -0 : u < 0.15 ? (rng.next() - 0.5) * 1e6 : (rng.next() - 0.5) * 40;
  }
  const offset = Float64Array.from({ length: cols }, () => (rng.next() - 0.5) * 10);
  // A constant column's scale is 1 (fitScaling); others from tiny to large.
  const scale = Float64Array.from({ length: cols }, (_, c) => (c % 5 === 4 ? 1 : Math.exp((rng.next() - 0.5) * 12)));
  return { raw, offset, scale };
}

describe('scaling kernel', () => {
  it('is assembled from scaling-kernel.wat', async () => {
    expect(await assembleScalingKernel()).toBe(SCALING_KERNEL_WASM);
  });

  it.each([
    [1, 1],
    [37, 1],
    [25, 3],
    [64, 64],
    [11, 63],
    [70_000, 3],
    [2, 70_001],
  ])('%i rows x %i columns: the same bits as the JavaScript rule', (rows, cols) => {
    const { raw, offset, scale } = case_(new Rng(rows * 31 + cols), rows, cols);
    const out = new Float32Array(raw.length + 8).fill(Number.NaN);
    expect(scaleRowsInto(raw, 0, rows, cols, offset, scale, SCALING_CLIP, out, 4)).toBe(true);
    expect(bits(out.subarray(4, 4 + raw.length))).toEqual(bits(reference(raw, cols, offset, scale)));
    // Nothing written outside the requested span.
    expect([...out.subarray(0, 4), ...out.subarray(4 + raw.length)].every(Number.isNaN)).toBe(true);
    expect(out.subarray(4, 4 + raw.length).every((v) => v >= -SCALING_CLIP && v <= SCALING_CLIP)).toBe(true);
  });

  it('scales a span of rows from the middle of the array', () => {
    const { raw, offset, scale } = case_(new Rng(5), 40, 7);
    const out = new Float32Array(10 * 7);
    scaleRowsInto(raw, 13, 10, 7, offset, scale, SCALING_CLIP, out, 0);
    expect(bits(out)).toEqual(bits(reference(raw, 7, offset, scale).subarray(13 * 7, 23 * 7)));
  });

  it('lazily scaled sources concatenate to their applyScaling copies', () => {
    const make = (seed: number, rows: number): Dataset => {
      const { raw } = case_(new Rng(seed), rows, 9);
      return { features: raw, labels: new Int32Array(rows), rows, cols: 9, numClasses: 2 };
    };
    const sources = [make(1, 50), make(2, 33)];
    const stats = fitScaling('standard', sources);
    const joined = concatDatasets(sources.map((s) => scaledLazily(s, stats)));
    const expected = new Float32Array([...applyScaling(sources[0]!, stats).features, ...applyScaling(sources[1]!, stats).features]);
    expect(bits(joined.features)).toEqual(bits(expected));
    // And the eager path gives the reference rule's bits.
    const offset = Float64Array.from(stats.offset);
    const scale = Float64Array.from(stats.scale);
    expect(bits(applyScaling(sources[0]!, stats).features)).toEqual(bits(reference(sources[0]!.features, 9, offset, scale)));
  });
});
