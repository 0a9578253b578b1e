// A unit's trained model on its way into the store and back out (artifacts: best | all): the
// ModelArtifact a worker returned becomes a JSON part (meta with its origin, topology, weight specs)
// and the weights' bytes; what is read back is decoded and size-checked, never cast. Main thread;
// reads and writes through the Store only.
import type { ModelArtifact, ModelMeta } from '../spec/artifacts.js';
import type { ArtifactRecord, Json, StudyRecord } from '../spec/records.js';
import type { ArtifactPolicy, ResolvedStudy } from '../spec/study.js';
import type { KeptArtifacts, KeptArtifactsOf, NewArtifact, Store } from '../store/types.js';
import { checkWeightBytes, decodeStoredModel } from './decoders.js';
import { paretoTrialIds } from './pareto.js';

export type ArtifactOrigin = NonNullable<ModelMeta['origin']>;

/** What the store keeps of a unit's model: its origin filled in (the worker cannot know it). */
export function artifactToStore(artifact: ModelArtifact, origin: ArtifactOrigin): NewArtifact {
  const model = { meta: { ...artifact.meta, origin }, topology: artifact.topology, weightSpecs: artifact.weightSpecs };
  // A round trip through JSON text is the store's anyway; doing it here makes `model` plain Json.
  return { model: JSON.parse(JSON.stringify(model)) as Json, weights: artifact.weights };
}

/** A stored model, decoded: a meta of another format or version, or weights of the wrong size, are refused. */
export function artifactFromRecord(record: ArtifactRecord, where: string): ModelArtifact {
  const { meta, topology, weightSpecs } = decodeStoredModel(record.model, where);
  checkWeightBytes(weightSpecs, record.weights, where);
  return { meta, topology, weightSpecs, weights: record.weights };
}

/**
 * The stored model of trial `trialNumber`'s unit on `target` with seed index `seedIndex`, or null
 * when none is stored (artifacts: none, a superseded trial under `best`, a database from before
 * artifacts). The unit's key in the store is the seed index, as units are recorded.
 */
export function readStoredArtifact(store: Store, study: StudyRecord, trialNumber: number, target: string, seedIndex: number): ModelArtifact | null {
  // Trial and model in one read transaction: `best` may delete a superseded model meanwhile.
  return store.snapshot(() => {
    const trial = store.getTrialsSince(study.id, trialNumber - 1)[0];
    if (trial === undefined || trial.number !== trialNumber) return null;
    const record = store.getArtifact(trial.id, target, seedIndex);
    const where = `study "${study.name}" trial #${trialNumber}: the stored model of target "${target}" seed ${seedIndex}`;
    return record === null ? null : artifactFromRecord(record, where);
  });
}

/**
 * After a trial of the study finished: under `best`, drop the models every finished trial but the
 * current best holds (the store decides the best inside the delete's transaction); in a study with
 * several objectives, every trial on the Pareto front keeps its models (the feasible ones only,
 * as `leaderboard --pareto` shows them): each is a best for some trade-off. Null otherwise.
 */
export function keepArtifacts(store: Store, studyId: number, policy: ArtifactPolicy, study: Pick<ResolvedStudy, 'objectives'>): KeptArtifacts | KeptArtifactsOf | null {
  if (policy !== 'best') return null;
  if (study.objectives === undefined) return store.keepBestArtifacts(studyId);
  return store.keepArtifactsOf(studyId, (finished) => paretoTrialIds(study, finished));
}
