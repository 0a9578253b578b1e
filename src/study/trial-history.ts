// A study's trials as sampler snapshots, read incrementally: finished trials never change, so their
// snapshots are kept (frozen) and only new and still unfinished trials are read again. Keeps the
// cost of an ask flat as a study grows. It also keeps the count of finished trials and the best
// COMPLETE one as they come in, for progress reports that must not re-read the whole study after
// every trial. Main thread; one per StudyHandle; reads through the Store.
import type { Store } from '../store/types.js';
import type { TrialRecord } from '../spec/records.js';
import type { TrialSnapshot } from '../search/samplers/types.js';
import { decodeParams } from './decoders.js';

const UNFINISHED = ['WAITING', 'RUNNING'] as const;

export function snapshotOf(trial: TrialRecord): TrialSnapshot {
  return {
    number: trial.number,
    state: trial.state,
    params: decodeParams(trial.params, `trial #${trial.number}: its params`),
    value: trial.value,
    ...(trial.values !== undefined ? { values: trial.values } : {}),
    ...(trial.constraints !== undefined ? { constraints: trial.constraints } : {}),
  };
}

function isFinished(trial: TrialRecord): boolean {
  return trial.state === 'COMPLETE' || trial.state === 'PRUNED' || trial.state === 'FAIL';
}

export class TrialHistory {
  /** Snapshots of finished trials, in number order. */
  private readonly finished: TrialSnapshot[] = [];
  /** The best COMPLETE trial absorbed so far (ties: the lower number, as bestTrial). */
  private bestRecord: TrialRecord | null = null;
  private readonly finishedNumbers = new Set<number>();
  /** Trials last seen unfinished: number → id. */
  private readonly open = new Map<number, number>();
  /** Every trial numbered up to here has been seen (finished, or in `open`). */
  private seenUpTo = -1;

  constructor(
    private readonly store: Store,
    private readonly studyId: number,
    private readonly direction: 'maximize' | 'minimize' = 'maximize',
  ) {}

  /** Finished trials and the best COMPLETE one, as of now (reads only what changed since last time). */
  progress(): { readonly finished: number; readonly best: TrialRecord | null } {
    this.read();
    return { finished: this.finished.length, best: this.bestRecord };
  }

  /**
   * Every trial of the study, in number order, as of now. Call it inside the store transaction that
   * uses the result, so that no trial can be created or finished between the reads.
   */
  read(): readonly TrialSnapshot[] {
    const fresh = this.store.getTrialsSince(this.studyId, this.seenUpTo);
    const unfinished = this.store.getTrials(this.studyId, UNFINISHED);
    const stillOpen = new Set(unfinished.map((t) => t.number));
    const freshNumbers = new Set(fresh.map((t) => t.number));
    // Trials that were unfinished at the last read and are neither unfinished now nor new: finished.
    for (const [number, id] of this.open) {
      if (stillOpen.has(number) || freshNumbers.has(number)) continue;
      const trial = this.store.getTrial(id);
      if (trial !== null) this.absorb(trial);
    }
    for (const trial of fresh) this.absorb(trial);
    for (const trial of unfinished) if (!this.finishedNumbers.has(trial.number)) this.open.set(trial.number, trial.id);
    while (this.finishedNumbers.has(this.seenUpTo + 1) || this.open.has(this.seenUpTo + 1)) this.seenUpTo++;

    // Merge the two number-ordered lists.
    const out: TrialSnapshot[] = [];
    let i = 0;
    for (const trial of unfinished) {
      while (i < this.finished.length && (this.finished[i] as TrialSnapshot).number < trial.number) out.push(this.finished[i++]!);
      out.push(snapshotOf(trial));
    }
    while (i < this.finished.length) out.push(this.finished[i++]!);
    return out;
  }

  private absorb(trial: TrialRecord): void {
    if (!isFinished(trial)) {
      this.open.set(trial.number, trial.id);
      return;
    }
    this.open.delete(trial.number);
    if (this.finishedNumbers.has(trial.number)) return;
    this.finishedNumbers.add(trial.number);
    if (trial.state === 'COMPLETE' && trial.value !== null && isBetter(trial, this.bestRecord, this.direction)) this.bestRecord = trial;
    const snapshot = freeze(snapshotOf(trial));
    // Trials usually finish in number order; otherwise insert in place.
    let at = this.finished.length;
    while (at > 0 && (this.finished[at - 1] as TrialSnapshot).number > snapshot.number) at--;
    this.finished.splice(at, 0, snapshot);
  }
}

/** A finished trial's snapshot is shared by every later ask: a sampler must not be able to change it. */
function freeze(snapshot: TrialSnapshot): TrialSnapshot {
  if (snapshot.values !== undefined) Object.freeze(snapshot.values);
  if (snapshot.constraints !== undefined) Object.freeze(snapshot.constraints);
  for (const value of Object.values(snapshot.params)) if (Array.isArray(value)) Object.freeze(value);
  Object.freeze(snapshot.params);
  return Object.freeze(snapshot);
}

/** Whether `trial` ranks above `best` (a higher or lower value by direction; ties go to the lower number). */
function isBetter(trial: TrialRecord, best: TrialRecord | null, direction: 'maximize' | 'minimize'): boolean {
  if (best === null) return true;
  if (trial.value === best.value) return trial.number < best.number;
  return direction === 'maximize' ? trial.value! > best.value! : trial.value! < best.value!;
}
