import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { concatDatasets, holdOutUnlabelled, materializeTask, splitTarget } from '../../src/data/tasks.js';
import type { Dataset } from '../../src/data/types.js';
import type { TaskSpec } from '../../src/spec/tasks.js';
import {
  DIGITS,
  classCounts,
  expectDataError,
  expectSameValues,
  fixtureDir,
  indexedDataset,
  rowIds,
  sameValues,
  writeFixture,
} from './helpers.js';

const dir = fixtureDir();
const digitsTask: TaskSpec = { name: 'digits', dataset: { kind: 'csv', path: DIGITS, label: 'label' }, transforms: [] };
const syntheticTask: TaskSpec = {
  name: 'synth',
  dataset: {
    kind: 'synthetic',
    features: 10,
    latent: 5,
    classes: 3,
    rows: 300,
    familySeed: 1,
    rho: 0.5,
    taskSeed: 2,
    noise: 0.1,
  },
  transforms: [],
};

describe('materializeTask', () => {
  it('loads a CSV task', () => {
    const ds = materializeTask(digitsTask);
    expect([ds.rows, ds.cols, ds.numClasses]).toEqual([1797, 64, 10]);
  });

  it('applies the transforms in order', () => {
    const ds = materializeTask({
      ...digitsTask,
      transforms: [
        { kind: 'classes', keep: [0, 1, 2] },
        { kind: 'sample', rows: 100, seed: 5 },
        { kind: 'rotate', degrees: 90 },
      ],
    });
    expect(ds.rows).toBe(100);
    expect(ds.numClasses).toBe(10);
    expect(new Set(ds.labels)).toEqual(new Set([0, 1, 2]));
  });

  it('is memoised by dataset and transforms (not by name, nor key order)', () => {
    const transforms = [{ kind: 'noise', std: 0.2, seed: 3 }] as const;
    const a = materializeTask({ ...digitsTask, transforms });
    const b = materializeTask({ name: 'other name', transforms: [{ seed: 3, std: 0.2, kind: 'noise' }], dataset: digitsTask.dataset });
    expect(b).toBe(a);
    expect(materializeTask({ ...digitsTask, transforms: [{ kind: 'noise', std: 0.2, seed: 4 }] })).not.toBe(a);
    expect(materializeTask(syntheticTask)).toBe(materializeTask({ ...syntheticTask, name: 'again' }));
  });

  it('generates a synthetic task, with transforms', () => {
    const ds = materializeTask({ ...syntheticTask, transforms: [{ kind: 'permute_labels', seed: 1 }] });
    expect([ds.rows, ds.cols, ds.numClasses]).toEqual([300, 10, 3]);
    const plain = materializeTask(syntheticTask);
    expectSameValues(ds.features, plain.features);
    expect(sameValues(ds.labels, plain.labels)).toBe(false);
  });

  it('sees a changed CSV file (no stale task)', () => {
    const path = writeFixture(dir, 'changing.csv', 'a,label\n1,0\n2,1\n');
    const task: TaskSpec = {
      name: 'changing',
      dataset: { kind: 'csv', path, label: 'label' },
      transforms: [{ kind: 'classes', keep: [1] }],
    };
    expect(materializeTask(task).rows).toBe(1);
    writeFileSync(path, 'a,label\n1,0\n2,1\n3,1\n4,1\n');
    expect(materializeTask(task).rows).toBe(3);
  });

  it('reports a CSV problem by file', () => {
    const path = join(dir, 'nope.csv');
    expectDataError(
      () => materializeTask({ name: 't', dataset: { kind: 'csv', path, label: 'label' }, transforms: [] }),
      `${path}: file not found`,
    );
  });

  it('reports a transform or generator problem by task', () => {
    expectDataError(
      () =>
        materializeTask({
          name: 'rot',
          dataset: { ...syntheticTask.dataset, features: 63 } as TaskSpec['dataset'],
          transforms: [{ kind: 'rotate', degrees: 90 }],
        }),
      'task "rot": rotate needs square images: 63 features is not a square',
    );
    expectDataError(
      () => materializeTask({ ...syntheticTask, name: 'bad', dataset: { ...syntheticTask.dataset, rho: 2 } as TaskSpec['dataset'] }),
      'task "bad": synthetic dataset: rho must be a number in [-1, 1] (got 2)',
    );
  });
});

