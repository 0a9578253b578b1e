// The `scheduler:` key: defaults, shorthands, and one exact one-line message per kind of mistake.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { loadStudyFile } from '../../src/config/index.js';
import { errorOf, MINIMAL, Workspace } from './helpers.js';

let ws: Workspace;
beforeAll(() => {
  ws = new Workspace();
});
afterAll(() => ws.dispose());

/** MINIMAL with a scheduler line (line 9) and budget.epochs 9 on line 8. */
const withScheduler = (line: string, budget = 'budget: { trials: 4, epochs: 9 }') =>
  MINIMAL.replace('budget: { trials: 4 }', `${budget}\n${line}`);

const load = (text: string) => loadStudyFile(ws.write('s.yaml', text), { checkData: false });

describe('scheduler: resolution', () => {
  test('absent and none leave it out of the resolved study (older specs stay equal)', () => {
    expect(load(MINIMAL).scheduler).toBeUndefined();
    expect(load(withScheduler('scheduler: none')).scheduler).toBeUndefined();
    expect(load(withScheduler('scheduler: { kind: none }')).scheduler).toBeUndefined();
  });

  test('a kind alone takes the defaults: min_epochs 1, eta 3, min_reports = eta', () => {
    expect(load(withScheduler('scheduler: asha')).scheduler).toEqual({ kind: 'asha', min_epochs: 1, eta: 3, min_reports: 3 });
    expect(load(withScheduler('scheduler: { kind: hyperband, eta: 2 }')).scheduler).toEqual({
      kind: 'hyperband',
      min_epochs: 1,
      eta: 2,
      min_reports: 2,
    });
  });

  test('given settings are kept', () => {
    expect(load(withScheduler('scheduler: { kind: asha, min_epochs: 2, eta: 4, min_reports: 6 }')).scheduler).toEqual({
      kind: 'asha',
      min_epochs: 2,
      eta: 4,
      min_reports: 6,
    });
  });
});

describe('scheduler: bad input', () => {
  test('unknown kind, with did-you-mean', () => {
    expect(errorOf(ws, withScheduler('scheduler: ashaa'))).toBe(
      's.yaml:9:12: scheduler: must be one of none, asha, hyperband, race (got "ashaa"; did you mean "asha"?)',
    );
    expect(errorOf(ws, withScheduler('scheduler: { kind: halving }'))).toBe(
      's.yaml:9:20: scheduler.kind: must be one of none, asha, hyperband, race (got "halving")',
    );
  });

  test('eta below 2', () => {
    expect(errorOf(ws, withScheduler('scheduler: { kind: asha, eta: 1 }'))).toBe(
      's.yaml:9:31: scheduler.eta: must be an integer >= 2 (got 1)',
    );
  });

  test('min_reports below 1 and a fractional min_epochs', () => {
    expect(errorOf(ws, withScheduler('scheduler: { kind: asha, min_reports: 0 }'))).toBe(
      's.yaml:9:39: scheduler.min_reports: must be an integer >= 1 (got 0)',
    );
    expect(errorOf(ws, withScheduler('scheduler: { kind: asha, min_epochs: 1.5 }'))).toBe(
      's.yaml:9:38: scheduler.min_epochs: must be an integer (got 1.5)',
    );
  });

  test('an unknown setting, with did-you-mean', () => {
    expect(errorOf(ws, withScheduler('scheduler: { kind: asha, min_epoch: 2 }'))).toBe(
      's.yaml:9:26: scheduler.min_epoch: unknown key (did you mean "min_epochs"?)',
    );
  });

  test('a setting with kind none', () => {
    expect(errorOf(ws, withScheduler('scheduler: { kind: none, eta: 3 }'))).toBe(
      's.yaml:9:31: scheduler.eta: only used with kind asha, hyperband or race (kind is none)',
    );
  });

  test('min_epochs no trial can get past: against budget.epochs, recipe.epochs and space.epochs', () => {
    expect(errorOf(ws, withScheduler('scheduler: { kind: asha, min_epochs: 9 }'))).toBe(
      "s.yaml:9:38: scheduler.min_epochs: must be < budget.epochs (9) (got 9): rungs are fine-tuning epochs before a trial's last, so no trial could ever be stopped",
    );
    expect(errorOf(ws, withScheduler('scheduler: { kind: asha, min_epochs: 3 }', 'budget: { trials: 4, epochs: 9 }\nrecipe: { epochs: 3 }'))).toBe(
      "s.yaml:10:38: scheduler.min_epochs: must be < recipe.epochs (3) (got 3): rungs are fine-tuning epochs before a trial's last, so no trial could ever be stopped",
    );
    const space = 'budget: { trials: 4, epochs: 9 }\nspace: { epochs: { type: int, low: 1, high: 4 } }';
    expect(errorOf(ws, withScheduler('scheduler: { kind: hyperband, min_epochs: 5 }', space))).toBe(
      "s.yaml:10:43: scheduler.min_epochs: must be < space.epochs.high (4) (got 5): rungs are fine-tuning epochs before a trial's last, so no trial could ever be stopped",
    );
    expect(errorOf(ws, withScheduler('scheduler: asha', 'budget: { trials: 4, epochs: 1 }'))).toBe(
      "s.yaml:9:12: scheduler: the default min_epochs (1) must be < budget.epochs (1) (got 1): rungs are fine-tuning epochs before a trial's last, so no trial could ever be stopped",
    );
  });

  test('an objective on gain', () => {
    expect(errorOf(ws, withScheduler('scheduler: { kind: asha }', 'budget: { trials: 4, epochs: 9 }\nobjective: { on: gain }'))).toBe(
      's.yaml:10:20: scheduler.kind: "asha" cannot be combined with objective.on: gain: a rung value is the metric, and the baseline a gain needs is trained only after the transfer run (use on: metric, or no scheduler)',
    );
  });
});

