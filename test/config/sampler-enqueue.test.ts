// The `sampler:` and `enqueue:` keys: resolution with defaults, and one exact one-line message per
// kind of mistake.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadStudyFile } from '../../src/config/index.js';
import { BAYES_DEFAULTS, GP_DEFAULTS, MOTPE_DEFAULTS } from '../../src/spec/study.js';
import { errorOf, Workspace } from './helpers.js';

let ws: Workspace;
beforeAll(() => {
  ws = new Workspace();
});
afterAll(() => ws.dispose());

/** A study with three sources and a conditional parameter; `extra` lands on line 19. */
const STUDY = `name: t
datasets:
  digits: { csv: digits.csv.gz }
sources:
  - { name: a, dataset: digits }
  - { name: b, dataset: digits }
  - { name: c, dataset: digits }
targets:
  - name: target
    dataset: digits
    labelled: 20
recipe: { learning_rate: 0.01, batch_size: 32 }
space:
  learning_rate: { type: float, low: 1.0e-4, high: 0.1, log: true }
  optimizer: { type: categorical, choices: [adam, sgd] }
  freeze_layers: { type: int, low: 0, high: 1, when: { optimizer: [adam] } }
  sources: { type: subset, min: 0, max: 3 }
budget: { trials: 4 }
`;
const withLine = (line: string, study = STUDY) => `${study}${line}\n`;
const load = (text: string) => loadStudyFile(ws.write('s.yaml', text), { checkData: false });

describe('sampler', () => {
  test('absent is auto; random, bayes and gp alone, with every default written out', () => {
    expect(load(STUDY).sampler).toEqual({ kind: 'bayes', ...BAYES_DEFAULTS });
    expect(load(withLine('sampler: auto')).sampler).toEqual({ kind: 'bayes', ...BAYES_DEFAULTS });
    expect(load(withLine('sampler: random')).sampler).toEqual({ kind: 'random' });
    expect(load(withLine('sampler: bayes')).sampler).toEqual({ kind: 'bayes', ...BAYES_DEFAULTS });
    expect(load(withLine('sampler: gp')).sampler).toEqual({ kind: 'gp', ...GP_DEFAULTS });
  });

  test('auto is gp without a sources subset, and bayes where the study needs it', () => {
    const noSubset = STUDY.replace('  sources: { type: subset, min: 0, max: 3 }\n', '');
    expect(load(noSubset).sampler).toEqual({ kind: 'gp', ...GP_DEFAULTS });
    expect(load(withLine('sampler: auto', noSubset)).sampler).toEqual({ kind: 'gp', ...GP_DEFAULTS });
    // A scheduler: bayes (the halving and racing benchmarks measured it).
    expect(load(withLine('scheduler: asha', noSubset)).sampler).toEqual({ kind: 'bayes', ...BAYES_DEFAULTS });
    // Several objectives: the multi-objective TPE.
    const pareto = noSubset.replace('budget:', 'objective: [{ metric: accuracy }, { metric: params, direction: minimize }]\nbudget:');
    expect(load(pareto).sampler).toEqual({ kind: 'bayes', ...MOTPE_DEFAULTS });
    // auto takes no settings: naming a kind is how to set them.
    expect(errorOf(ws, withLine('sampler: { kind: auto, startup_trials: 3 }'))).toMatch(/sampler\.startup_trials: only used with kind bayes or gp \(kind is auto\)/);
  });

  test('gp: its settings are kept, the others default', () => {
    expect(load(withLine('sampler: { kind: gp, startup_trials: 6, tpe_after: 120, constant_liar: false, source_design: false }')).sampler).toEqual({
      kind: 'gp',
      startup_trials: 6,
      tpe_after: 120,
      constant_liar: false,
      source_design: false,
    });
    expect(load(withLine('sampler: { kind: gp, tpe_after: 50 }')).sampler).toEqual({ kind: 'gp', ...GP_DEFAULTS, tpe_after: 50 });
  });

  test('given settings are kept, the others default', () => {
    expect(
      load(withLine('sampler: { kind: bayes, startup_trials: 8, candidates: 48, multivariate: false, gamma: 0.2, constant_liar: false, source_design: false }')).sampler,
    ).toEqual({
      kind: 'bayes',
      startup_trials: 8,
      candidates: 48,
      multivariate: false,
      gamma: 0.2,
      constant_liar: false,
      source_design: false,
    });
    expect(load(withLine('sampler: { kind: bayes, candidates: 64 }')).sampler).toEqual({ kind: 'bayes', ...BAYES_DEFAULTS, candidates: 64 });
  });

  test('bad input: unknown kind or key, out-of-range setting, a bayes setting for random', () => {
    expect(errorOf(ws, withLine('sampler: baye'))).toBe('s.yaml:19:10: sampler: must be one of auto, random, bayes, gp (got "baye"; did you mean "bayes"?)');
    expect(errorOf(ws, withLine('sampler: { kind: bayes, candidate: 3 }'))).toBe(
      's.yaml:19:25: sampler.candidate: unknown key (did you mean "candidates"?)',
    );
    expect(errorOf(ws, withLine('sampler: { kind: bayes, gamma: 0 }'))).toBe('s.yaml:19:32: sampler.gamma: must be a number > 0 (got 0)');
    expect(errorOf(ws, withLine('sampler: { kind: random, candidates: 3 }'))).toBe(
      's.yaml:19:38: sampler.candidates: only used with kind bayes (kind is random)',
    );
    expect(errorOf(ws, withLine('sampler: { kind: gp, gamma: 0.3 }'))).toBe('s.yaml:19:29: sampler.gamma: only used with kind bayes (kind is gp)');
    expect(errorOf(ws, withLine('sampler: { kind: bayes, tpe_after: 30 }'))).toBe('s.yaml:19:36: sampler.tpe_after: only used with kind gp (kind is bayes)');
  });
});

