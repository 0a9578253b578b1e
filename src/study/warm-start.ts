// Warm starts: the COMPLETE trials of earlier studies (`warm_start`), read once when a study is opened
// and matched to its space, for the sampler as prior observations. They are never copied into the
// study: its trials, leaderboard and export stay its own. Main thread.
import { StudyConfigError } from '../errors.js';
import type { PriorTrial, WarmStart } from '../search/samplers/types.js';
import type { ParamSpec, Params, ParamValue, SearchSpace } from '../spec/space.js';
import type { ResolvedStudy, WarmStartSpec } from '../spec/study.js';
import { openStore, type Store } from '../store/index.js';
import { decodeParams } from './decoders.js';

/**
 * The earlier studies' trials, each restricted to the parameters this space shares with it: a
 * parameter of the same name whose value is one of this distribution's (a number inside its range,
 * a listed choice; a subset keeps the sources this study has). A trial that shares none is left out.
 * Undefined when the study has no warm start. Throws StudyConfigError (exit 2) naming the entry when
 * an earlier study is not in its database.
 */
export function loadWarmStart(store: Store, study: ResolvedStudy): WarmStart | undefined {
  const entries = study.warm_start ?? [];
  if (entries.length === 0) return undefined;
  return { studies: entries.map((entry, index) => ({ name: entry.study, trials: readEntry(store, study.space, entry, index) })) };
}

function readEntry(own: Store, space: SearchSpace, entry: WarmStartSpec, index: number): PriorTrial[] {
  const store = entry.db === undefined ? own : openStore(entry.db, { readonly: true });
  try {
    const record = store.getStudy(entry.study);
    if (record === null) {
      const where = entry.db === undefined ? "this study's database" : entry.db;
      throw new StudyConfigError(`warm_start[${index}].study: no study "${entry.study}" in ${where}`);
    }
    const sign = record.direction === 'maximize' ? -1 : 1;
    const out: PriorTrial[] = [];
    for (const trial of store.getTrials(record.id, ['COMPLETE'])) {
      if (trial.value === null || !Number.isFinite(trial.value)) continue;
      const params = matchParams(space, decodeParams(trial.params, `study "${entry.study}" trial ${trial.number}: its params`));
      if (Object.keys(params).length > 0) out.push({ params, loss: sign * trial.value });
    }
    return out;
  } finally {
    if (store !== own) store.close();
  }
}

/** `params` restricted to the parameters of `space` whose values they are. */
export function matchParams(space: SearchSpace, params: Params): Params {
  const out: Record<string, ParamValue> = {};
  for (const p of space) {
    const value = params[p.name];
    const matched = value === undefined ? undefined : matchValue(p, value);
    if (matched !== undefined) out[p.name] = matched;
  }
  return out;
}

function matchValue(p: ParamSpec, value: ParamValue): ParamValue | undefined {
  const d = p.distribution;
  switch (d.type) {
    case 'float':
      return typeof value === 'number' && value >= d.low && value <= d.high ? value : undefined;
    case 'int':
      return typeof value === 'number' && Number.isInteger(value) && value >= d.low && value <= d.high ? value : undefined;
    case 'categorical':
      return d.choices.includes(value as string | number | boolean) ? value : undefined;
    case 'subset': {
      if (!Array.isArray(value)) return undefined;
      // Sources by name; ones this study does not have are dropped (the rest still say something).
      return d.items.filter((item) => (value as readonly string[]).includes(item));
    }
  }
}
