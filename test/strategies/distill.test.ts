import { beforeAll, describe, expect, it } from 'vitest';
import { distill } from '../../src/strategies/index.js';
import { studentHidden } from '../../src/strategies/distill.js';
import { initBackend } from '../../src/worker/backend.js';
import { blobCentres, blobs, strategyInput } from './helpers.js';

const centres = blobCentres(4, 8, 11, 1.5);
const base = strategyInput(
  { train: blobs(centres, 4, 40, 1), validation: blobs(centres, 4, 400, 2), sources: [blobs(centres, 4, 200, 3)] },
  { strategy: 'distill', epochs: 20, pretrain_epochs: 3, student_fraction: 0.5 },
);

beforeAll(async () => {
  await initBackend('wasm');
});

describe('distill', () => {
  it('gives a student well under half the size with accuracy close to its transfer-trained teacher', async () => {
    const result = await distill.run(base);
    const extra = result.extra!;
    // Teacher 8-32-16-4; student 8-16-8-4.
    expect(extra.teacher_params).toBe(8 * 32 + 32 + 32 * 16 + 16 + 16 * 4 + 4);
    expect(extra.params).toBe(8 * 16 + 16 + 16 * 8 + 8 + 8 * 4 + 4);
    expect(extra.params! / extra.teacher_params!).toBeLessThan(0.4);
    expect(result.metrics.accuracy).toBeGreaterThan(extra.teacher_accuracy! - 0.05);
    expect(result.cost.epochs).toBe(3 + 20 + 20);
  });

  it('alpha 0 ignores the teacher; alpha and temperature change what the student learns', async () => {
    const short = { ...base.recipe, epochs: 5 };
    const hard = await distill.run({ ...base, recipe: { ...short, distill_alpha: 0 } });
    const soft = await distill.run({ ...base, recipe: short });
    const hotter = await distill.run({ ...base, recipe: { ...short, distill_temperature: 1 } });
    expect(soft.metrics).not.toEqual(hard.metrics);
    expect(hotter.metrics).not.toEqual(soft.metrics);
  });

  it('scales every hidden width, rounded, at least 1', () => {
    expect(studentHidden([128, 64, 3], 0.25)).toEqual([32, 16, 1]);
    expect(studentHidden([10], 1)).toEqual([10]);
  });
});
