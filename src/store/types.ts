// The Store contract (every state change of a study is one transaction), re-exporting src/spec's records.
// Main thread only. Implementations: sqlite/sqlite-store.ts and postgres/postgres-store.ts; one contract
// suite (test/helpers/store-contract.ts) runs against both.
import type {
  ArtifactInfo,
  ArtifactRecord,
  BaselineRecord,
  IntermediateRecord,
  Json,
  ScreenRecord,
  StudyIntermediateRecord,
  StudyRecord,
  TrialRecord,
  TrialState,
  UnitRecord,
} from '../spec/records.js';

export { FINISHED_STATES, TRIAL_STATES } from '../spec/records.js';
export type {
  ArtifactInfo,
  ArtifactRecord,
  BaselineRecord,
  IntermediateRecord,
  Json,
  ScreenRecord,
  StudyIntermediateRecord,
  StudyRecord,
  TrialRecord,
  TrialState,
  UnitRecord,
} from '../spec/records.js';

export interface NewTrial {
  readonly params: { readonly [k: string]: Json };
  /** WAITING (enqueued for anyone) or RUNNING (claimed by `owner` at once). */
  readonly state: 'WAITING' | 'RUNNING';
  readonly owner: string | null;
}

export interface FinishTrial {
  readonly state: 'COMPLETE' | 'PRUNED' | 'FAIL';
  readonly value: number | null;
  /** A vector value (multi-objective studies); absent or null: none. */
  readonly values?: readonly number[] | null;
  /** Constraint violations (<= 0: satisfied); absent or null: none. */
  readonly constraints?: readonly number[] | null;
  readonly error: string | null;
  readonly backend: string | null;
  /**
   * An intermediate value recorded in the SAME transaction as the finish (a race's stop: its rung
   * value and its PRUNED state are one decision, so a kill leaves both or neither). A value already
   * recorded at that step must be equal (an intermediate value is recorded once); absent or null: none.
   */
  readonly intermediate?: { readonly step: number; readonly value: number } | null;
}

/** A unit's model as the store writes it: the JSON part and the weights' bytes (src/study/artifacts.ts). */
export interface NewArtifact {
  readonly model: Json;
  readonly weights: Uint8Array;
}

/** What keepBestArtifacts decided, inside its transaction. */
export interface KeptArtifacts {
  /** The best COMPLETE trial of the study at that moment (its models were kept), or null. */
  readonly best: TrialRecord | null;
  /** Models deleted. */
  readonly deleted: number;
}

/** What keepArtifactsOf decided, inside its transaction. */
export interface KeptArtifactsOf {
  /** The finished trials whose models were kept, in number order. */
  readonly kept: readonly TrialRecord[];
  /** Models deleted. */
  readonly deleted: number;
}

export interface Store {
  /** Creates the study, or returns the existing one of that name (spec untouched). */
  getOrCreateStudy(name: string, spec: Json, direction: 'maximize' | 'minimize'): { study: StudyRecord; created: boolean };
  getStudy(name: string): StudyRecord | null;
  listStudies(): StudyRecord[];

  /**
   * Atomically: if the study has fewer than `maxTrials` trials that count toward its budget (any
   * state), numbers a new trial, asks `propose(number)` for it, and inserts it. Returns null when the
   * budget is used up. `propose` runs inside the transaction and must be synchronous.
   */
  createTrial(studyId: number, maxTrials: number, propose: (number: number) => NewTrial): TrialRecord | null;
  /** Atomically claims the oldest WAITING trial for `owner` (state RUNNING, attempts + 1). */
  claimWaitingTrial(studyId: number, owner: string): TrialRecord | null;
  /** Refreshes the heartbeat of RUNNING trials owned by `owner`. */
  heartbeat(trialIds: readonly number[], owner: string): void;
  /**
   * RUNNING → COMPLETE | PRUNED | FAIL, once. Throws TrialFinishedError if the trial is already
   * finished, and StoreError if it is not RUNNING or not owned by `owner`.
   */
  finishTrial(trialId: number, owner: string, outcome: FinishTrial): TrialRecord;
  /**
   * Puts RUNNING trials back to WAITING (same number, same params) when `isStale(trial)` says so.
   * Returns the trials re-queued. Finished trials are never touched.
   */
  requeueStale(studyId: number, isStale: (trial: TrialRecord) => boolean): TrialRecord[];

