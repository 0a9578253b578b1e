// One test per kind of bad study file: each asserts the exact one-line message with its line:col.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { errorOf, MINIMAL, Workspace } from './helpers.js';

let ws: Workspace;
beforeAll(() => {
  ws = new Workspace();
});
afterAll(() => ws.dispose());

const SOURCES = `name: t
datasets:
  digits: { csv: digits.csv.gz }
sources:
  - { name: rot15, dataset: digits, transforms: [ { rotate: 15 } ] }
  - { name: rot30, dataset: digits, transforms: [ { rotate: 30 } ] }
targets:
  - name: target
    dataset: digits
    labelled: 20
budget: { trials: 4 }
`;

describe('YAML', () => {
  test('malformed YAML', () => {
    expect(errorOf(ws, 'name: t\ndatasets: [a, b\nbudget: { trials: 4 }\n')).toBe(
      's.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]',
    );
  });

  test('duplicate key', () => {
    expect(errorOf(ws, MINIMAL.replace('budget: { trials: 4 }', 'budget: { trials: 4, trials: 5 }'))).toBe(
      's.yaml:8:22: budget.trials: duplicate key',
    );
  });

  test('a YAML tag', () => {
    expect(errorOf(ws, MINIMAL.replace('name: t', 'name: !!js/function "function () {}"'))).toBe(
      's.yaml:1:7: name: YAML tags are not allowed (found !!js/function)',
    );
  });

  test('a local tag deep in the file', () => {
    expect(errorOf(ws, MINIMAL.replace('labelled: 20', 'labelled: !int 20'))).toBe(
      's.yaml:7:15: targets[0].labelled: YAML tags are not allowed (found !int)',
    );
  });

  test('an empty file', () => {
    expect(errorOf(ws, '# nothing yet\n')).toBe('s.yaml:1:1: (root): the study file is empty');
  });

  test('a document that is not a mapping', () => {
    expect(errorOf(ws, '- name: t\n')).toBe('s.yaml:1:1: (root): must be a mapping (got a list)');
  });
});

describe('schema', () => {
  test('unknown key with did-you-mean', () => {
    expect(errorOf(ws, MINIMAL.replace('labelled: 20', 'labeled: 20'))).toBe(
      's.yaml:7:5: targets[0].labeled: unknown key (did you mean "labelled"?)',
    );
  });

  test('unknown key without a close match lists the allowed keys', () => {
    expect(errorOf(ws, MINIMAL.replace('budget: { trials: 4 }', 'budget: { trials: 4, gpus: 1 }'))).toBe(
      's.yaml:8:22: budget.gpus: unknown key (expected trials, workers, epochs, seeds, unit_timeout_s, retries or worker_memory_mb)',
    );
  });

  test('unknown space parameter', () => {
    expect(errorOf(ws, `${MINIMAL}space:\n  learning_rat: { type: float, low: 0.001, high: 0.1 }\n`)).toBe(
      's.yaml:10:3: space.learning_rat: unknown parameter (did you mean "learning_rate"?)',
    );
  });

  test('missing required key', () => {
    expect(errorOf(ws, MINIMAL.replace('budget: { trials: 4 }', 'budget: { workers: 4 }'))).toBe(
      's.yaml:8:9: budget.trials: required key is missing',
    );
  });

  test('wrong type', () => {
    expect(errorOf(ws, MINIMAL.replace('labelled: 20', 'labelled: twenty'))).toBe(
      's.yaml:7:15: targets[0].labelled: must be an integer (got "twenty")',
    );
  });

  test('out-of-range value', () => {
    expect(errorOf(ws, MINIMAL.replace('trials: 4', 'trials: 0'))).toBe(
      's.yaml:8:19: budget.trials: must be an integer >= 1 (got 0)',
    );
  });

  test('a value outside an enum, with did-you-mean', () => {
    expect(errorOf(ws, `${MINIMAL}recipe: { optimizer: adm }\n`)).toBe(
      's.yaml:9:22: recipe.optimizer: must be one of adam, sgd, rmsprop (got "adm"; did you mean "adam"?)',
    );
  });

  test('a bad name', () => {
    expect(errorOf(ws, MINIMAL.replace('name: t', 'name: -t'))).toBe(
      's.yaml:1:7: name: must be a letter or digit, then letters, digits, "_", "." or "-" (at most 64 characters) (got "-t")',
    );
  });

  test('a dataset with both csv and synthetic', () => {
    const text = MINIMAL.replace(
      '{ csv: digits.csv.gz }',
      '{ csv: digits.csv.gz, synthetic: { features: 4, latent: 2, classes: 2, rows: 50 } }',
    );
    expect(errorOf(ws, text)).toBe('s.yaml:3:11: datasets.digits: must have exactly one of the keys csv, synthetic (found csv and synthetic)');
  });

  test('a transform with two keys', () => {
    expect(errorOf(ws, MINIMAL.replace('labelled: 20', 'labelled: 20\n    transforms: [ { rotate: 15, sample: 100 } ]'))).toBe(
      's.yaml:8:19: targets[0].transforms[0]: must have exactly one key, e.g. { rotate: 15 } (got rotate, sample)',
    );
  });

  test('a transform value of the wrong shape', () => {
    expect(errorOf(ws, MINIMAL.replace('labelled: 20', 'labelled: 20\n    transforms: [ { noise: loud } ]'))).toBe(
      's.yaml:8:28: targets[0].transforms[0].noise: must be a number >= 0 or a mapping { std, seed } (got "loud")',
    );
  });

  test('a space parameter type the recipe key cannot take', () => {
    expect(errorOf(ws, `${MINIMAL}space:\n  batch_size: { type: float, low: 8, high: 64 }\n`)).toBe(
      's.yaml:10:23: space.batch_size.type: must be int or categorical for batch_size (got "float")',
    );
  });

  test('a space bound outside the recipe key range', () => {
    expect(errorOf(ws, `${MINIMAL}space:\n  learning_rate: { type: float, low: 0, high: 0.1, log: true }\n`)).toBe(
      's.yaml:10:38: space.learning_rate.low: must be a number > 0 (got 0)',
    );
  });
});

