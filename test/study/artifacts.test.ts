// A unit's model into the store and back (src/study/artifacts.ts): the origin is filled in, the
// weights come back byte-equal, and a stored model this version cannot use — another format, a
// field of the wrong type, weights of the wrong size — is refused with one line, never cast.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ARTIFACT_FORMAT, type ModelArtifact } from '../../src/spec/artifacts.js';
import type { Json } from '../../src/spec/records.js';
import { artifactFromRecord, artifactToStore, keepArtifacts, readStoredArtifact } from '../../src/study/artifacts.js';
import { paretoTrialIds } from '../../src/study/pareto.js';
import { StoredRecordError, weightBytes } from '../../src/study/decoders.js';
import { tempDir } from '../helpers/cli.js';
import { sqliteStoresClosedAfterEach } from '../helpers/sqlite-stores.js';

const open = sqliteStoresClosedAfterEach();
const metrics = { accuracy: 0.5, macro_f1: 0.4, macro_recall: 0.45, confusion: [[3, 1], [2, 4]] };

function artifact(): ModelArtifact {
  const weights = new Uint8Array(4 * 6 + 3);
  for (let i = 0; i < weights.length; i++) weights[i] = (i * 37) % 256;
  return {
    meta: {
      format: ARTIFACT_FORMAT,
      kind: 'mlp',
      featureNames: ['a', 'b'],
      classNames: ['no', 'yes', 'maybe'],
      preprocessing: { scaling: { kind: 'standard', offset: [0, 1], scale: [1, 2], fit: 'target' } },
      recipe: { strategy: 'finetune', optimizer: 'adam', learning_rate: 0.01, batch_size: 16, pretrain_epochs: 2, epochs: 3, freeze_layers: 0, dropout: 0 },
      metrics,
      backend: 'wasm',
      sparsity: 0.25,
    },
    topology: { class_name: 'Sequential', config: { layers: [] } },
    weightSpecs: [
      { name: 'dense/kernel', shape: [2, 3], dtype: 'float32' },
      { name: 'dense/bias', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.1, min: -0.2 } },
    ],
    weights,
  };
}

function storedStudy() {
  const store = open(join(tempDir('tasksieve-artifacts-'), 'a.db'));
  const { study } = store.getOrCreateStudy('s', {}, 'maximize');
  const trial = store.createTrial(study.id, 10, () => ({ state: 'RUNNING', owner: 'o', params: {} }))!;
  return { store, study, trial };
}

