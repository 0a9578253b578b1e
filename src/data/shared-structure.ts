// The shared-structure family: tasks that share how the inputs are organised but not what their
// classes are called, the case meta-learning is for (Reptile). Built on the relatedness family at
// rho 1 (one latent partition into classes for every task) with each task's classes renamed.
// Runs on both threads. Must not import tfjs, the store, the CLI or YAML parsing.
import { DataError } from '../errors.js';
import { generateSynthetic, type SyntheticSpec } from './synthetic.js';
import { labelPermutation } from './transforms.js';
import type { Dataset } from './types.js';

/**
 * Task `index` of the family: rows of `spec` at rho 1 (taskSeed `spec.taskSeed + index`, so its own
 * rows) whose class c is renamed sigma((c + index) mod classes), sigma one seeded permutation of the
 * family. Every task splits the inputs the same way (the structure a trunk can learn), but the same
 * input has a different label in each task. Tasks 0..classes-1 form a Latin square: over them every
 * input carries every label equally often, so pre-training on their union (equal sizes) has nothing
 * to learn, by construction, while each task alone is as easy as the family's rule. A task of index
 * >= classes repeats index mod classes's naming on its own rows (e.g. a target).
 */
export function sharedStructureTask(spec: SyntheticSpec, index: number): Dataset {
  if (!Number.isInteger(index) || index < 0) throw new DataError(`shared-structure task: index must be an integer >= 0 (got ${index})`);
  const ds = generateSynthetic({ ...spec, rho: 1, taskSeed: spec.taskSeed + index });
  const sigma = labelPermutation(ds.numClasses, spec.familySeed);
  const labels = new Int32Array(ds.rows);
  for (let i = 0; i < ds.rows; i++) labels[i] = sigma[((ds.labels[i] as number) + index) % ds.numClasses] as number;
  return { ...ds, labels };
}
