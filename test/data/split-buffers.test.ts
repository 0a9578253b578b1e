// Target splits written into a thread's reusable row buffers: the same rows as fresh arrays, in one
// buffer reused split after split (grown when a target needs more).
import { describe, expect, it } from 'vitest';
import { generateSynthetic, selectRows, SplitBuffers, splitTarget } from '../../src/data/index.js';

const spec = { kind: 'synthetic', features: 8, latent: 3, classes: 3, noise: 0.1, familySeed: 1, rho: 1, taskSeed: 1 } as const;
const small = generateSynthetic({ ...spec, rows: 120 });
const large = generateSynthetic({ ...spec, rows: 300 });

describe('SplitBuffers', () => {
  it('gives the same split as fresh arrays, in views of one buffer reused by the next split', () => {
    const buffers = new SplitBuffers();
    const first = splitTarget(small, 30, 7, buffers);
    expect(first).toEqual(splitTarget(small, 30, 7));
    expect(first.train.features.buffer).toBe(first.validation.features.buffer);
    const copy = structuredClone(first);
    const second = splitTarget(small, 30, 8, buffers);
    expect(second).toEqual(splitTarget(small, 30, 8));
    expect(second.train.features.buffer).toBe(first.train.features.buffer); // reused, not reallocated
    expect(first.train.features).not.toEqual(copy.train.features); // ...so the first split is gone
  });

  it('grows for a larger target and keeps its size for smaller ones', () => {
    const buffers = new SplitBuffers();
    const before = splitTarget(small, 30, 1, buffers).train.features.buffer;
    const grown = splitTarget(large, 50, 1, buffers);
    expect(grown).toEqual(splitTarget(large, 50, 1));
    expect(grown.train.features.buffer).not.toBe(before);
    expect(splitTarget(small, 30, 1, buffers).train.features.buffer).toBe(grown.train.features.buffer);
  });

  it('selectRows refuses arrays of the wrong size', () => {
    const into = { features: new Float32Array(8 * 3), labels: new Int32Array(3) };
    expect(selectRows(small, [0, 1, 2], into).features).toBe(into.features);
    expect(() => selectRows(small, [0, 1], into)).toThrow(RangeError);
  });
});
