// Labels matched across a unit's tasks by value: sources whose rows lack a class the others have (a
// year without snow) pre-train on one label space, the model names every class, and the baseline is
// what a target-only unit computes, whatever classes the sources add.
import { beforeAll, describe, expect, it } from 'vitest';
import { relabelled, unitClasses } from '../../src/data/labels.js';
import type { Dataset } from '../../src/data/types.js';
import type { TaskSpec } from '../../src/spec/tasks.js';
import { initBackend, tf } from '../../src/worker/backend.js';
import { runUnit } from '../../src/worker/run-unit.js';
import { csvFixtures } from '../data/helpers.js';
import { unit } from './units.js';

beforeAll(async () => {
  await initBackend('wasm');
});

const fixture = csvFixtures('labels');

/** `rows` rows of two features: the first class above a line, the second below; every 7th row the third, if given. */
function weatherCsv(rows: number, offset: number, classes: readonly string[]): string {
  const lines = ['x1,x2,weather'];
  for (let r = 0; r < rows; r++) {
    const [x1, x2] = [(((r + offset) * 37) % 100) / 100, (((r + offset) * 53) % 100) / 100];
    lines.push(`${x1},${x2},${classes[2] !== undefined && r % 7 === 0 ? classes[2] : x1 > x2 ? classes[0] : classes[1]}`);
  }
  return lines.join('\n');
}

function task(name: string, path: string): TaskSpec {
  return { name, dataset: { kind: 'csv', path, label: 'weather' }, transforms: [] };
}

function dataset(classNames: string[], labels: number[]): Dataset {
  return { features: new Float32Array(labels.length), labels: Int32Array.from(labels), rows: labels.length, cols: 1, numClasses: classNames.length, classNames };
}

describe('the label space of a unit', () => {
  it("is the target's classes, then those only sources have; each task relabelled by value", () => {
    const target = dataset(['rain', 'sun'], [0, 1, 1]);
    const snowy = dataset(['rain', 'snow', 'sun'], [0, 1, 2]);
    const dry = dataset(['snow', 'sun'], [1, 0]);
    const classes = unitClasses(target, [snowy, dry]);
    expect(classes).toEqual(['rain', 'sun', 'snow']);
    // "sun" is 1 in every task now, "snow" 2: rows pre-trained on together mean one class by one index.
    expect(Array.from(relabelled(snowy, classes!).labels)).toEqual([0, 2, 1]);
    expect(Array.from(relabelled(dry, classes!).labels)).toEqual([1, 2]);
    // The target keeps its indices (its classes come first) and its arrays.
    const asUnit = relabelled(target, classes!);
    expect(asUnit.labels).toBe(target.labels);
    expect(asUnit).toMatchObject({ numClasses: 3, classNames: ['rain', 'sun', 'snow'] });
    // A task already in the space is returned as it is (caches keyed by the dataset still hit).
    expect(relabelled(asUnit, classes!)).toBe(asUnit);
    // Tasks without class names (synthetic data): the indices are the classes, nothing to match.
    expect(unitClasses({ ...target, classNames: undefined } as Dataset, [{ ...dry, classNames: undefined } as Dataset])).toBeNull();
  });

  it('trains on the shared space, names every class, and pairs the unit with the target-only baseline', async () => {
    const target = task('dry-year', fixture(weatherCsv(200, 0, ['rain', 'sun'])));
    const snowy = task('snowy-year', fixture(weatherCsv(300, 11, ['rain', 'sun', 'snow'])));
    const base = unit({ target: { ...target, labelled: 40 }, sources: [snowy] }, { dropout: 0 });
    const transfer = await runUnit(tf, { ...base, model: { kind: 'mlp', hidden: [16], activation: 'relu', dropout: 0 }, artifact: true }, 'wasm');
    // Three classes in the transfer model's head and its confusion (the validation rows have two).
    expect(transfer.transfer.metrics.confusion).toHaveLength(3);
    expect(transfer.artifact!.meta.classNames).toEqual(['rain', 'sun', 'snow']);
    // Its baseline is exactly the unit without sources: the target's two classes, the same numbers.
    const alone = await runUnit(tf, { ...base, model: { kind: 'mlp', hidden: [16], activation: 'relu', dropout: 0 }, sources: [] }, 'wasm');
    expect(transfer.baseline!.metrics.confusion).toHaveLength(2);
    expect(transfer.baseline!.metrics).toEqual(alone.transfer.metrics);
  });
});