describe('enqueue', () => {
  test('absent leaves it out of the resolved study (older specs stay equal)', () => {
    expect(load(STUDY).enqueue).toBeUndefined();
  });

  test('entries become full trial params in space order: left-out parameters take the recipe value, sources none; all = every source', () => {
    const study = load(withLine('enqueue: [ { sources: [] }, { sources: all, optimizer: sgd }, { sources: [c, a], learning_rate: 0.001 } ]'));
    expect(study.enqueue).toEqual([
      { learning_rate: 0.01, optimizer: 'adam', freeze_layers: 0, sources: [] },
      // freeze_layers is inactive with sgd, so it is left out, as a sampled trial would.
      { learning_rate: 0.01, optimizer: 'sgd', sources: ['a', 'b', 'c'] },
      { learning_rate: 0.001, optimizer: 'adam', freeze_layers: 0, sources: ['a', 'c'] },
    ]);
  });

  test('a searched strategy key the recipe leaves out takes its default', () => {
    const study = load(withLine('enqueue: [ { sources: [] } ]', STUDY.replace('  sources: { type: subset', '  mixup_alpha: { type: float, low: 0, high: 1 }\n  sources: { type: subset')));
    expect(study.enqueue).toEqual([{ learning_rate: 0.01, optimizer: 'adam', freeze_layers: 0, mixup_alpha: 0, sources: [] }]);
  });

  test('bad input: unknown parameter, value outside the space, inactive parameter, unknown source, bad shape', () => {
    expect(errorOf(ws, withLine('enqueue: [ { learnig_rate: 0.1 } ]'))).toBe(
      's.yaml:19:14: enqueue[0].learnig_rate: not a parameter of the space (did you mean "learning_rate"? parameters: learning_rate, optimizer, freeze_layers, sources)',
    );
    expect(errorOf(ws, withLine('enqueue: [ { learning_rate: 0.5 } ]'))).toBe('s.yaml:19:29: enqueue[0].learning_rate: must be in [0.0001, 0.1] (got 0.5)');
    expect(errorOf(ws, withLine('enqueue: [ {}, { optimizer: sgd, freeze_layers: 1 } ]'))).toBe(
      's.yaml:19:49: enqueue[1].freeze_layers: is not active in this configuration (it needs optimizer in [adam])',
    );
    expect(errorOf(ws, withLine('enqueue: [ { sources: [a, zz] } ]'))).toBe('s.yaml:19:27: enqueue[0].sources[1]: "zz" is not a source to choose from (a, b, c)');
    expect(errorOf(ws, withLine('enqueue: [ { sources: some } ]'))).toBe(
      's.yaml:19:23: enqueue[0].sources: must be a list of source names or "all" (got "some")',
    );
    expect(errorOf(ws, withLine('enqueue: [ { optimizer: rmsprop } ]'))).toBe('s.yaml:19:25: enqueue[0].optimizer: "rmsprop" is not one of the choices (adam, sgd)');
    expect(errorOf(ws, withLine('enqueue: { sources: [] }'))).toBe('s.yaml:19:10: enqueue: must be a list (got a mapping)');
  });

  test('a left-out parameter whose recipe value is outside the space must be given', () => {
    const narrow = STUDY.replace('low: 1.0e-4, high: 0.1', 'low: 0.02, high: 0.1').replace('min: 0, max: 3', 'min: 1, max: 2');
    expect(errorOf(ws, withLine('enqueue: [ { sources: [a] } ]', narrow))).toBe(
      's.yaml:19:12: enqueue[0]: learning_rate is left out, and its recipe value 0.01 is not a possible value of space.learning_rate (range: 0.02 to 0.1): give learning_rate',
    );
    expect(errorOf(ws, withLine('enqueue: [ { learning_rate: 0.05 } ]', narrow))).toBe(
      's.yaml:19:12: enqueue[0]: sources is left out (no source), but space.sources needs 1 to 2 sources: give sources',
    );
    expect(errorOf(ws, withLine('enqueue: [ { learning_rate: 0.05, sources: all } ]', narrow))).toBe(
      's.yaml:19:44: enqueue[0].sources: must have 1 to 2 sources (space.sources min and max) (got 3)',
    );
  });
});