describe('stored model artifacts', () => {
  it('go in with their origin and come back decoded, weights byte-equal', () => {
    const { store, study, trial } = storedStudy();
    const model = artifact();
    expect(weightBytes(model.weightSpecs)).toBe(model.weights.byteLength);
    const origin = { study: 's', trial: trial.number, target: 'goal', seedIndex: 1 };
    store.recordUnit(trial.id, 'goal', 1, { v: 1 }, artifactToStore(model, origin));
    const back = readStoredArtifact(store, study, trial.number, 'goal', 1)!;
    expect(back.meta).toEqual({ ...model.meta, origin });
    expect(back.topology).toEqual(model.topology);
    expect(back.weightSpecs).toEqual(model.weightSpecs);
    expect(Buffer.from(back.weights).equals(Buffer.from(model.weights))).toBe(true);
    expect(readStoredArtifact(store, study, trial.number, 'goal', 0)).toBeNull();
    expect(readStoredArtifact(store, study, trial.number + 1, 'goal', 1)).toBeNull();
  });

  it('refuse another format, a wrongly typed field, a missing topology and weights of the wrong size', () => {
    const model = artifactToStore(artifact(), { study: 's', trial: 0, target: 'goal', seedIndex: 0 });
    const record = (json: Json, weights = model.weights) => ({ trialId: 1, target: 'goal', seed: 0, model: json, weights, createdAt: 0 });
    const meta = (model.model as { meta: Record<string, Json> }).meta;
    const withMeta = (patch: Record<string, Json>): Json => ({ ...(model.model as Record<string, Json>), meta: { ...meta, ...patch } });
    const refused = (json: Json, weights?: Uint8Array) => {
      try {
        artifactFromRecord(record(json, weights), 'the model');
      } catch (error) {
        expect(error).toBeInstanceOf(StoredRecordError);
        return (error as Error).message;
      }
      throw new Error('not refused');
    };
    expect(refused(withMeta({ format: 'tasksieve-model/2' }))).toMatch(/^the model: meta\.format: expected one of tasksieve-model\/1/);
    expect(refused(withMeta({ classNames: [1, 2] }))).toMatch(/meta\.classNames\[0\]: expected a string/);
    expect(refused(withMeta({ unknown: true }))).toMatch(/meta\.unknown/);
    const { topology: _gone, ...noTopology } = model.model as Record<string, Json>;
    expect(refused(noTopology)).toMatch(/topology: missing/);
    expect(refused(model.model, model.weights.subarray(1))).toMatch(/weights hold 26 bytes, the weight specs need 27/);
    expect(artifactFromRecord(record(model.model), 'ok').meta.classNames).toEqual(['no', 'yes', 'maybe']);
  });

  it('keepArtifacts drops superseded models under best only', () => {
    const { store, study, trial } = storedStudy();
    const other = store.createTrial(study.id, 10, () => ({ state: 'RUNNING', owner: 'o', params: {} }))!;
    for (const t of [trial, other]) {
      store.recordUnit(t.id, 'goal', 0, { v: t.number }, artifactToStore(artifact(), { study: 's', trial: t.number, target: 'goal', seedIndex: 0 }));
      store.finishTrial(t.id, 'o', { state: 'COMPLETE', value: t.number === 0 ? 0.4 : 0.6, error: null, backend: 'wasm' });
    }
    expect(keepArtifacts(store, study.id, 'all', {})).toBeNull();
    expect(keepArtifacts(store, study.id, 'none', {})).toBeNull();
    expect(store.getStudyArtifacts(study.id)).toHaveLength(2);
    expect(keepArtifacts(store, study.id, 'best', {})).toMatchObject({ best: { number: 1 }, deleted: 1 });
    expect(store.getStudyArtifacts(study.id).map((a) => a.trialNumber)).toEqual([1]);
  });
});

describe('the models a multi-objective study keeps', () => {
  const objectives = [
    { metric: 'accuracy', direction: 'maximize', aggregate: 'mean' },
    { metric: 'bytes', direction: 'minimize', aggregate: 'mean' },
  ] as const;
  const trial = (id: number, state: 'COMPLETE' | 'PRUNED' | 'FAIL', values?: number[], constraints?: number[]) => ({
    id, studyId: 1, number: id, state, params: {}, value: values?.[0] ?? null,
    ...(values ? { values } : {}), ...(constraints ? { constraints } : {}),
    error: null, backend: null, owner: null, attempts: 1, createdAt: 0, startedAt: 0, finishedAt: 0, heartbeatAt: null,
  });

  it('are those of the feasible Pareto front: dominated, infeasible, pruned and failed trials go', () => {
    const trials = [
      trial(1, 'COMPLETE', [0.9, 5000], [-1]), // front: most accurate
      trial(2, 'COMPLETE', [0.7, 1000], [-1]), // front: smallest feasible
      trial(3, 'COMPLETE', [0.6, 3000], [-1]), // dominated by 2
      trial(4, 'COMPLETE', [0.95, 500], [2]), // would dominate all, but violates its constraint
      trial(5, 'PRUNED', [0.99, 10], [-1]),
      trial(6, 'FAIL'),
      trial(7, 'COMPLETE', [0.9, 5000], [-1]), // equal to 1: both kept
    ];
    expect(paretoTrialIds({ objectives: [...objectives] }, trials).sort()).toEqual([1, 2, 7]);
    // Monotone: with more trials, a dropped one is still dropped.
    const more = [...trials, trial(8, 'COMPLETE', [0.92, 900], [-1])];
    // 8 dominates 1, 2 and 7: only it stays; 3 and 4 stay dropped.
    expect(paretoTrialIds({ objectives: [...objectives] }, more)).toEqual([8]);
  });
});
