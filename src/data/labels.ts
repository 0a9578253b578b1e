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
  return relabelled(source, classValues(target));
}

/**
 * The classes of a unit's tasks, matched by value: the target's, in its order (its indices stay),
 * then those only sources have, in the order the sources first show them. Two files whose domains
 * lack different classes (a year without snow) then mean the same class by the same index when
 * their rows are pre-trained on together. Null when no task names its classes (synthetic data: the
 * indices are the classes).
 */
export function unitClasses(target: Dataset, sources: readonly Dataset[]): string[] | null {
  if (target.classNames === undefined && sources.every((s) => s.classNames === undefined)) return null;
  const values = [...classValues(target)];
  const known = new Set(values);
  for (const source of sources) {
    for (const value of classValues(source)) {
      if (!known.has(value)) {
        known.add(value);
        values.push(value);
      }
    }
  }
  return values;
}

/** `ds` with its labels as indices of `classes` (which holds every value of `ds`), its features shared. */
export function relabelled(ds: Dataset, classes: readonly string[]): Dataset {
  const index = new Map(classes.map((value, i) => [value, i]));
  const values = classValues(ds);
  const same = values.every((value, i) => index.get(value) === i);
  // Already in this space (every task of the same classes): the task itself, so identity-keyed caches still hit.
  if (same && ds.numClasses === classes.length && ds.classNames !== undefined) return ds;
  const labels = same ? ds.labels : Int32Array.from(ds.labels, (l) => index.get(values[l] as string) as number);
  return { ...ds, labels, numClasses: classes.length, classNames: classes };
}
