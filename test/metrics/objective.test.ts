// A trial's objective from its units: metric or gain per unit, then the configured aggregate.
import { describe, expect, test } from 'vitest';
import type { Objective } from '../../src/spec/study.js';
import { describeObjective, objectiveValue } from '../../src/metrics/objective.js';
import { trialValue } from '../../src/study/run-study.js';
import type { StoredUnit } from '../../src/spec/units.js';
import { resolvedStudy } from '../helpers/resolved-study.js';

/** A unit with the given accuracy and baseline accuracy (the other metrics mirror them). */
function unit(accuracy: number, baseline: number) {
  const m = { accuracy, macro_f1: accuracy, macro_recall: accuracy };
  const gain = accuracy - baseline;
  return { metrics: m, gain: { accuracy: gain, macro_f1: gain, macro_recall: gain } };
}

// Gains 0.1, -0.2, 0.3, 0.0; metrics 0.8, 0.5, 0.9, 0.6.
const UNITS = [unit(0.8, 0.7), unit(0.5, 0.7), unit(0.9, 0.6), unit(0.6, 0.6)];

const objective = (o: Partial<Objective>): Objective => ({ metric: 'accuracy', direction: 'maximize', aggregate: 'mean', ...o });

describe('objectiveValue', () => {
  test('on the metric by default, on the gain when asked', () => {
    expect(objectiveValue(objective({}), UNITS)).toBeCloseTo(0.7, 12);
    expect(objectiveValue(objective({ on: 'gain' }), UNITS)).toBeCloseTo(0.05, 12);
  });

  test('robust aggregates of the gain', () => {
    expect(objectiveValue(objective({ on: 'gain', aggregate: 'worst' }), UNITS)).toBeCloseTo(-0.2, 12);
    expect(objectiveValue(objective({ on: 'gain', aggregate: 'cvar', alpha: 0.5 }), UNITS)).toBeCloseTo(-0.1, 12);
    // gains' sample std: deviations 0.05, -0.25, 0.25, -0.05 -> squares 0.13 -> sqrt(0.13 / 3)
    expect(objectiveValue(objective({ on: 'gain', aggregate: 'mean_minus_std', lambda: 1 }), UNITS)).toBeCloseTo(
      0.05 - Math.sqrt(0.13 / 3),
      12,
    );
  });

  test('re-ranking with another aggregate keeps the objective parameters', () => {
    const o = objective({ aggregate: 'cvar', alpha: 0.5 });
    expect(objectiveValue(o, UNITS, 'mean')).toBeCloseTo(0.7, 12);
    expect(objectiveValue(o, UNITS, 'cvar')).toBeCloseTo(0.55, 12);
    expect(describeObjective(o)).toBe('cvar(alpha=0.5) of accuracy');
    expect(describeObjective(objective({ on: 'gain' }), 'worst')).toBe('worst of accuracy gain');
  });

  test('trialValue uses the study objective', () => {
    const study = resolvedStudy({ objective: objective({ on: 'gain', aggregate: 'worst' }) });
    expect(trialValue(study, UNITS as unknown as StoredUnit[])).toBeCloseTo(-0.2, 12);
  });
});