describe('cross-field rules', () => {
  test('unknown source name in the subset `of`', () => {
    expect(errorOf(ws, `${SOURCES}space:\n  sources: { type: subset, of: [rot15, rot99] }\n`)).toBe(
      's.yaml:13:40: space.sources.of[1]: unknown source "rot99" (sources: rot15, rot30)',
    );
  });

  test('a subset over zero sources', () => {
    expect(errorOf(ws, `${MINIMAL}space:\n  sources: { type: subset }\n`)).toBe(
      's.yaml:10:12: space.sources: there are no sources to choose from (add sources, or remove this parameter)',
    );
  });

  test('a subset max above the number of items', () => {
    expect(errorOf(ws, `${SOURCES}space:\n  sources: { type: subset, min: 1, max: 3 }\n`)).toBe(
      's.yaml:13:41: space.sources.max: must be <= the number of sources to choose from (2) (got 3)',
    );
  });

  test('`when` naming a later parameter', () => {
    const space = `space:
  learning_rate: { type: float, low: 0.001, high: 0.1, when: { optimizer: [sgd] } }
  optimizer: { type: categorical, choices: [adam, sgd] }
`;
    expect(errorOf(ws, MINIMAL + space)).toBe(
      's.yaml:10:75: space.learning_rate.when.optimizer: "optimizer" is not above learning_rate (a condition may only name parameters defined above it)',
    );
  });

  test('`when` naming a recipe key that is not searched', () => {
    const space = `space:
  learning_rate: { type: float, low: 0.001, high: 0.1 }
  freeze_layers: { type: int, low: 0, high: 1, when: { strategy: finetune } }
`;
    expect(errorOf(ws, MINIMAL + space)).toBe(
      's.yaml:11:66: space.freeze_layers.when.strategy: "strategy" is not a parameter of the space (parameters above freeze_layers: learning_rate)',
    );
  });

  test('`when` with a value the named parameter never takes', () => {
    const space = `space:
  optimizer: { type: categorical, choices: [adam, sgd] }
  learning_rate: { type: float, low: 0.001, high: 0.1, when: { optimizer: [sgd, rmsprop] } }
`;
    expect(errorOf(ws, MINIMAL + space)).toBe(
      's.yaml:11:81: space.learning_rate.when.optimizer[1]: "rmsprop" is not a possible value of optimizer (choices: adam, sgd)',
    );
  });

  test('duplicate task names', () => {
    expect(errorOf(ws, SOURCES.replace('name: target', 'name: rot30'))).toBe(
      's.yaml:8:11: targets[0].name: duplicate task name "rot30" (already used by sources[1])',
    );
  });

  test('a task naming an unknown dataset', () => {
    expect(errorOf(ws, MINIMAL.replace('dataset: digits', 'dataset: digit'))).toBe(
      's.yaml:6:14: targets[0].dataset: unknown dataset "digit" (datasets: digits)',
    );
  });

  test('rho on a csv dataset', () => {
    expect(errorOf(ws, MINIMAL.replace('labelled: 20', 'labelled: 20\n    rho: 0.5'))).toBe(
      's.yaml:8:10: targets[0].rho: only allowed for a synthetic dataset ("digits" is csv)',
    );
  });

  test('recipe epochs above budget.epochs', () => {
    expect(errorOf(ws, `${MINIMAL}recipe: { epochs: 20 }\n`)).toBe(
      's.yaml:9:19: recipe.epochs: must be <= budget.epochs (10) (got 20)',
    );
  });

  test('a space range above budget.epochs', () => {
    expect(errorOf(ws, `${MINIMAL}space:\n  epochs: { type: int, low: 2, high: 12, step: 2 }\n`)).toBe(
      's.yaml:10:38: space.epochs.high: must be <= budget.epochs (10) (got 12)',
    );
  });

  test('freeze_layers above the model depth', () => {
    expect(errorOf(ws, `${MINIMAL}model: { hidden: [32, 16] }\nspace:\n  freeze_layers: { type: categorical, choices: [0, 1, 2, 3] }\n`)).toBe(
      's.yaml:11:58: space.freeze_layers.choices[3]: must be <= the number of hidden layers (2) (got 3)',
    );
  });
});
