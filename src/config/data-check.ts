// Checks a resolved study against its data: every dataset loads, every task's transforms apply, every
// target splits into labelled and validation rows, and all tasks share one feature count. Problems are
// reported at the YAML node that causes them. Main thread. Must not import tfjs, the worker or the store.
import { dirname, resolve as resolvePath } from 'node:path';
import { foreignClasses, holdOutTest, materializeTask, splitTarget, type Dataset, type TaskSpec } from '../data/index.js';
import { HEAD_PROTOCOLS, withRecipeDefaults } from '../spec/recipe.js';
import { DataError, StudyConfigError } from '../errors.js';
import type { PathSegment } from './format.js';
import type { ConfigIssue, StudyConfig } from './study-config.js';
import type { ResolvedStudy } from '../spec/study.js';

type Attempt<T> = { ok: true; value: T } | { ok: false; message: string };

function attempt<T>(run: () => T): Attempt<T> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    if (error instanceof DataError || error instanceof StudyConfigError) return { ok: false, message: error.message };
    throw error;
  }
}

/** One line; the task prefix is dropped since the location already names the task. */
function clean(message: string, task?: string): string {
  let line = message.split('\n')[0] ?? '';
  if (task !== undefined) {
    const prefix = `task ${JSON.stringify(task)}: `;
    if (line.startsWith(prefix)) line = line.slice(prefix.length);
  }
  return line;
}

/** The first data problem of a resolved study, or null. */
export function dataIssue(study: ResolvedStudy, raw: StudyConfig): ConfigIssue | null {
  const base = study.file === null ? process.cwd() : dirname(study.file);

  // CSV datasets first (used or not), with their paths shown as the file writes them.
  for (const [name, dataset] of Object.entries(raw.datasets)) {
    if (dataset.csv === undefined) continue;
    const path = resolvePath(base, dataset.csv);
    const spec: TaskSpec = { name, dataset: { kind: 'csv', path, label: dataset.label ?? 'label' }, transforms: [] };
    const result = attempt(() => materializeTask(spec));
    if (!result.ok) {
      const message = clean(result.message, name);
      const shown = message.startsWith(path) ? dataset.csv + message.slice(path.length) : message;
      return { path: ['datasets', name, 'csv'], message: shown };
    }
  }

  const rawTasks = [...(raw.sources ?? []), ...raw.targets];
  const tasks: [PathSegment[], TaskSpec][] = [
    ...study.sources.map((t, i): [PathSegment[], TaskSpec] => [['sources', i], t]),
    ...study.targets.map((t, i): [PathSegment[], TaskSpec] => [['targets', i], t]),
  ];
  const checkedSynthetic = new Set<string>();
  const datasets: Dataset[] = [];
  for (const [index, [where, task]] of tasks.entries()) {
    const datasetName = (rawTasks[index] as { dataset: string }).dataset;
    if (task.dataset.kind === 'synthetic' && !checkedSynthetic.has(datasetName)) {
      checkedSynthetic.add(datasetName);
      const result = attempt(() => materializeTask({ ...task, transforms: [] }));
      if (!result.ok) return { path: ['datasets', datasetName, 'synthetic'], message: clean(result.message, task.name) };
    }
    const result = attempt(() => materializeTask(task));
    if (!result.ok) return { path: transformAt(where, task), message: clean(result.message, task.name) };
    datasets.push(result.value);
  }

  const reference = datasets[study.sources.length] as Dataset;
  for (const [index, [where]] of tasks.entries()) {
    const ds = datasets[index] as Dataset;
    if (ds.cols !== reference.cols) {
      const name = `${where[0] as string}[${where[1] as number}]`;
      return { path: ['targets', 0, 'dataset'], message: `${reference.cols} features, but ${name} has ${ds.cols}` };
    }
  }

  if (study.model.kind === 'cnn') {
    const [height, width, channels] = study.model.input_shape;
    if (height * width * channels !== reference.cols) {
      return {
        path: ['model', 'input_shape'],
        message: `[${height}, ${width}, ${channels}] holds ${height * width * channels} features, but the tasks have ${reference.cols}`,
      };
    }
  }

  for (const [index, target] of study.targets.entries()) {
    const ds = datasets[study.sources.length + index] as Dataset;
    if (target.test?.rows !== undefined && !Number.isInteger(target.test.rows)) {
      return { path: ['targets', index, 'test'], message: `must be a share in (0, 1) or a whole number of rows (got ${target.test.rows})` };
    }
    const held = attempt(() => holdOutTest(ds, target.test));
    if (!held.ok) return { path: ['targets', index, 'test'], message: clean(held.message, target.name) };
    const result = attempt(() => splitTarget(held.value.rest, target.labelled, study.seed));
    if (!result.ok) return { path: ['targets', index, 'labelled'], message: clean(result.message, target.name) };
  }

  // A kept head reads every source's labels as the target's: each must be among every target's.
  if (keepsHead(study)) {
    for (const [i, source] of study.sources.entries()) {
      for (const [t, target] of study.targets.entries()) {
        const foreign = foreignClasses(datasets[i] as Dataset, datasets[study.sources.length + t] as Dataset);
        if (foreign.length > 0) {
          const values = foreign.slice(0, 5).map((v) => JSON.stringify(v)).join(', ');
          return {
            path: ['sources', i],
            message: `source ${JSON.stringify(source.name)} has labels ${values}${foreign.length > 5 ? ', …' : ''} that target ${JSON.stringify(target.name)} does not have: head: keep needs the target's classes (labels are matched by value)`,
          };
        }
      }
    }
  }
  return null;
}

/** Whether any trial of the study can keep the pre-trained head (the recipe's, or a searched value). */
function keepsHead(study: ResolvedStudy): boolean {
  if (withRecipeDefaults(study.recipe).head === 'keep') return true;
  const param = study.space.find((p) => p.name === 'head');
  return param !== undefined && param.distribution.type === 'categorical' && param.distribution.choices.includes(HEAD_PROTOCOLS[1]);
}

/** The transform of a failing task that fails first (its prefix up to it fails), or the task itself. */
function transformAt(where: PathSegment[], task: TaskSpec): PathSegment[] {
  for (let k = 0; k < task.transforms.length; k++) {
    const prefix = { ...task, transforms: task.transforms.slice(0, k + 1) };
    if (!attempt(() => materializeTask(prefix)).ok) return [...where, 'transforms', k];
  }
  return where;
}
