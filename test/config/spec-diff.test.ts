import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { diffSpecs, loadStudyFile } from '../../src/config/index.js';
import { FIXTURES } from './helpers.js';

const study = loadStudyFile(join(FIXTURES, 'example.yaml'));
const copy = (): any => JSON.parse(JSON.stringify(study));

describe('diffSpecs', () => {
  test('equal specs have no differences', () => {
    expect(diffSpecs(study, copy())).toEqual([]);
  });

  test('operational keys are ignored', () => {
    const b = copy();
    b.file = '/elsewhere/study.yaml';
    b.storage = null;
    b.budget.trials = 500;
    b.budget.workers = 8;
    expect(diffSpecs(study, b)).toEqual([]);
  });

  test('artifacts is operational: set, changed or left out, it is not spec drift', () => {
    const none = { ...copy(), artifacts: 'none' };
    const all = { ...copy(), artifacts: 'all' };
    expect(diffSpecs(study, none)).toEqual([]);
    expect(diffSpecs(none, all)).toEqual([]);
    expect(diffSpecs(all, study)).toEqual([]);
  });

  test('lists dotted paths of changed values', () => {
    const b = copy();
    b.targets[0].labelled = 60;
    b.budget.epochs = 20;
    b.recipe.learning_rate = 0.02;
    expect(diffSpecs(study, b)).toEqual(['targets[0].labelled', 'recipe.learning_rate', 'budget.epochs']);
  });

  test('a list that changed length', () => {
    const b = copy();
    b.sources.pop();
    expect(diffSpecs(study, b)).toEqual(['sources.length']);
  });

  test('space parameters are compared by name', () => {
    const b = copy();
    b.space[1].distribution.high = 0.2;
    b.space[4].when = { strategy: ['finetune', 'other'] };
    expect(diffSpecs(study, b)).toEqual(['space.learning_rate.high', 'space.freeze_layers.when.strategy.length']);
  });

  test('added, removed and reordered space parameters', () => {
    const removed = copy();
    removed.space.splice(2, 1);
    expect(diffSpecs(study, removed)).toEqual(['space.batch_size']);
    const reordered = copy();
    reordered.space.reverse();
    expect(diffSpecs(study, reordered)).toEqual(['space']);
  });
});
