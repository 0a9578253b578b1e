// The shared-structure family: one partition of the inputs for every task, each task's classes named
// differently, and the first `classes` tasks a Latin square (pooled, every input carries every label).
import { describe, expect, it } from 'vitest';
import { generateSynthetic, sharedStructureTask } from '../../src/data/index.js';

const FAMILY = { kind: 'synthetic', features: 8, latent: 4, classes: 4, rows: 300, noise: 0.2, familySeed: 5, taskSeed: 10, rho: 0.3 } as const;

describe('sharedStructureTask', () => {
  it("renames the rho-1 family's classes per task, a Latin square over the first `classes` tasks", () => {
    const names = Array.from({ length: 4 }, (_, i) => {
      const base = generateSynthetic({ ...FAMILY, rho: 1, taskSeed: FAMILY.taskSeed + i });
      const task = sharedStructureTask(FAMILY, i);
      expect(task.features).toEqual(base.features);
      // One name per class of the shared partition: the renaming is a function of the base class.
      const name = new Array<number>(4).fill(-1);
      for (let r = 0; r < base.rows; r++) {
        const c = base.labels[r]!;
        if (name[c] === -1) name[c] = task.labels[r]!;
        expect(task.labels[r]).toBe(name[c]);
      }
      expect(new Set(name).size).toBe(4);
      return name;
    });
    // Over the four tasks every class of the partition carries every label exactly once.
    for (let c = 0; c < 4; c++) expect(new Set(names.map((n) => n[c])).size).toBe(4);
    // A later index (a target) has rows of its own.
    const again = sharedStructureTask(FAMILY, 4);
    expect(again.features).not.toEqual(sharedStructureTask(FAMILY, 0).features);
  });

  it('is deterministic and refuses a bad index', () => {
    expect(sharedStructureTask(FAMILY, 2)).toEqual(sharedStructureTask(FAMILY, 2));
    expect(() => sharedStructureTask(FAMILY, -1)).toThrow(/index must be an integer >= 0 \(got -1\)/);
  });
});
