// The records a store keeps of a study: its trials, their units, baselines, screens and rung
// values, as every backend returns them. A record's JSON fields (spec, params, results) are decoded
// by src/study/decoders.ts before use. Part of src/spec: types only.

export const TRIAL_STATES = ['WAITING', 'RUNNING', 'COMPLETE', 'PRUNED', 'FAIL'] as const;
export type TrialState = (typeof TRIAL_STATES)[number];
export const FINISHED_STATES: readonly TrialState[] = ['COMPLETE', 'PRUNED', 'FAIL'];
/** JSON-safe values only: stored as JSON text. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [k: string]: Json };
export interface StudyRecord {
  readonly id: number;
  readonly name: string;
  /** The resolved study as stored at creation (JSON). */
  readonly spec: Json;
  readonly direction: 'maximize' | 'minimize';
  readonly createdAt: number;
}
export interface TrialRecord {
  readonly id: number;
  readonly studyId: number;
  /** 0-based, unique within the study, assigned at creation. */
  readonly number: number;
  readonly state: TrialState;
  readonly params: { readonly [k: string]: Json };
  readonly value: number | null;
  /**
   * Multi-objective studies: the value of each objective, in the study's order (`value` is the
   * first); absent when the trial has none (every single-objective trial).
   */
  readonly values?: readonly number[];
  /** Multi-objective studies with constraints: each constraint's violation (<= 0: satisfied); absent when none. */
  readonly constraints?: readonly number[];
  readonly error: string | null;
  /** Backend the trial's units ran on (recorded when it finishes). */
  readonly backend: string | null;
  /** Who runs it now: `host:pid:random`, or null. */
  readonly owner: string | null;
  /** How many times it was started (re-queued trials start again). */
  readonly attempts: number;
  readonly createdAt: number;
  readonly startedAt: number | null;
  readonly finishedAt: number | null;
  readonly heartbeatAt: number | null;
}
export interface UnitRecord {
  readonly trialId: number;
  readonly target: string;
  readonly seed: number;
  /** Unit metrics, baseline metrics, gain, cost, … as the runner chose to store them. */
  readonly result: Json;
  readonly createdAt: number;
}
export interface BaselineRecord {
  readonly studyId: number;
  readonly key: string;
  readonly result: Json;
  readonly createdAt: number;
}
/** A study's transferability screen table (LEEP/LogME/H-score/NCE), computed once before its first trial. */
export interface ScreenRecord {
  readonly studyId: number;
  readonly result: Json;
  readonly createdAt: number;
}
export interface IntermediateRecord {
  readonly trialId: number;
  readonly step: number;
  readonly value: number;
}
/** An intermediate value with the trial it belongs to, for schedulers comparing trials at one step. */
export interface StudyIntermediateRecord extends IntermediateRecord {
  readonly trialNumber: number;
  /** The trial's state now (a value recorded by a trial that later failed is still returned). */
  readonly state: TrialState;
}
/**
 * A unit's stored model (artifacts: best | all): the JSON part of its ModelArtifact (meta, topology,
 * weight specs; src/spec/artifacts.ts) and the weights' bytes. Decoded by src/study/decoders.ts.
 */
export interface ArtifactRecord {
  readonly trialId: number;
  readonly target: string;
  readonly seed: number;
  readonly model: Json;
  readonly weights: Uint8Array;
  readonly createdAt: number;
}
/** A stored model without its bytes: what listing a study's models returns. */
export interface ArtifactInfo {
  readonly trialId: number;
  readonly trialNumber: number;
  readonly target: string;
  readonly seed: number;
  /** Size of the weights, bytes. */
  readonly weightBytes: number;
  /** Size of the JSON part as stored (text), bytes. */
  readonly modelBytes: number;
  readonly createdAt: number;
}
