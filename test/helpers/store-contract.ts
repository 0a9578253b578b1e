// The Store contract suite: every backend (SQLite now, PostgreSQL later) must pass it unchanged.
// Backend-agnostic on purpose: only the Store interface and the shared error classes are used.

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StoreError, TrialFinishedError } from '../../src/errors.js';
import type { Json, StudyRecord, TrialRecord } from '../../src/spec/records.js';
import type { NewTrial, Store } from '../../src/store/types.js';

const SPEC: Json = { version: 1, targets: ['t1', 't2'], seeds: [0, 1] };

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export function storeContract(name: string, makeStore: () => { store: Store; cleanup(): void }): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    let cleanup: () => void;

    beforeEach(() => {
      ({ store, cleanup } = makeStore());
    });
    afterEach(() => {
      cleanup();
    });

    const study = (studyName = 'study'): StudyRecord => store.getOrCreateStudy(studyName, SPEC, 'maximize').study;
    const running = (owner: string, params: NewTrial['params'] = {}): NewTrial => ({ state: 'RUNNING', owner, params });
    const waiting = (params: NewTrial['params'] = {}): NewTrial => ({ state: 'WAITING', owner: null, params });
    const create = (studyId: number, proposal: NewTrial, maxTrials = 1000): TrialRecord => {
      const trial = store.createTrial(studyId, maxTrials, () => proposal);
      if (trial === null) throw new Error('budget unexpectedly used up');
      return trial;
    };
    const complete = { state: 'COMPLETE', value: 0.5, error: null, backend: 'cpu' } as const;

    describe('studies', () => {
      it('getStudy returns null and listStudies is empty before any study exists', () => {
        expect(store.getStudy('nope')).toBeNull();
        expect(store.listStudies()).toEqual([]);
      });

      it('creates a study and reads it back by name and in the list', () => {
        const before = Date.now();
        const { study: created, created: isNew } = store.getOrCreateStudy('s1', SPEC, 'minimize');
        expect(isNew).toBe(true);
        expect(created).toMatchObject({ name: 's1', spec: SPEC, direction: 'minimize' });
        expect(created.createdAt).toBeGreaterThanOrEqual(before);
        expect(created.createdAt).toBeLessThanOrEqual(Date.now());
        expect(store.getStudy('s1')).toEqual(created);
        expect(store.listStudies()).toEqual([created]);
      });

      it('getOrCreateStudy returns created:false and the ORIGINAL spec and direction for an existing name', () => {
        const first = store.getOrCreateStudy('s1', SPEC, 'maximize');
        const second = store.getOrCreateStudy('s1', { version: 2, other: true }, 'minimize');
        expect(second.created).toBe(false);
        expect(second.study).toEqual(first.study);
        expect(second.study.spec).toEqual(SPEC);
        expect(second.study.direction).toBe('maximize');
        expect(store.listStudies()).toHaveLength(1);
      });

      it('lists studies in creation order with distinct ids', () => {
        const a = study('a');
        const c = study('c');
        const b = study('b');
        expect(store.listStudies().map((s) => s.name)).toEqual(['a', 'c', 'b']);
        expect(new Set([a.id, b.id, c.id]).size).toBe(3);
      });
    });

    describe('createTrial', () => {
      it('numbers trials 0..n-1, uniquely, calling propose with the number', () => {
        const s = study();
        const seen: number[] = [];
        const trials = Array.from({ length: 5 }, () =>
          store.createTrial(s.id, 100, (n) => {
            seen.push(n);
            return waiting({ n });
          }),
        );
        expect(seen).toEqual([0, 1, 2, 3, 4]);
        expect(trials.map((t) => t?.number)).toEqual([0, 1, 2, 3, 4]);
        expect(trials.map((t) => t?.params)).toEqual(seen.map((n) => ({ n })));
        expect(new Set(trials.map((t) => t?.id)).size).toBe(5);
        expect(store.getTrials(s.id).map((t) => t.number)).toEqual([0, 1, 2, 3, 4]);
      });

      it('numbers each study independently', () => {
        const a = study('a');
        const b = study('b');
        create(a.id, waiting());
        create(a.id, waiting());
        expect(create(b.id, waiting()).number).toBe(0);
        expect(create(a.id, waiting()).number).toBe(2);
      });

      it('starts a RUNNING trial for its owner at once', () => {
        const s = study();
        const before = Date.now();
        const t = create(s.id, running('host:1:a', { lr: 0.1 }));
        expect(t).toMatchObject({
          studyId: s.id,
          number: 0,
          state: 'RUNNING',
          owner: 'host:1:a',
          attempts: 1,
          params: { lr: 0.1 },
          value: null,
          error: null,
          backend: null,
          finishedAt: null,
        });
        expect(t.startedAt).toBeGreaterThanOrEqual(before);
        expect(t.heartbeatAt).toBe(t.startedAt);
        expect(t.createdAt).toBe(t.startedAt);
        expect(store.getTrial(t.id)).toEqual(t);
      });

      it('enqueues a WAITING trial unowned and unstarted', () => {
        const s = study();
        const t = create(s.id, waiting({ lr: 0.2 }));
        expect(t).toMatchObject({ state: 'WAITING', owner: null, attempts: 0, startedAt: null, heartbeatAt: null });
      });

      it('returns null at maxTrials without calling propose, counting trials in every state', () => {
        const s = study();
        create(s.id, waiting());
        create(s.id, running('o'));
        const failed = create(s.id, running('o'));
        store.finishTrial(failed.id, 'o', { state: 'FAIL', value: null, error: 'boom', backend: 'cpu' });
        const pruned = create(s.id, running('o'));
        store.finishTrial(pruned.id, 'o', { state: 'PRUNED', value: 0.1, error: null, backend: 'cpu' });
        let calls = 0;
        const propose = (): NewTrial => {
          calls += 1;
          return waiting();
        };
        expect(store.createTrial(s.id, 5, propose)?.number).toBe(4);
        expect(store.createTrial(s.id, 5, propose)).toBeNull();
        expect(store.createTrial(s.id, 3, propose)).toBeNull();
        expect(calls).toBe(1);
        expect(store.countTrials(s.id)).toBe(5);
      });

      it('returns null when maxTrials is 0', () => {
        const s = study();
        expect(store.createTrial(s.id, 0, () => waiting())).toBeNull();
        expect(store.countTrials(s.id)).toBe(0);
      });

      it('inserts nothing and consumes no number when propose throws', () => {
        const s = study();
        expect(() =>
          store.createTrial(s.id, 10, () => {
            throw new Error('sampler failed');
          }),
        ).toThrow('sampler failed');
        expect(store.countTrials(s.id)).toBe(0);
        expect(create(s.id, waiting()).number).toBe(0);
      });

      it('refuses an unknown study and an invalid proposal with StoreError', () => {
        expect(() => store.createTrial(987654, 10, () => waiting())).toThrow(StoreError);
        const s = study();
        expect(() => store.createTrial(s.id, 10, () => ({ state: 'RUNNING', owner: null, params: {} }))).toThrow(StoreError);
        expect(store.countTrials(s.id)).toBe(0);
      });
    });

    describe('claimWaitingTrial', () => {
      it('returns null when nothing is WAITING', () => {
        const s = study();
        create(s.id, running('o'));
        expect(store.claimWaitingTrial(s.id, 'w')).toBeNull();
      });

      it('claims WAITING trials oldest number first, as RUNNING for the owner, once each', () => {
        const s = study();
        const other = study('other');
        const w0 = create(s.id, waiting({ i: 0 }));
        create(s.id, running('o'));
        const w2 = create(s.id, waiting({ i: 2 }));
        create(other.id, waiting());

        const before = Date.now();
        const first = store.claimWaitingTrial(s.id, 'w1');
        expect(first).toMatchObject({ id: w0.id, number: 0, state: 'RUNNING', owner: 'w1', attempts: 1, params: { i: 0 } });
        expect(first?.startedAt).toBeGreaterThanOrEqual(before);
        expect(first?.heartbeatAt).toBe(first?.startedAt);

        const second = store.claimWaitingTrial(s.id, 'w2');
        expect(second).toMatchObject({ id: w2.id, number: 2, state: 'RUNNING', owner: 'w2', attempts: 1 });
        expect(store.claimWaitingTrial(s.id, 'w3')).toBeNull();
        expect(store.getTrials(other.id, ['WAITING'])).toHaveLength(1);
      });
    });

    describe('finishTrial', () => {
      it('finishes a RUNNING trial once', () => {
        const s = study();
        const t = create(s.id, running('o'));
        const before = Date.now();
        const done = store.finishTrial(t.id, 'o', { state: 'COMPLETE', value: 0.75, error: null, backend: 'wasm' });
        expect(done).toMatchObject({ id: t.id, state: 'COMPLETE', value: 0.75, error: null, backend: 'wasm' });
        expect(done.finishedAt).toBeGreaterThanOrEqual(before);
        expect(store.getTrial(t.id)).toEqual(done);

        const again = () => store.finishTrial(t.id, 'o', { state: 'FAIL', value: null, error: 'x', backend: 'cpu' });
        expect(again).toThrow(TrialFinishedError);
        expect(again).toThrow('trial #0 is already COMPLETE; finished trials cannot be modified');
        expect(store.getTrial(t.id)).toEqual(done);
      });

      it('keeps the error text of a FAIL', () => {
        const s = study();
        const t = create(s.id, running('o'));
        const failed = store.finishTrial(t.id, 'o', { state: 'FAIL', value: null, error: 'NaN loss at epoch 3', backend: 'cpu' });
        expect(failed).toMatchObject({ state: 'FAIL', value: null, error: 'NaN loss at epoch 3' });
      });

      it('refuses another owner, a WAITING trial and an unknown trial with StoreError', () => {
        const s = study();
        const t = create(s.id, running('o'));
        let thrown: unknown;
        try {
          store.finishTrial(t.id, 'intruder', complete);
        } catch (err) {
          thrown = err;
        }
        expect(thrown).toBeInstanceOf(StoreError);
        expect(thrown).not.toBeInstanceOf(TrialFinishedError);
        expect(store.getTrial(t.id)?.state).toBe('RUNNING');

        const w = create(s.id, waiting());
        expect(() => store.finishTrial(w.id, 'o', complete)).toThrow(StoreError);
        expect(store.getTrial(w.id)?.state).toBe('WAITING');

        expect(() => store.finishTrial(987654, 'o', complete)).toThrow(StoreError);
      });

      it('refuses a non-finite value', () => {
        const s = study();
        const t = create(s.id, running('o'));
        expect(() => store.finishTrial(t.id, 'o', { ...complete, value: Number.NaN })).toThrow(StoreError);
        expect(store.getTrial(t.id)?.state).toBe('RUNNING');
      });

      it('stores a vector value and constraint violations with the finish, and reads them back from every query', () => {
        const s = study();
        const t = create(s.id, running('o'));
        const values = [0.875, 12_345, -0.25];
        const constraints = [-345, 0.5];
        const done = store.finishTrial(t.id, 'o', { ...complete, value: values[0]!, values, constraints });
        expect(done).toMatchObject({ state: 'COMPLETE', value: 0.875, values, constraints });
        expect(store.getTrial(t.id)).toEqual(done);
        expect(store.getTrials(s.id)).toEqual([done]);
        expect(store.getTrialsSince(s.id, -1)).toEqual([done]);
        expect(store.snapshot(() => store.getTrials(s.id, ['COMPLETE']))).toEqual([done]);
      });

      it('leaves values and constraints out of a record finished without them (single-objective rows keep their shape)', () => {
        const s = study();
        const t = create(s.id, running('o'));
        const done = store.finishTrial(t.id, 'o', complete);
        expect('values' in done).toBe(false);
        expect('constraints' in done).toBe(false);
        expect(Object.keys(store.getTrial(t.id)!)).toEqual(Object.keys(done));
      });

      it('refuses a non-finite or empty vector value without finishing the trial', () => {
        const s = study();
        const t = create(s.id, running('o'));
        expect(() => store.finishTrial(t.id, 'o', { ...complete, values: [0.5, Number.NaN] })).toThrow(StoreError);
        expect(() => store.finishTrial(t.id, 'o', { ...complete, values: [] })).toThrow(StoreError);
        expect(() => store.finishTrial(t.id, 'o', { ...complete, values: [0.5, 1], constraints: [Infinity] })).toThrow(StoreError);
        expect(store.getTrial(t.id)?.state).toBe('RUNNING');
      });
    });

    describe('heartbeat', () => {
      it('refreshes only RUNNING trials of the given owner', async () => {
        const s = study();
        const mine = create(s.id, running('me'));
        const theirs = create(s.id, running('them'));
        const queued = create(s.id, waiting());
        const done = create(s.id, running('me'));
        const finished = store.finishTrial(done.id, 'me', complete);
        await sleep(15);

        const before = Date.now();
        store.heartbeat([mine.id, theirs.id, queued.id, done.id], 'me');
        const refreshed = store.getTrial(mine.id);
        expect(refreshed?.heartbeatAt).toBeGreaterThanOrEqual(before);
        expect(refreshed).toEqual({ ...mine, heartbeatAt: refreshed?.heartbeatAt });
        expect(store.getTrial(theirs.id)).toEqual(theirs);
        expect(store.getTrial(queued.id)).toEqual(queued);
        expect(store.getTrial(done.id)).toEqual(finished);
      });

      it('accepts an empty list', () => {
        study();
        expect(() => store.heartbeat([], 'me')).not.toThrow();
      });
    });

    describe('requeueStale', () => {
      it('re-queues only RUNNING trials the predicate marks, keeping number and params', () => {
        const s = study();
        const params = { lr: 0.1, sources: ['a', 'b'] };
        const stale = create(s.id, running('dead', params));
        const alive = create(s.id, running('alive'));
        const queued = create(s.id, waiting());
        const finishedByDead = create(s.id, running('dead'));
        const finished = store.finishTrial(finishedByDead.id, 'dead', complete);

        const judged: TrialRecord[] = [];
        const requeued = store.requeueStale(s.id, (t) => {
          judged.push(t);
          return t.owner === 'dead';
        });

        expect(judged.map((t) => t.number).sort((a, b) => a - b)).toEqual([stale.number, alive.number]);
        expect(judged.every((t) => t.state === 'RUNNING')).toBe(true);
        expect(requeued).toHaveLength(1);
        expect(requeued[0]).toMatchObject({ id: stale.id, number: stale.number, params, state: 'WAITING', owner: null, attempts: 1 });
        expect(store.getTrial(stale.id)).toEqual(requeued[0]);
        expect(store.getTrial(alive.id)).toEqual(alive);
        expect(store.getTrial(queued.id)).toEqual(queued);
        expect(store.getTrial(finished.id)).toEqual(finished);
      });

      it('lets a re-queued trial be claimed again, counting the attempt, and keeps its units', () => {
        const s = study();
        const t = create(s.id, running('dead', { lr: 0.3 }));
        store.recordUnit(t.id, 't1', 0, { accuracy: 0.9 });
        store.recordIntermediate(t.id, 1, 0.4);
        store.requeueStale(s.id, () => true);

        const again = store.claimWaitingTrial(s.id, 'new');
        expect(again).toMatchObject({ id: t.id, number: 0, params: { lr: 0.3 }, state: 'RUNNING', owner: 'new', attempts: 2 });
        expect(store.getUnits(t.id)).toHaveLength(1);
        // The resumed run may re-record what the first attempt already stored.
        store.recordUnit(t.id, 't1', 0, { accuracy: 0.9 });
        store.recordIntermediate(t.id, 1, 0.4);
        store.recordUnit(t.id, 't1', 1, { accuracy: 0.8 });
        expect(store.getUnits(t.id).map((u) => u.seed)).toEqual([0, 1]);
        expect(store.finishTrial(t.id, 'new', complete).state).toBe('COMPLETE');
        expect(() => store.finishTrial(t.id, 'dead', complete)).toThrow(TrialFinishedError);
      });

      it('returns an empty list when nothing is stale', () => {
        const s = study();
        create(s.id, running('o'));
        expect(store.requeueStale(s.id, () => false)).toEqual([]);
      });
    });

    describe('queries', () => {
      it('getTrials and countTrials filter by state and order by number', () => {
        const s = study();
        const a = create(s.id, running('o'));
        create(s.id, waiting());
        const c = create(s.id, running('o'));
        store.finishTrial(a.id, 'o', complete);
        expect(store.getTrials(s.id).map((t) => t.state)).toEqual(['COMPLETE', 'WAITING', 'RUNNING']);
        expect(store.getTrials(s.id, ['RUNNING', 'WAITING']).map((t) => t.number)).toEqual([1, 2]);
        expect(store.getTrials(s.id, ['PRUNED'])).toEqual([]);
        expect(store.getTrials(s.id, [])).toEqual([]);
        expect(store.countTrials(s.id)).toBe(3);
        expect(store.countTrials(s.id, ['COMPLETE', 'RUNNING'])).toBe(2);
        expect(store.countTrials(s.id, [])).toBe(0);
        expect(store.getTrial(c.id)?.number).toBe(2);
        expect(store.getTrial(987654)).toBeNull();
      });

      it('getTrialsSince returns the trials numbered above a number, in order, current state, this study only', () => {
        const s = study();
        const other = study('other');
        const trials = [0, 1, 2, 3].map(() => create(s.id, running('o')));
        create(other.id, running('o'));
        store.finishTrial(trials[2]!.id, 'o', complete);
        expect(store.getTrialsSince(s.id, -1)).toEqual(store.getTrials(s.id));
        const since = store.getTrialsSince(s.id, 1);
        expect(since.map((t) => [t.number, t.state])).toEqual([
          [2, 'COMPLETE'],
          [3, 'RUNNING'],
        ]);
        expect(since[0]).toEqual(store.getTrial(trials[2]!.id));
        expect(store.getTrialsSince(s.id, 3)).toEqual([]);
        expect(store.getTrialsSince(other.id, -1).map((t) => t.number)).toEqual([0]);
        expect(() => store.getTrialsSince(s.id, 1.5)).toThrow(StoreError);
        expect(() => store.getTrialsSince(s.id, -2)).toThrow(StoreError);
      });
    });

    describe('units', () => {
      it('round-trip, ordered by target then seed', () => {
        const s = study();
        const t = create(s.id, running('o'));
        const before = Date.now();
        store.recordUnit(t.id, 'tb', 1, { accuracy: 0.5 });
        store.recordUnit(t.id, 'ta', 1, { accuracy: 0.6, perRung: [0.1, 0.2] });
        store.recordUnit(t.id, 'ta', 0, { accuracy: 0.7, gain: -0.05 });
        const units = store.getUnits(t.id);
        expect(units.map((u) => [u.target, u.seed])).toEqual([
          ['ta', 0],
          ['ta', 1],
          ['tb', 1],
        ]);
        expect(units[0]).toMatchObject({ trialId: t.id, result: { accuracy: 0.7, gain: -0.05 } });
        expect(units[1]?.result).toEqual({ accuracy: 0.6, perRung: [0.1, 0.2] });
        expect(units[0]?.createdAt).toBeGreaterThanOrEqual(before);
      });

      it('ignores an identical re-record (key order aside) and refuses a different one', () => {
        const s = study();
        const t = create(s.id, running('o'));
        store.recordUnit(t.id, 't1', 0, { a: 1, b: [true, 'x'] });
        store.recordUnit(t.id, 't1', 0, { b: [true, 'x'], a: 1 });
        expect(store.getUnits(t.id)).toHaveLength(1);
        expect(() => store.recordUnit(t.id, 't1', 0, { a: 2, b: [true, 'x'] })).toThrow(StoreError);
        expect(store.getUnits(t.id)[0]?.result).toEqual({ a: 1, b: [true, 'x'] });
      });

      it('are refused on a finished trial with TrialFinishedError, and on a WAITING one with StoreError', () => {
        const s = study();
        const t = create(s.id, running('o'));
        store.recordUnit(t.id, 't1', 0, { a: 1 });
        store.finishTrial(t.id, 'o', complete);
        expect(() => store.recordUnit(t.id, 't1', 1, { a: 1 })).toThrow(TrialFinishedError);
        expect(() => store.recordUnit(t.id, 't1', 0, { a: 1 })).toThrow(TrialFinishedError);
        expect(store.getUnits(t.id)).toHaveLength(1);

        const w = create(s.id, waiting());
        expect(() => store.recordUnit(w.id, 't1', 0, { a: 1 })).toThrow(StoreError);
        expect(() => store.recordUnit(987654, 't1', 0, { a: 1 })).toThrow(StoreError);
      });

      it('getStudyUnits returns the units of every trial of that study only', () => {
        const s = study('s');
        const other = study('other');
        const t0 = create(s.id, running('o'));
        const t1 = create(s.id, running('o'));
        const x = create(other.id, running('o'));
        store.recordUnit(t1.id, 't1', 0, { v: 1 });
        store.recordUnit(t0.id, 't1', 0, { v: 0 });
        store.recordUnit(t0.id, 't2', 0, { v: 2 });
        store.recordUnit(x.id, 't1', 0, { v: 9 });
        store.finishTrial(t0.id, 'o', complete);
        const units = store.getStudyUnits(s.id);
        expect(units.map((u) => [u.trialId, u.target, u.result])).toEqual([
          [t0.id, 't1', { v: 0 }],
          [t0.id, 't2', { v: 2 }],
          [t1.id, 't1', { v: 1 }],
        ]);
        expect(store.getStudyUnits(other.id)).toHaveLength(1);
      });
    });

    describe('artifacts', () => {
      // Every byte value, an odd length, and an offset view into a larger buffer: what goes in comes out.
      const weightsOf = (n: number, salt = 0): Uint8Array => {
        const backing = new Uint8Array(n + 8);
        for (let i = 0; i < backing.length; i++) backing[i] = (i * 31 + salt) % 256;
        return backing.subarray(3, 3 + n);
      };
      const model = (tag: string): Json => ({ meta: { format: 'tasksieve-model/1', tag }, topology: { layers: [1, 2] }, weightSpecs: [] });

      it('are written with their unit and read back byte-equal, by trial, target and seed', () => {
        const s = study();
        const t = create(s.id, running('o'));
        const weights = weightsOf(1001);
        store.recordUnit(t.id, 't1', 0, { accuracy: 0.5 }, { model: model('a'), weights });
        store.recordUnit(t.id, 't1', 1, { accuracy: 0.6 }, { model: model('b'), weights: new Uint8Array(0) });
        store.recordUnit(t.id, 't2', 0, { accuracy: 0.7 });
        const a = store.getArtifact(t.id, 't1', 0);
        expect(a).toMatchObject({ trialId: t.id, target: 't1', seed: 0, model: model('a') });
        expect(a?.weights).toBeInstanceOf(Uint8Array);
        expect(Buffer.compare(Buffer.from(a!.weights), Buffer.from(weights))).toBe(0);
        expect(a!.weights.byteLength).toBe(1001);
        expect(store.getArtifact(t.id, 't1', 1)?.weights.byteLength).toBe(0);
        expect(store.getArtifact(t.id, 't2', 0)).toBeNull();
        expect(store.getArtifact(t.id, 't1', 7)).toBeNull();
        expect(store.getUnits(t.id)).toHaveLength(3);
        expect(store.getStudyArtifacts(s.id).map((i) => [i.trialNumber, i.target, i.seed, i.weightBytes])).toEqual([
          [0, 't1', 0, 1001],
          [0, 't1', 1, 0],
        ]);
        expect(store.getStudyArtifacts(s.id)[0]!.modelBytes).toBeGreaterThan(20);
      });

      it('are never written without their unit: a refused unit stores no model, and a finished trial takes none', () => {
        const s = study();
        const t = create(s.id, running('o'));
        store.recordUnit(t.id, 't1', 0, { a: 1 });
        expect(() => store.recordUnit(t.id, 't1', 0, { a: 2 }, { model: model('x'), weights: weightsOf(10) })).toThrow(StoreError);
        expect(store.getArtifact(t.id, 't1', 0)).toBeNull();
        // An identical re-record adds the model a unit lacked; a second model is ignored (written once).
        store.recordUnit(t.id, 't1', 0, { a: 1 }, { model: model('first'), weights: weightsOf(10, 1) });
        store.recordUnit(t.id, 't1', 0, { a: 1 }, { model: model('second'), weights: weightsOf(10, 2) });
        expect(store.getArtifact(t.id, 't1', 0)?.model).toEqual(model('first'));
        store.finishTrial(t.id, 'o', complete);
        expect(() => store.recordUnit(t.id, 't1', 1, { a: 1 }, { model: model('y'), weights: weightsOf(4) })).toThrow(TrialFinishedError);
        expect(() => store.recordUnit(t.id, 't1', 0, { a: 1 }, { model: model('y'), weights: weightsOf(4) })).toThrow(TrialFinishedError);
        expect(store.getArtifact(t.id, 't1', 1)).toBeNull();
        const w = create(s.id, waiting());
        expect(() => store.recordUnit(w.id, 't1', 0, { a: 1 }, { model: model('z'), weights: weightsOf(4) })).toThrow(StoreError);
        expect(store.getStudyArtifacts(s.id)).toHaveLength(1);
      });

      it('refuse a model that is not a JSON object or weights that are not bytes', () => {
        const t = create(study().id, running('o'));
        expect(() => store.recordUnit(t.id, 't1', 0, { a: 1 }, { model: [1] as Json, weights: weightsOf(1) })).toThrow(StoreError);
        expect(() => store.recordUnit(t.id, 't1', 0, { a: 1 }, { model: {}, weights: [1, 2] as unknown as Uint8Array })).toThrow(StoreError);
        expect(store.getUnits(t.id)).toEqual([]);
      });

      it('deleteArtifacts drops the models of the given trials only, finished or not, and keeps their units', () => {
        const s = study();
        const t0 = create(s.id, running('o'));
        const t1 = create(s.id, running('o'));
        store.recordUnit(t0.id, 't1', 0, { v: 0 }, { model: model('0'), weights: weightsOf(5) });
        store.recordUnit(t1.id, 't1', 0, { v: 1 }, { model: model('1'), weights: weightsOf(5) });
        store.finishTrial(t0.id, 'o', complete);
        expect(store.deleteArtifacts([])).toBe(0);
        expect(store.deleteArtifacts([t0.id, 987654])).toBe(1);
        expect(store.getArtifact(t0.id, 't1', 0)).toBeNull();
        expect(store.getUnits(t0.id)).toHaveLength(1);
        expect(store.getArtifact(t1.id, 't1', 0)?.model).toEqual(model('1'));
        expect(store.deleteArtifacts([t1.id])).toBe(1);
        expect(store.getStudyArtifacts(s.id)).toEqual([]);
      });

      it('keepBestArtifacts keeps the best COMPLETE trial and every unfinished one, drops the other finished ones', () => {
        const s = study();
        const minimized = store.getOrCreateStudy('low', SPEC, 'minimize').study;
        const withModel = (studyId: number, finish: { state: 'COMPLETE' | 'PRUNED' | 'FAIL'; value: number | null } | null): TrialRecord => {
          const t = create(studyId, running('o'));
          store.recordUnit(t.id, 't1', 0, { n: t.number }, { model: model(String(t.number)), weights: weightsOf(3) });
          store.recordUnit(t.id, 't1', 1, { n: t.number }, { model: model(String(t.number)), weights: weightsOf(3) });
          if (finish !== null) store.finishTrial(t.id, 'o', { ...finish, error: finish.state === 'FAIL' ? 'x' : null, backend: null });
          return t;
        };
        expect(store.keepBestArtifacts(s.id)).toEqual({ best: null, deleted: 0 });
        const a = withModel(s.id, { state: 'COMPLETE', value: 0.5 });
        const b = withModel(s.id, { state: 'COMPLETE', value: 0.7 });
        const c = withModel(s.id, { state: 'COMPLETE', value: 0.7 }); // a tie: the lower number wins
        const d = withModel(s.id, { state: 'PRUNED', value: 0.9 });
        const e = withModel(s.id, { state: 'FAIL', value: null });
        const f = withModel(s.id, null); // still running: it may become the best
        const lowA = withModel(minimized.id, { state: 'COMPLETE', value: 0.5 });
        const lowB = withModel(minimized.id, { state: 'COMPLETE', value: 0.2 });
        const kept = store.keepBestArtifacts(s.id);
        expect(kept.best?.id).toBe(b.id);
        expect(kept.deleted).toBe(8);
        const left = (studyId: number) => [...new Set(store.getStudyArtifacts(studyId).map((i) => i.trialId))];
        expect(left(s.id)).toEqual([b.id, f.id]);
        expect(left(minimized.id)).toEqual([lowA.id, lowB.id]);
        expect(store.keepBestArtifacts(s.id)).toMatchObject({ deleted: 0 });
        expect(store.keepBestArtifacts(minimized.id)).toMatchObject({ best: { id: lowB.id }, deleted: 2 });
        expect(left(minimized.id)).toEqual([lowB.id]);
        for (const t of [a, c, d, e]) expect(store.getUnits(t.id)).toHaveLength(2);
        expect(() => store.keepBestArtifacts(987654)).toThrow(StoreError);
      });

      it('keepArtifactsOf hands the rule the finished trials only, keeps what it returns and every unfinished trial', () => {
        const s = store.getOrCreateStudy('kept-by-rule', SPEC, 'maximize').study;
        const withModel = (finish: { state: 'COMPLETE' | 'PRUNED' | 'FAIL'; value: number | null } | null): TrialRecord => {
          const t = create(s.id, running('o'));
          store.recordUnit(t.id, 't1', 0, { n: t.number }, { model: model(String(t.number)), weights: weightsOf(3) });
          if (finish !== null) store.finishTrial(t.id, 'o', { ...finish, error: finish.state === 'FAIL' ? 'x' : null, backend: null });
          return t;
        };
        const a = withModel({ state: 'COMPLETE', value: 0.5 });
        const b = withModel({ state: 'COMPLETE', value: 0.7 });
        const c = withModel({ state: 'PRUNED', value: 0.9 });
        const d = withModel({ state: 'FAIL', value: null });
        const e = withModel(null);
        let seen: number[] = [];
        const kept = store.keepArtifactsOf(s.id, (finished) => {
          seen = finished.map((t) => t.id);
          return [a.id, b.id, e.id]; // e is unfinished: its models are never the rule's to judge
        });
        expect(seen).toEqual([a.id, b.id, c.id, d.id]);
        expect(kept.kept.map((t) => t.id)).toEqual([a.id, b.id]);
        expect(kept.deleted).toBe(2);
        const left = () => [...new Set(store.getStudyArtifacts(s.id).map((i) => i.trialId))].sort((x, y) => x - y);
        expect(left()).toEqual([a.id, b.id, e.id]);
        expect(store.keepArtifactsOf(s.id, () => [])).toMatchObject({ kept: [], deleted: 2 });
        expect(left()).toEqual([e.id]);
        for (const t of [a, b, c, d]) expect(store.getUnits(t.id)).toHaveLength(1);
        expect(() => store.keepArtifactsOf(987654, () => [])).toThrow(StoreError);
      });
    });

    describe('intermediates', () => {
      it('round-trip, ordered by step', () => {
        const s = study();
        const t = create(s.id, running('o'));
        store.recordIntermediate(t.id, 3, 0.9);
        store.recordIntermediate(t.id, 1, 0.1);
        store.recordIntermediate(t.id, 9, -2.5);
        expect(store.getIntermediates(t.id)).toEqual([
          { trialId: t.id, step: 1, value: 0.1 },
          { trialId: t.id, step: 3, value: 0.9 },
          { trialId: t.id, step: 9, value: -2.5 },
        ]);
        expect(store.getIntermediates(987654)).toEqual([]);
      });

      it('ignores an identical re-record, refuses a different one and a non-finite value', () => {
        const s = study();
        const t = create(s.id, running('o'));
        store.recordIntermediate(t.id, 1, 0.5);
        store.recordIntermediate(t.id, 1, 0.5);
        expect(() => store.recordIntermediate(t.id, 1, 0.6)).toThrow(StoreError);
        expect(() => store.recordIntermediate(t.id, 2, Number.NaN)).toThrow(StoreError);
        expect(store.getIntermediates(t.id)).toEqual([{ trialId: t.id, step: 1, value: 0.5 }]);
      });

      it('are refused on a finished trial with TrialFinishedError', () => {
        const s = study();
        const t = create(s.id, running('o'));
        store.recordIntermediate(t.id, 1, 0.5);
        store.finishTrial(t.id, 'o', { state: 'PRUNED', value: 0.5, error: null, backend: 'cpu' });
        expect(() => store.recordIntermediate(t.id, 2, 0.6)).toThrow(TrialFinishedError);
        expect(() => store.recordIntermediate(t.id, 2, 0.6)).toThrow(
          'trial #0 is already PRUNED; finished trials cannot be modified',
        );
        expect(store.getIntermediates(t.id)).toHaveLength(1);
      });

      it('with a finish, in the same transaction: both or neither (a race stop and its rung value)', () => {
        const s = study();
        const t = create(s.id, running('o'));
        const pruned = store.finishTrial(t.id, 'o', { state: 'PRUNED', value: 0.3, error: null, backend: 'cpu', intermediate: { step: 4, value: 0.3 } });
        expect(pruned).toMatchObject({ state: 'PRUNED', value: 0.3 });
        expect(store.getIntermediates(t.id)).toEqual([{ trialId: t.id, step: 4, value: 0.3 }]);
        expect(store.getStudyIntermediates(s.id, 4)).toEqual([{ trialId: t.id, trialNumber: 0, state: 'PRUNED', step: 4, value: 0.3 }]);
        // The same value already recorded is kept; a different one refuses the finish, which then leaves nothing.
        const same = create(s.id, running('o'));
        store.recordIntermediate(same.id, 4, 0.5);
        store.finishTrial(same.id, 'o', { state: 'PRUNED', value: 0.5, error: null, backend: 'cpu', intermediate: { step: 4, value: 0.5 } });
        expect(store.getTrial(same.id)!.state).toBe('PRUNED');
        const other = create(s.id, running('o'));
        store.recordIntermediate(other.id, 4, 0.5);
        expect(() =>
          store.finishTrial(other.id, 'o', { state: 'PRUNED', value: 0.6, error: null, backend: 'cpu', intermediate: { step: 4, value: 0.6 } }),
        ).toThrow('trial #2 already has value 0.5 at step 4; an intermediate value is recorded once');
        expect(store.getTrial(other.id)!.state).toBe('RUNNING');
        expect(store.getIntermediates(other.id)).toEqual([{ trialId: other.id, step: 4, value: 0.5 }]);
        // A finish refused for its owner records no value either.
        const theirs = create(s.id, running('o'));
        expect(() =>
          store.finishTrial(theirs.id, 'x', { state: 'PRUNED', value: 0.1, error: null, backend: 'cpu', intermediate: { step: 4, value: 0.1 } }),
        ).toThrow(StoreError);
        expect(store.getIntermediates(theirs.id)).toEqual([]);
        expect(() =>
          store.finishTrial(theirs.id, 'o', { state: 'PRUNED', value: 0.1, error: null, backend: 'cpu', intermediate: { step: 4, value: Number.NaN } }),
        ).toThrow(StoreError);
        expect(store.getTrial(theirs.id)!.state).toBe('RUNNING');
      });

      it('of a whole study at one step: every trial, any state, in number order, other studies and steps left out', () => {
        const s = study();
        const other = study('other');
        const t0 = create(s.id, running('o'));
        const t1 = create(s.id, running('o'));
        const t2 = create(s.id, running('o'));
        const x = create(other.id, running('o'));
        store.recordIntermediate(t2.id, 3, 0.7);
        store.recordIntermediate(t0.id, 3, 0.2);
        store.recordIntermediate(t0.id, 1, 0.1);
        store.recordIntermediate(t1.id, 1, 0.4);
        store.recordIntermediate(x.id, 3, 0.9);
        store.finishTrial(t0.id, 'o', { state: 'PRUNED', value: 0.2, error: null, backend: 'cpu' });
        expect(store.getStudyIntermediates(s.id, 3)).toEqual([
          { trialId: t0.id, trialNumber: 0, state: 'PRUNED', step: 3, value: 0.2 },
          { trialId: t2.id, trialNumber: 2, state: 'RUNNING', step: 3, value: 0.7 },
        ]);
        expect(store.getStudyIntermediates(s.id, 1).map((r) => [r.trialNumber, r.value])).toEqual([
          [0, 0.1],
          [1, 0.4],
        ]);
        expect(store.getStudyIntermediates(s.id, 2)).toEqual([]);
        expect(store.getStudyIntermediates(987654, 3)).toEqual([]);
      });
    });

    describe('baselines', () => {
      it('are null when absent and first write wins', () => {
        const s = study();
        expect(store.getBaseline(s.id, 'k')).toBeNull();
        store.putBaseline(s.id, 'k', { accuracy: 0.61, seeds: [0, 1] });
        store.putBaseline(s.id, 'k', { accuracy: 0.99 });
        expect(store.getBaseline(s.id, 'k')).toEqual({ accuracy: 0.61, seeds: [0, 1] });
      });

      it('are kept per study and per key', () => {
        const a = study('a');
        const b = study('b');
        store.putBaseline(a.id, 'k', 1);
        store.putBaseline(b.id, 'k', 2);
        store.putBaseline(a.id, 'k2', 'x');
        expect(store.getBaseline(a.id, 'k')).toBe(1);
        expect(store.getBaseline(b.id, 'k')).toBe(2);
        expect(store.getBaseline(a.id, 'k2')).toBe('x');
        expect(store.getBaseline(b.id, 'k2')).toBeNull();
      });

      it("getBaselines lists one study's baselines by key, first write kept, and refuses an unknown study on write", () => {
        const a = study('a');
        const b = study('b');
        const before = Date.now();
        store.putBaseline(a.id, 'z', { accuracy: 0.5 });
        store.putBaseline(a.id, 'm', [1, 2]);
        store.putBaseline(a.id, 'z', { accuracy: 0.9 });
        store.putBaseline(b.id, 'k', 3);
        const listed = store.getBaselines(a.id);
        expect(listed.map(({ studyId, key, result }) => ({ studyId, key, result }))).toEqual([
          { studyId: a.id, key: 'm', result: [1, 2] },
          { studyId: a.id, key: 'z', result: { accuracy: 0.5 } },
        ]);
        expect(listed.every((x) => x.createdAt >= before && x.createdAt <= Date.now())).toBe(true);
        expect(store.getBaselines(987654)).toEqual([]);
        expect(() => store.putBaseline(987654, 'k', 1)).toThrow(StoreError);
      });
    });

    describe('screens', () => {
      const table = { sources: [{ source: 'a', score: { leep: -0.5, logme: 1.25 } }], ranking: { leep: ['a'] } };

      it('are null when absent and first write wins', () => {
        const s = study();
        expect(store.getScreen(s.id)).toBeNull();
        expect(store.getScreenRecord(s.id)).toBeNull();
        const before = Date.now();
        store.putScreen(s.id, table);
        // A second process that screened the same study concurrently: its table is not kept.
        store.putScreen(s.id, { sources: [], ranking: {} });
        expect(store.getScreen(s.id)).toEqual(table);
        const record = store.getScreenRecord(s.id)!;
        expect(record.studyId).toBe(s.id);
        expect(record.result).toEqual(table);
        expect(record.createdAt).toBeGreaterThanOrEqual(before);
        expect(record.createdAt).toBeLessThanOrEqual(Date.now());
      });

      it('are kept per study, apart from the baselines', () => {
        const a = study('a');
        const b = study('b');
        store.putScreen(a.id, table);
        expect(store.getScreen(b.id)).toBeNull();
        store.putScreen(b.id, [1, 2]);
        expect(store.getScreen(a.id)).toEqual(table);
        expect(store.getScreen(b.id)).toEqual([1, 2]);
        expect(store.getBaselines(a.id)).toEqual([]);
        expect(store.getScreen(987654)).toBeNull();
      });

      it('refuse an unknown study and non-finite numbers, storing nothing', () => {
        const s = study();
        expect(() => store.putScreen(987654, table)).toThrow(StoreError);
        expect(() => store.putScreen(987654, table)).toThrow('unknown study id 987654');
        expect(() => store.putScreen(s.id, { score: Number.NaN })).toThrow(StoreError);
        expect(store.getScreen(s.id)).toBeNull();
      });
    });

    describe('JSON round-trip', () => {
      const nested = {
        lr: 0.1,
        momentum: 0.9,
        tiny: 1e-7,
        third: 1 / 3,
        negative: -3.5,
        big: Number.MAX_SAFE_INTEGER,
        zero: 0,
        layers: [64, 128, 64],
        sources: ['iris-a', 'iris-b', 'ünïcødé "quoted"'],
        flags: { batchNorm: true, dropout: false, nested: { deeper: [[1, 2], [], [{ x: null }]] } },
        none: null,
        empty: {},
        text: '',
      } as const;

      it('keeps nested params exactly (0.1 stays 0.1)', () => {
        const s = study();
        const t = create(s.id, waiting(nested));
        const read = store.getTrial(t.id);
        expect(read?.params).toEqual(nested);
        expect(read?.params['lr']).toBe(0.1);
        expect(read?.params['third']).toBe(1 / 3);
        expect(store.claimWaitingTrial(s.id, 'o')?.params).toEqual(nested);
      });

      it('keeps study specs, unit results and baselines exactly', () => {
        const { study: s } = store.getOrCreateStudy('json', nested, 'maximize');
        expect(store.getStudy('json')?.spec).toEqual(nested);
        const t = create(s.id, running('o'));
        store.recordUnit(t.id, 't', 0, nested);
        expect(store.getUnits(t.id)[0]?.result).toEqual(nested);
        store.putBaseline(s.id, 'k', nested);
        expect(store.getBaseline(s.id, 'k')).toEqual(nested);
        const scalars: Json[] = [0.1, 'text', true, false, [0.1, 'a']];
        for (const scalar of scalars) {
          const key = `scalar-${JSON.stringify(scalar)}`;
          store.putBaseline(s.id, key, scalar);
          expect(store.getBaseline(s.id, key)).toEqual(scalar);
        }
      });

      it('refuses non-finite numbers instead of storing them as null', () => {
        const s = study();
        const t = create(s.id, running('o'));
        expect(() => store.recordUnit(t.id, 't', 0, { loss: Number.NaN })).toThrow(StoreError);
        expect(() => store.putBaseline(s.id, 'k', { loss: Number.POSITIVE_INFINITY })).toThrow(StoreError);
        expect(() => store.createTrial(s.id, 10, () => waiting({ lr: Number.NaN }))).toThrow(StoreError);
        expect(store.getUnits(t.id)).toEqual([]);
        expect(store.getBaseline(s.id, 'k')).toBeNull();
        expect(store.countTrials(s.id)).toBe(1);
      });
    });

    describe('snapshot', () => {
      it('returns what fn returns, reading committed data, and lets a thrown error through with the store still usable', () => {
        const s = study();
        const t = create(s.id, running('o'));
        store.recordUnit(t.id, 't1', 0, { accuracy: 0.5 });
        const seen = store.snapshot(() => ({
          study: store.getStudy('study')?.id,
          trials: store.getTrials(s.id).map((x) => x.number),
          units: store.getStudyUnits(s.id).length,
        }));
        expect(seen).toEqual({ study: s.id, trials: [0], units: 1 });
        expect(() =>
          store.snapshot(() => {
            throw new Error('reader failed');
          }),
        ).toThrow('reader failed');
        expect(store.countTrials(s.id)).toBe(1);
        expect(create(s.id, waiting()).number).toBe(1);
      });
    });

    describe('close', () => {
      it('is idempotent', () => {
        store.close();
        expect(() => store.close()).not.toThrow();
      });
    });
  });
}