  getTrial(trialId: number): TrialRecord | null;
  getTrials(studyId: number, states?: readonly TrialState[]): TrialRecord[];
  /**
   * The study's trials numbered above `afterNumber`, in number order: how an incremental reader
   * catches up (finished trials never change, so it keeps the ones it has and re-reads only the rest).
   */
  getTrialsSince(studyId: number, afterNumber: number): TrialRecord[];
  countTrials(studyId: number, states?: readonly TrialState[]): number;

  /**
   * Records a finished unit of a RUNNING trial; (trial, target, seed) is unique. With `artifact`, the
   * unit's model goes in in the SAME transaction: a unit is never stored without the model it was
   * recorded with, nor a model without its unit. Re-recording an identical unit adds its model if it
   * had none and otherwise keeps the first (a model is written once).
   */
  recordUnit(trialId: number, target: string, seed: number, result: Json, artifact?: NewArtifact): void;
  getUnits(trialId: number): UnitRecord[];
  getStudyUnits(studyId: number): UnitRecord[];

  /** The stored model of one unit (trial id, target, seed index), or null when none is stored. */
  getArtifact(trialId: number, target: string, seed: number): ArtifactRecord | null;
  /** The study's stored models without their bytes, by trial number, target and seed. */
  getStudyArtifacts(studyId: number): ArtifactInfo[];
  /** Deletes every stored model of these trials (any state); returns how many went. */
  deleteArtifacts(trialIds: readonly number[]): number;
  /**
   * artifacts: best. In ONE write transaction: re-reads the study's best COMPLETE trial (highest value
   * for maximize, lowest for minimize, ties to the lower number, as bestTrial) and deletes the models
   * of every other FINISHED trial. Models of unfinished trials are never touched: one of them may yet
   * become the best, and a trial another process finishes concurrently is either seen finished (and
   * judged with its value) or not at all, so the best trial's models are never deleted.
   */
  keepBestArtifacts(studyId: number): KeptArtifacts;
  /**
   * The same for a rule the caller gives (a multi-objective study keeps its Pareto front): `keep`
   * gets the study's FINISHED trials, read in the same transaction (SQLite) or snapshot
   * (PostgreSQL) as the delete, and returns the ids of those whose models stay; the models of the
   * other finished trials are deleted, those of unfinished trials never. `keep` must be monotone:
   * a trial it drops given some finished trials it also drops given more of them (a dominated
   * trial stays dominated), so a trial another process finishes meanwhile never loses a model it
   * should keep. Returns the kept trials and how many models went.
   */
  keepArtifactsOf(studyId: number, keep: (finished: readonly TrialRecord[]) => Iterable<number>): KeptArtifactsOf;

  recordIntermediate(trialId: number, step: number, value: number): void;
  getIntermediates(trialId: number): IntermediateRecord[];
  /** The values every trial of the study recorded at `step`, in trial-number order. */
  getStudyIntermediates(studyId: number, step: number): StudyIntermediateRecord[];

  /** Target-only baseline results, keyed by a recipe hash, target and seed; first write wins. */
  putBaseline(studyId: number, key: string, result: Json): void;
  getBaseline(studyId: number, key: string): Json | null;
  /** Every baseline of the study, by key (moving a study to another database copies them). */
  getBaselines(studyId: number): BaselineRecord[];

  /**
   * The study's screen table; first write wins: concurrent runs of one study may each compute it, and
   * every process must then sample with the same (first stored) scores.
   */
  putScreen(studyId: number, table: Json): void;
  /** The study's screen table, or null when it was never screened. */
  getScreen(studyId: number): Json | null;
  /** The screen with its timestamp, or null (moving a study to another database copies it). */
  getScreenRecord(studyId: number): ScreenRecord | null;

  /**
   * Runs `fn` inside one read transaction: every read it makes sees the same committed state, even
   * while other processes write (reports of a running study). `fn` must be synchronous and only read.
   */
  snapshot<T>(fn: () => T): T;

  close(): void;
}
