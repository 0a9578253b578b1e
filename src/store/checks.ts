// Argument checks and JSON helpers every Store backend applies identically, so that SQLite and
// PostgreSQL refuse the same inputs with the same messages. Main thread only; no driver imports.
import { StoreError, TrialFinishedError } from '../errors.js';
import { FINISHED_STATES, TRIAL_STATES } from '../spec/records.js';
import type { FinishTrial, NewArtifact, NewTrial } from './types.js';
import type { Json, TrialState } from '../spec/records.js';

export function checkStudy(name: string, direction: 'maximize' | 'minimize'): void {
  if (typeof name !== 'string' || name.length === 0) throw new StoreError('study name must be a non-empty string');
  if (direction !== 'maximize' && direction !== 'minimize') {
    throw new StoreError(`study direction must be "maximize" or "minimize", got ${JSON.stringify(direction)}`);
  }
}

export function checkMaxTrials(maxTrials: number): void {
  if (typeof maxTrials !== 'number' || !(maxTrials >= 0)) {
    throw new StoreError(`maxTrials must be a non-negative number, got ${String(maxTrials)}`);
  }
}

export function checkFinish(owner: string, outcome: FinishTrial): void {
  checkOwner(owner);
  if (!FINISHED_STATES.includes(outcome.state)) {
    throw new StoreError(`a trial finishes as COMPLETE, PRUNED or FAIL, not ${String(outcome.state)}`);
  }
  checkValue(outcome.value, 'trial value', true);
  for (const [list, what] of [
    [outcome.values, 'trial values'],
    [outcome.constraints, 'constraint values'],
  ] as const) {
    if (list === undefined || list === null) continue;
    if (!Array.isArray(list) || list.length === 0) throw new StoreError(`${what} must be a non-empty list of numbers`);
    list.forEach((v, i) => checkValue(v, `${what}[${i}]`, false));
  }
  if (outcome.intermediate !== undefined && outcome.intermediate !== null) checkIntermediate(outcome.intermediate.step, outcome.intermediate.value);
}

/** A vector column as stored (JSON text), or null for none. */
export function vectorText(list: readonly number[] | null | undefined): string | null {
  return list === undefined || list === null ? null : JSON.stringify(list);
}

/** Why `owner` may not finish this trial, if anything: it must be RUNNING and owned by `owner`. */
export function assertFinishable(
  trial: { readonly number: number; readonly state: TrialState; readonly owner: string | null },
  owner: string,
): void {
  assertNotFinished(trial);
  if (trial.state !== 'RUNNING') {
    throw new StoreError(`trial #${trial.number} is ${trial.state}; only a RUNNING trial can be finished`);
  }
  if (trial.owner !== owner) {
    throw new StoreError(`trial #${trial.number} is owned by ${String(trial.owner)}, not ${owner}; it cannot finish it`);
  }
}

export function checkUnitKey(target: string, seed: number): void {
  if (typeof target !== 'string' || target.length === 0) throw new StoreError('unit target must be a non-empty string');
  if (!Number.isSafeInteger(seed)) throw new StoreError(`unit seed must be an integer, got ${String(seed)}`);
}

/** The artifact's JSON part as text and its bytes, or null without an artifact. */
export function checkArtifact(artifact: NewArtifact | undefined): { model: string; weights: Uint8Array } | null {
  if (artifact === undefined) return null;
  const { model, weights } = artifact;
  if (model === null || typeof model !== 'object' || Array.isArray(model)) throw new StoreError('artifact model must be a JSON object');
  if (!(weights instanceof Uint8Array)) throw new StoreError('artifact weights must be a Uint8Array');
  return { model: toJsonText(model, 'artifact model'), weights };
}

/** Trial ids for a bulk delete: integers, any number. */
export function checkTrialIds(trialIds: readonly number[]): readonly number[] {
  if (!Array.isArray(trialIds) || !trialIds.every((id) => Number.isSafeInteger(id))) {
    throw new StoreError('trial ids must be a list of integers');
  }
  return trialIds;
}

