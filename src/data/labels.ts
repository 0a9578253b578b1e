// Labels matched across tasks by value, not by index: a source pre-trains the head a target keeps
// only if its classes mean the target's. Pure; runs on both threads. Must not import tfjs, the
// store, the CLI or YAML parsing.
import { DataError } from '../errors.js';
import type { Dataset } from './types.js';

/** The value of every class index of `ds` (the index itself when the task has no names). */
export function classValues(ds: Dataset): readonly string[] {
  return ds.classNames ?? Array.from({ length: ds.numClasses }, (_, i) => String(i));
}

/** The values of `source`'s classes that the target does not have (empty: the source can keep the head). */
export function foreignClasses(source: Dataset, target: Dataset): string[] {
  const known = new Set(classValues(target));
  const present = new Set(source.labels);
  return classValues(source).filter((value, index) => present.has(index) && !known.has(value));
}

/**
 * `source` relabelled into `target`'s class indices by value (its features shared, not copied), with
 * the target's label space. Throws DataError naming the values the target does not have.
 */
export function alignLabels(source: Dataset, target: Dataset, sourceName: string): Dataset {
  const foreign = foreignClasses(source, target);
  if (foreign.length > 0) {
    throw new DataError(
      `source ${JSON.stringify(sourceName)} has labels ${foreign.map((v) => JSON.stringify(v)).join(', ')} that the target does not have (head: keep matches labels by value)`,
    );
  }
  const index = new Map(classValues(target).map((value, i) => [value, i]));
  const values = classValues(source);
  const labels = Int32Array.from(source.labels, (l) => index.get(values[l] as string) as number);
  return { ...source, labels, numClasses: target.numClasses, ...(target.classNames ? { classNames: target.classNames } : {}) };
}
