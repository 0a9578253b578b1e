// A stored study's finished trials as the selection statistics see them (src/selection's TrialTable),
// read and decoded from the store. Main thread.
import { unitValue } from '../metrics/objective.js';
import type { TrialRow, TrialTable, UnitRow } from '../selection/trial-table.js';
import type { StudyRecord } from '../spec/records.js';
import { chosenSourceNames, recipeParams } from '../spec/space.js';
import type { Store } from '../store/types.js';
import { decodeParams, decodeStoredUnit, studySpecOf } from './decoders.js';

/** The table of a stored study: COMPLETE trials only (pruned trials stopped early and are not comparable). */
export function loadTrialTable(store: Store, record: StudyRecord): TrialTable {
  const study = studySpecOf(record);
  const sources = study.sources.map((s) => s.name);
  const unitsByTrial = new Map<number, UnitRow[]>();
  const testRows: Record<string, number> = {};
  for (const unit of store.getStudyUnits(record.id)) {
    const stored = decodeStoredUnit(unit.result, `study "${record.name}": unit ${unit.target}/${unit.seed} of trial id ${unit.trialId}`);
    if (stored.test && testRows[unit.target] === undefined) testRows[unit.target] = stored.test.confusion.flat().reduce((a, b) => a + b, 0);
    const list = unitsByTrial.get(unit.trialId) ?? [];
    list.push({
      target: unit.target,
      seedIndex: unit.seed,
      value: unitValue(study.objective, stored),
      gain: stored.gain[study.objective.metric],
      ...(stored.test ? { test: stored.test[study.objective.metric] } : {}),
    });
    unitsByTrial.set(unit.trialId, list);
  }
  const trials: TrialRow[] = [];
  for (const trial of store.getTrials(record.id, ['COMPLETE'])) {
    const units = unitsByTrial.get(trial.id) ?? [];
    if (units.length === 0) continue;
    const params = decodeParams(trial.params, `study "${record.name}" trial #${trial.number}: its params`);
    const chosen = new Set(chosenSourceNames(params));
    trials.push({ number: trial.number, sources: sources.filter((s) => chosen.has(s)), recipe: recipeParams(params), units });
  }
  return { sources, targets: study.targets.map((t) => t.name), objective: study.objective, trials, ...(Object.keys(testRows).length > 0 ? { testRows } : {}) };
}