export function checkIntermediate(step: number, value: number): void {
  if (!Number.isSafeInteger(step) || step < 0) {
    throw new StoreError(`intermediate step must be a non-negative integer, got ${String(step)}`);
  }
  checkValue(value, 'intermediate value', false);
}

export function checkBaselineKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0) throw new StoreError('baseline key must be a non-empty string');
}

export function assertNotFinished(trial: { readonly number: number; readonly state: TrialState }): void {
  if (FINISHED_STATES.includes(trial.state)) {
    throw new TrialFinishedError(`trial #${trial.number} is already ${trial.state}; finished trials cannot be modified`);
  }
}

export function assertRecording(trial: { readonly number: number; readonly state: TrialState }): void {
  assertNotFinished(trial);
  if (trial.state !== 'RUNNING') {
    throw new StoreError(`trial #${trial.number} is ${trial.state}; results are recorded only while it is RUNNING`);
  }
}

export function checkOwner(owner: string): void {
  if (typeof owner !== 'string' || owner.length === 0) throw new StoreError('owner must be a non-empty string');
}

// SQLite turns NaN into NULL and JSON turns it into null: reject it rather than store a silent null.
export function checkValue(value: number | null, what: string, nullable: boolean): void {
  if (value === null && nullable) return;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new StoreError(`${what} must be a finite number${nullable ? ' or null' : ''}, got ${String(value)}`);
  }
}

export function checkProposal(proposal: NewTrial): { state: 'WAITING' | 'RUNNING'; params: string; owner: string | null } {
  if (proposal === null || typeof proposal !== 'object' || typeof (proposal as { then?: unknown }).then === 'function') {
    throw new StoreError('propose must synchronously return a NewTrial (it runs inside the transaction)');
  }
  const { state, params, owner } = proposal;
  if (params === null || typeof params !== 'object' || Array.isArray(params)) {
    throw new StoreError('trial params must be a JSON object');
  }
  if (state === 'RUNNING') {
    if (typeof owner !== 'string' || owner.length === 0) throw new StoreError('a RUNNING trial needs an owner');
  } else if (state === 'WAITING') {
    if (owner !== null) throw new StoreError('a WAITING trial has no owner (owner must be null)');
  } else {
    throw new StoreError(`a new trial is WAITING or RUNNING, not ${String(state)}`);
  }
  return { state, params: toJsonText(params, 'trial params'), owner };
}

/** -1 asks for every trial; a fraction or NaN would silently compare wrong in SQL. */
export function checkAfterNumber(afterNumber: number): void {
  if (!Number.isSafeInteger(afterNumber) || afterNumber < -1) {
    throw new StoreError(`afterNumber must be an integer >= -1, got ${String(afterNumber)}`);
  }
}

export function checkStates(states: readonly TrialState[]): readonly TrialState[] {
  for (const state of states) {
    if (!TRIAL_STATES.includes(state)) throw new StoreError(`unknown trial state ${String(state)}`);
  }
  return states;
}

export function toJsonText(value: Json, what: string): string {
  const text = JSON.stringify(value, (key: string, v: unknown) => {
    if (typeof v === 'number' && !Number.isFinite(v)) {
      throw new StoreError(`${what} contains ${String(v)}${key === '' ? '' : ` at "${key}"`}; JSON cannot store it`);
    }
    return v;
  }) as string | undefined;
  if (text === undefined) throw new StoreError(`${what} is not JSON`);
  return text;
}

/** Structural equality of parsed JSON; key order does not matter. */
export function jsonEqual(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item: Json, i: number) => jsonEqual(item, (b as readonly Json[])[i]!));
  }
  const ra = a as { readonly [k: string]: Json };
  const rb = b as { readonly [k: string]: Json };
  const keys = Object.keys(ra);
  if (keys.length !== Object.keys(rb).length) return false;
  return keys.every((k) => Object.hasOwn(rb, k) && jsonEqual(ra[k]!, rb[k]!));
}

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
