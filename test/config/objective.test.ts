// Robust objectives and the screen prior in study files: resolution, defaults and one-line errors.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadStudyFile } from '../../src/config/index.js';
import { errorOf, MINIMAL, Workspace } from './helpers.js';

let ws: Workspace;
beforeAll(() => {
  ws = new Workspace();
});
afterAll(() => ws.dispose());

const load = (text: string) => loadStudyFile(ws.write('s.yaml', text));

/** MINIMAL with one source and a subset parameter, so a screen prior has something to bias. */
const WITH_SOURCES = MINIMAL.replace(
  'targets:',
  'sources:\n  - { name: rot15, dataset: digits, transforms: [ { rotate: 15 } ] }\ntargets:',
).concat('space:\n  sources: { type: subset }\n');

describe('objective', () => {
  test('defaults leave `on` out (it means metric), so older specs stay equal', () => {
    expect(load(MINIMAL).objective).toEqual({ metric: 'accuracy', direction: 'maximize', aggregate: 'mean' });
    expect(load(`${MINIMAL}objective: { on: metric }\n`).objective).toEqual({
      metric: 'accuracy',
      direction: 'maximize',
      aggregate: 'mean',
    });
  });

  test('cvar on gain with alpha, and its default alpha', () => {
    expect(load(`${MINIMAL}objective: { metric: macro_f1, on: gain, aggregate: cvar, alpha: 0.5 }\n`).objective).toEqual({
      metric: 'macro_f1',
      direction: 'maximize',
      aggregate: 'cvar',
      on: 'gain',
      alpha: 0.5,
    });
    expect(load(`${MINIMAL}objective: { aggregate: cvar }\n`).objective.alpha).toBe(0.25);
  });

  test('mean_minus_std with lambda, and its default lambda', () => {
    expect(load(`${MINIMAL}objective: { aggregate: mean_minus_std, lambda: 2 }\n`).objective).toEqual({
      metric: 'accuracy',
      direction: 'maximize',
      aggregate: 'mean_minus_std',
      lambda: 2,
    });
    expect(load(`${MINIMAL}objective: { aggregate: mean_minus_std }\n`).objective.lambda).toBe(1);
  });

  test('alpha out of range', () => {
    expect(errorOf(ws, `${MINIMAL}objective: { aggregate: cvar, alpha: 0 }\n`)).toBe(
      's.yaml:9:38: objective.alpha: must be a number > 0 (got 0)',
    );
    expect(errorOf(ws, `${MINIMAL}objective: { aggregate: cvar, alpha: 1.5 }\n`)).toBe(
      's.yaml:9:38: objective.alpha: must be a number <= 1 (got 1.5)',
    );
  });

  test('negative lambda', () => {
    expect(errorOf(ws, `${MINIMAL}objective: { aggregate: mean_minus_std, lambda: -1 }\n`)).toBe(
      's.yaml:9:49: objective.lambda: must be a number >= 0 (got -1)',
    );
  });

  test('alpha or lambda with an aggregate that ignores it', () => {
    expect(errorOf(ws, `${MINIMAL}objective: { aggregate: mean, alpha: 0.5 }\n`)).toBe(
      's.yaml:9:38: objective.alpha: only used with aggregate: cvar (aggregate is mean)',
    );
    expect(errorOf(ws, `${MINIMAL}objective: { lambda: 1 }\n`)).toBe(
      's.yaml:9:22: objective.lambda: only used with aggregate: mean_minus_std (aggregate is mean)',
    );
  });

  test('unknown aggregate and unknown `on`', () => {
    expect(errorOf(ws, `${MINIMAL}objective: { aggregate: cvarr }\n`)).toBe(
      's.yaml:9:25: objective.aggregate: must be one of mean, median, worst, cvar, mean_minus_std (got "cvarr"; did you mean "cvar"?)',
    );
    expect(errorOf(ws, `${MINIMAL}objective: { on: gains }\n`)).toBe(
      's.yaml:9:18: objective.on: must be one of metric, gain (got "gains"; did you mean "gain"?)',
    );
  });
});

describe('screen_prior', () => {
  test('resolves when set and is absent otherwise', () => {
    expect(load(`${WITH_SOURCES}screen_prior: logme\n`).screen_prior).toBe('logme');
    expect('screen_prior' in load(WITH_SOURCES)).toBe(false);
  });

  test('an unknown screen', () => {
    expect(errorOf(ws, `${WITH_SOURCES}screen_prior: leap\n`)).toBe(
      's.yaml:13:15: screen_prior: must be one of leep, logme, hscore, nce (got "leap"; did you mean "leep"?)',
    );
  });

  test('needs a subset parameter to bias', () => {
    expect(errorOf(ws, `${MINIMAL}screen_prior: leep\n`)).toBe(
      's.yaml:9:15: screen_prior: needs a `sources` subset parameter in `space` (there is no source choice to bias)',
    );
  });
});

describe('warm_start', () => {
  test('resolves its entries (a SQLite path relative to the study file), and is absent otherwise', () => {
    const study = load(`${WITH_SOURCES}sampler: bayes\nwarm_start:\n  - { study: earlier }\n  - { study: other, db: runs/old.db }\n`);
    expect(study.warm_start).toEqual([{ study: 'earlier' }, { study: 'other', db: join(ws.dir, 'runs', 'old.db') }]);
    expect('warm_start' in load(WITH_SOURCES)).toBe(false);
  });

  test('only with the bayes sampler', () => {
    expect(errorOf(ws, `${WITH_SOURCES}sampler: random\nwarm_start: [ { study: earlier } ]\n`)).toMatch(
      /^s\.yaml:\d+:\d+: warm_start: only the bayes sampler uses earlier studies' trials \(sampler is random\)$/,
    );
  });

  test('not from the study itself in its own database', () => {
    expect(errorOf(ws, `${WITH_SOURCES}sampler: bayes\nwarm_start: [ { study: t } ]\n`)).toMatch(
      /^s\.yaml:\d+:\d+: warm_start\[0\]\.study: names this study itself: a study cannot warm-start from its own trials$/,
    );
  });

  test('an entry without a study name', () => {
    expect(errorOf(ws, `${WITH_SOURCES}warm_start: [ { db: x.db } ]\n`)).toMatch(/^s\.yaml:\d+:\d+: warm_start\[0\]\.study: /);
  });
});
