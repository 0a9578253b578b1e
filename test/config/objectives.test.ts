// Several objectives and constraints in a study file: what resolves, and one exact one-line message
// (file:line:col, field path, problem) per kind of mistake.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadStudyFile } from '../../src/config/index.js';
import { GP_DEFAULTS, MOTPE_DEFAULTS } from '../../src/spec/study.js';
import { errorOf, MINIMAL, Workspace } from './helpers.js';

let ws: Workspace;
beforeAll(() => {
  ws = new Workspace();
});
afterAll(() => ws.dispose());

/** MINIMAL with `extra` appended (line 9 onward). */
const withLines = (extra: string) => `${MINIMAL}${extra}`;

const TWO = `objective:
  - { metric: accuracy }
  - { metric: bytes }
`;

describe('several objectives', () => {
  test('resolve with per-metric default directions; the first is also the study objective', () => {
    const study = loadStudyFile(ws.write('s.yaml', withLines(`${TWO}constraints:\n  - { metric: bytes, max: 20000 }\n`)));
    expect(study.objective).toEqual({ metric: 'accuracy', direction: 'maximize', aggregate: 'mean' });
    expect(study.objectives).toEqual([
      { metric: 'accuracy', direction: 'maximize', aggregate: 'mean' },
      { metric: 'bytes', direction: 'minimize', aggregate: 'mean' },
    ]);
    expect(study.constraints).toEqual([{ metric: 'bytes', max: 20000 }]);
    // bayes with several objectives: the multi-objective TPE's own defaults.
    expect(study.sampler).toEqual({ kind: 'bayes', ...MOTPE_DEFAULTS });
    expect(MOTPE_DEFAULTS.multivariate).toBe(false);
  });

  test('a single objective resolves with neither objectives nor constraints (its stored spec is unchanged)', () => {
    const study = loadStudyFile(ws.write('s.yaml', withLines('objective: { metric: macro_f1 }\n')));
    expect(study.objective).toEqual({ metric: 'macro_f1', direction: 'maximize', aggregate: 'mean' });
    expect('objectives' in study).toBe(false);
    expect('constraints' in study).toBe(false);
    // auto: gp, as the space has no sources subset (the bayes case: test/config/sampler-enqueue.test.ts).
    expect(study.sampler).toEqual({ kind: 'gp', ...GP_DEFAULTS });
  });

  test('a list of one', () => {
    expect(errorOf(ws, withLines('objective:\n  - { metric: accuracy }\n'))).toBe('s.yaml:10:3: objective: must have at least 2 items (got 1)');
  });

  test('an unknown metric, with did-you-mean', () => {
    expect(errorOf(ws, withLines('objective:\n  - { metric: accuracy }\n  - { metric: byte }\n'))).toBe(
      's.yaml:11:15: objective[1].metric: must be one of accuracy, macro_f1, macro_recall, bytes, params, nonzeros, train_ms, fgsm_accuracy (got "byte"; did you mean "bytes"?)',
    );
  });

  test('a cost first', () => {
    expect(errorOf(ws, withLines('objective:\n  - { metric: bytes }\n  - { metric: accuracy }\n'))).toBe(
      's.yaml:10:15: objective[0].metric: the first objective must be accuracy, macro_f1, macro_recall (got bytes): leaderboards, the report and early stopping rank by it; list bytes second',
    );
  });

  test('the same objective twice', () => {
    expect(errorOf(ws, withLines('objective:\n  - { metric: accuracy }\n  - { metric: accuracy, aggregate: worst }\n'))).toBe(
      's.yaml:11:15: objective[1].metric: repeats objective 0 (accuracy)',
    );
  });

  test('fgsm_accuracy without an attack', () => {
    expect(errorOf(ws, withLines('objective:\n  - { metric: accuracy }\n  - { metric: fgsm_accuracy }\n'))).toBe(
      's.yaml:11:15: objective[1].metric: fgsm_accuracy needs recipe.fgsm_epsilon > 0 or fgsm_epsilon in space (no unit reports it otherwise)',
    );
  });

  test('on: gain of a cost', () => {
    expect(errorOf(ws, withLines('objective:\n  - { metric: accuracy }\n  - { metric: bytes, on: gain }\n'))).toBe(
      's.yaml:11:26: objective[1].on: gain needs a classification metric (bytes has no target-only baseline to gain over)',
    );
  });

  test('gp with several objectives', () => {
    expect(errorOf(ws, withLines(`${TWO}sampler: gp\n`))).toBe(
      's.yaml:12:10: sampler: gp is single-objective; with several objectives use bayes (a multi-objective TPE) or random',
    );
  });

  test('a scheduler with several objectives', () => {
    expect(errorOf(ws, withLines(`${TWO}scheduler: asha\n`))).toMatch(
      /^s\.yaml:12:12: scheduler: asha cannot be combined with several objectives/,
    );
  });
});

describe('constraints', () => {
  test('on an unknown metric', () => {
    expect(errorOf(ws, withLines(`${TWO}constraints:\n  - { metric: size, max: 3 }\n`))).toBe(
      's.yaml:13:15: constraints[0].metric: must be one of accuracy, macro_f1, macro_recall, bytes, params, nonzeros, train_ms, fgsm_accuracy (got "size")',
    );
  });

  test('without a bound', () => {
    expect(errorOf(ws, withLines(`${TWO}constraints:\n  - { metric: bytes }\n`))).toBe('s.yaml:13:5: constraints[0]: needs max or min (or both)');
  });

  test('with a single objective', () => {
    expect(errorOf(ws, withLines('constraints:\n  - { metric: bytes, max: 3 }\n'))).toBe(
      's.yaml:9:1: constraints: only used with several objectives (objective: a list of 2 to 4 mappings)',
    );
  });
});