describe('scheduler: race', () => {
  const seeds = (n: number) => `budget: { trials: 4, epochs: 9, seeds: ${n} }`;

  test("a kind alone takes racing's defaults: first_seeds 1, eta 2, min_reports = eta, the paired rule at 0.1", () => {
    expect(load(withScheduler('scheduler: race', seeds(3))).scheduler).toEqual({ kind: 'race', first_seeds: 1, eta: 2, min_reports: 2, wilcoxon: 0.1 });
    // asha keeps its own eta.
    expect(load(withScheduler('scheduler: asha', seeds(3))).scheduler).toMatchObject({ kind: 'asha', eta: 3, min_reports: 3 });
  });

  test('wilcoxon: off leaves the paired rule out', () => {
    expect(load(withScheduler('scheduler: { kind: race, eta: 3, wilcoxon: off }', seeds(3))).scheduler).toEqual({ kind: 'race', first_seeds: 1, eta: 3, min_reports: 3 });
    expect(errorOf(ws, withScheduler('scheduler: { kind: race, wilcoxon: of }', seeds(3)))).toMatch(/^s\.yaml:9:36: scheduler\.wilcoxon: /);
  });

  test('given settings are kept, the paired rule among them; an objective on gain is allowed', () => {
    const text = withScheduler('scheduler: { kind: race, first_seeds: 2, eta: 2, min_reports: 4, wilcoxon: 0.1 }', `${seeds(8)}\nobjective: { on: gain }`);
    expect(load(text).scheduler).toEqual({ kind: 'race', first_seeds: 2, eta: 2, min_reports: 4, wilcoxon: 0.1 });
  });

  test('a first slice that holds every unit: given, or the default against budget.seeds', () => {
    expect(errorOf(ws, withScheduler('scheduler: { kind: race, first_seeds: 3 }', seeds(3)))).toBe(
      's.yaml:9:39: scheduler.first_seeds: must be < budget.seeds (3) (got 3): the first slice would hold every unit of a trial, so no trial could ever be stopped',
    );
    expect(errorOf(ws, withScheduler('scheduler: race'))).toBe(
      's.yaml:9:12: scheduler: the default first_seeds (1) must be < budget.seeds (1) (got 1): the first slice would hold every unit of a trial, so no trial could ever be stopped',
    );
  });

  test('a threshold of the paired test outside (0, 1)', () => {
    expect(errorOf(ws, withScheduler('scheduler: { kind: race, wilcoxon: 1 }', seeds(3)))).toBe(
      's.yaml:9:36: scheduler.wilcoxon: must be a number < 1 (got 1)',
    );
    expect(errorOf(ws, withScheduler('scheduler: { kind: race, wilcoxon: 0 }', seeds(3)))).toBe(
      's.yaml:9:36: scheduler.wilcoxon: must be a number > 0 (got 0)',
    );
  });

  test('settings of the other kinds are refused, not ignored', () => {
    expect(errorOf(ws, withScheduler('scheduler: { kind: race, min_epochs: 2 }', seeds(3)))).toBe(
      's.yaml:9:38: scheduler.min_epochs: only used with kind asha or hyperband (kind is race): race stops trials between units, not between epochs',
    );
    expect(errorOf(ws, withScheduler('scheduler: { kind: asha, first_seeds: 1 }', seeds(3)))).toBe(
      's.yaml:9:39: scheduler.first_seeds: only used with kind race (kind is asha)',
    );
    expect(errorOf(ws, withScheduler('scheduler: { kind: hyperband, wilcoxon: 0.1 }', seeds(3)))).toBe(
      's.yaml:9:41: scheduler.wilcoxon: only used with kind race (kind is hyperband)',
    );
  });

  test('several objectives', () => {
    const text = withScheduler('scheduler: race', `${seeds(3)}\nobjective: [ { metric: accuracy }, { metric: bytes } ]`);
    expect(errorOf(ws, text)).toBe(
      's.yaml:10:12: scheduler: race cannot be combined with several objectives: a rung value is one metric, and a stopped trial has no value for the others',
    );
  });
});