describe('splitTarget', () => {
  const digits = materializeTask(digitsTask);
  // Row ids in feature 0; 10 classes of unequal sizes.
  const traced = indexedDataset(400, 3, 10, (i) => (i * 7) % 10 === 0 ? 9 : i % 9);

  it('labels every present class once and sizes add up', () => {
    for (const labelled of [10, 11, 30, 200]) {
      const { train, validation } = splitTarget(digits, labelled, 1);
      expect(train.rows).toBe(labelled);
      expect(validation.rows).toBe(1797 - labelled);
      expect(train.features.length).toBe(labelled * 64);
      expect(train.numClasses).toBe(10);
      expect(validation.numClasses).toBe(10);
      for (const count of classCounts(train)) expect(count).toBeGreaterThanOrEqual(1);
    }
    // With exactly one row per class, each class gets exactly one.
    expect(classCounts(splitTarget(digits, 10, 2).train)).toEqual(new Array(10).fill(1));
  });

  it('partitions the rows: each row in exactly one part, whole, in the original order', () => {
    const { train, validation } = splitTarget(traced, 50, 3);
    const ids = [...rowIds(train), ...rowIds(validation)];
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    for (const part of [train, validation]) {
      const partIds = rowIds(part);
      expect([...partIds].sort((a, b) => a - b)).toEqual(partIds);
      partIds.forEach((id, i) => {
        expect(part.labels[i]).toBe(traced.labels[id]);
        expect(part.features[i * 3 + 2]).toBe(id * 0.5 + 2);
      });
    }
  });

  it('is deterministic per seed and differs across seeds', () => {
    const a = splitTarget(traced, 40, 7);
    const b = splitTarget(traced, 40, 7);
    const c = splitTarget(traced, 40, 8);
    expect(rowIds(a.train)).toEqual(rowIds(b.train));
    expect(rowIds(a.train)).not.toEqual(rowIds(c.train));
  });

  it('draws the rest uniformly (no bias towards the first rows)', () => {
    let early = 0;
    for (let seed = 0; seed < 20; seed++) early += rowIds(splitTarget(traced, 100, seed).train).filter((id) => id < 200).length;
    expect(early / (20 * 100)).toBeGreaterThan(0.4);
    expect(early / (20 * 100)).toBeLessThan(0.6);
  });

  it('counts only the classes present (after a class subset)', () => {
    const three = materializeTask({ ...digitsTask, transforms: [{ kind: 'classes', keep: [2, 5, 7] }] });
    const { train } = splitTarget(three, 3, 1);
    expect([...train.labels].sort()).toEqual([2, 5, 7]);
    expectDataError(() => splitTarget(three, 2, 1), 'labelled (2) is fewer than the 3 classes present');
  });

  it('rejects fewer labelled rows than classes', () => {
    expectDataError(() => splitTarget(digits, 5, 1), 'labelled (5) is fewer than the 10 classes present');
  });

  it('rejects a split with no validation rows', () => {
    expectDataError(
      () => splitTarget(digits, 1797, 1),
      'labelled (1797) leaves no validation rows (dataset has 1797 rows)',
    );
    expect(splitTarget(digits, 1796, 1).validation.rows).toBe(1);
  });

  it('rejects a non-positive or fractional labelled count', () => {
    expectDataError(() => splitTarget(digits, 0, 1), 'labelled must be a positive integer (got 0)');
    expectDataError(() => splitTarget(digits, 2.5, 1), 'labelled must be a positive integer (got 2.5)');
  });
});

describe('concatDatasets', () => {
  it('stacks rows in order; numClasses is the largest', () => {
    const a = indexedDataset(3, 2, 2, (i) => i % 2);
    const b: Dataset = { ...indexedDataset(2, 2, 5, () => 4) };
    const both = concatDatasets([a, b]);
    expect(both.rows).toBe(5);
    expect(both.cols).toBe(2);
    expect(both.numClasses).toBe(5);
    expect(rowIds(both)).toEqual([0, 1, 2, 0, 1]);
    expect(Array.from(both.labels)).toEqual([0, 1, 0, 4, 4]);
    // One dataset is returned as it is: a large source shared between threads is never copied.
    expect(concatDatasets([a])).toBe(a);
  });

  it('rejects different feature counts', () => {
    expectDataError(
      () => concatDatasets([indexedDataset(2, 3, 2, () => 0), indexedDataset(2, 4, 2, () => 0)]),
      'cannot concatenate datasets with different feature counts (dataset 0 has 3, dataset 1 has 4)',
    );
  });

  it('rejects an empty list', () => {
    expectDataError(() => concatDatasets([]), 'cannot concatenate an empty list of datasets');
  });
});

describe('holdOutUnlabelled', () => {
  const rest = indexedDataset(100, 3, 4, (row) => row % 4);

  it('splits the rows seeded and disjoint, in row order, without reading the labels', () => {
    const { unlabelled, validation } = holdOutUnlabelled(rest, 0.3, 5);
    expect(unlabelled.rows).toBe(30);
    expect(validation.rows).toBe(70);
    const ids = rowIds;
    const all = [...ids(unlabelled), ...ids(validation)].sort((a, b) => a - b);
    expect(all).toEqual(ids(rest));
    expect(ids(unlabelled)).toEqual([...ids(unlabelled)].sort((a, b) => a - b));
    expect(holdOutUnlabelled(rest, 0.3, 5)).toEqual({ unlabelled, validation });
    expect(holdOutUnlabelled(rest, 0.3, 6).unlabelled).not.toEqual(unlabelled);
    // The same rows whatever the labels say.
    const relabelled = { ...rest, labels: rest.labels.map((l) => (l + 1) % 4) };
    expect(ids(holdOutUnlabelled(relabelled, 0.3, 5).unlabelled)).toEqual(ids(unlabelled));
  });

  it('keeps at least one row on each side and refuses what cannot be split', () => {
    expect(holdOutUnlabelled(indexedDataset(2, 1, 2, (row) => row), 0.99, 1).validation.rows).toBe(1);
    expect(holdOutUnlabelled(indexedDataset(2, 1, 2, (row) => row), 0.01, 1).unlabelled.rows).toBe(1);
    expectDataError(() => holdOutUnlabelled(rest, 1, 1), 'unlabelled fraction must be in (0, 1) (got 1)');
    expectDataError(() => holdOutUnlabelled(indexedDataset(1, 1, 2, () => 0), 0.5, 1), 'holding out unlabelled rows needs at least 2 validation rows (got 1)');
  });
});
