// Checks a resolved study against its data: every dataset loads, every task's transforms apply, every
// target splits into labelled and validation rows, and all tasks share one feature count. Problems are
// reported at the YAML node that causes them. Main thread. Must not import tfjs, the worker or the store.
import { dirname, resolve as resolvePath } from 'node:path';
import { classValues, foreignClasses, holdOutTest, materializeTask, preloadCsvDatasets, readModelFolder, splitTarget, type Dataset, type ModelFolder, type TaskSpec } from '../data/index.js';
import { HEAD_PROTOCOLS, withRecipeDefaults } from '../spec/recipe.js';
import { isArchitectureKey } from '../spec/architecture.js';
import { DataError, DataFieldError, StudyConfigError } from '../errors.js';
import { resolveCsvDataset } from './resolve.js';
import type { PathSegment } from './format.js';
import type { ConfigIssue, StudyConfig } from './study-config.js';
import type { ConvBlockSpec, ModelSpec, ResolvedStudy } from '../spec/study.js';

/** A failure's `field`: the dataset field a DataFieldError names (a `where` column, a `drop` entry). */
type Attempt<T> = { ok: true; value: T } | { ok: false; message: string; field?: readonly PathSegment[] };

function attempt<T>(run: () => T): Attempt<T> {
  try {
    return { ok: true, value: run() };
  } catch (error) {
    if (error instanceof DataFieldError) return { ok: false, message: error.message, field: error.field };
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

  // CSV datasets first (used or not), with their paths shown as the file writes them; the domains
  // of one file (its `where`s) are read in one pass.
  const csvs = Object.entries(raw.datasets).flatMap(([name, dataset]) => (dataset.csv === undefined ? [] : [[name, dataset, resolveCsvDataset(dataset, base)] as const]));
  preloadCsvDatasets(csvs.map(([, , spec]) => spec));
  for (const [name, dataset, resolved] of csvs) {
    const spec: TaskSpec = { name, dataset: resolved, transforms: [] };
    const path = spec.dataset.kind === 'csv' ? spec.dataset.path : dataset.csv;
    const result = attempt(() => materializeTask(spec));
    if (!result.ok) {
      const message = clean(result.message, name);
      const shown = message.startsWith(path) ? dataset.csv + message.slice(path.length) : message;
      return { path: ['datasets', name, ...(result.field ?? ['csv'])], message: shown };
    }
  }

  const rawTasks = [...(raw.sources ?? []), ...raw.targets];
  // Dataset sources and targets are materialised; model sources are checked after, against them.
  const tasks: [PathSegment[], TaskSpec, number][] = [
    ...study.sources.flatMap((t, i): [PathSegment[], TaskSpec, number][] => ('model' in t ? [] : [[['sources', i], t, i]])),
    ...study.targets.map((t, i): [PathSegment[], TaskSpec, number] => [['targets', i], t, study.sources.length + i]),
  ];
  const checkedSynthetic = new Set<string>();
  const datasets: Dataset[] = [];
  for (const [where, task, rawIndex] of tasks) {
    const datasetName = (rawTasks[rawIndex] as { dataset: string }).dataset;
    if (task.dataset.kind === 'synthetic' && !checkedSynthetic.has(datasetName)) {
      checkedSynthetic.add(datasetName);
      const result = attempt(() => materializeTask({ ...task, transforms: [] }));
      if (!result.ok) return { path: ['datasets', datasetName, 'synthetic'], message: clean(result.message, task.name) };
    }
    const result = attempt(() => materializeTask(task));
    if (!result.ok) return { path: transformAt(where, task), message: clean(result.message, task.name) };
    datasets.push(result.value);
  }
  const byIndex = new Map(tasks.map(([, , rawIndex], k) => [rawIndex, datasets[k] as Dataset]));
  const targetData = (t: number) => byIndex.get(study.sources.length + t) as Dataset;

  const encodingProblem = encodingIssue(tasks.map(([, task, rawIndex], k) => ({ task: task.name, dataset: (rawTasks[rawIndex] as { dataset: string }).dataset, data: datasets[k] as Dataset })));
  if (encodingProblem !== null) return encodingProblem;
  const reference = targetData(0);
  for (const [index, [where]] of tasks.entries()) {
    const ds = datasets[index] as Dataset;
    if (ds.cols !== reference.cols) {
      const name = `${where[0] as string}[${where[1] as number}]`;
      return { path: ['targets', 0, 'dataset'], message: `${reference.cols} features, but ${name} has ${ds.cols}` };
    }
  }
  const modelProblem = modelSourceIssue(study, raw, base, reference.cols, study.targets.map((_, t) => targetData(t)));
  if (modelProblem !== null) return modelProblem;

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
    const ds = targetData(index);
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
      if ('model' in source) continue; // modelSourceIssue checked its class names.
      for (const [t, target] of study.targets.entries()) {
        const foreign = foreignClasses(byIndex.get(i) as Dataset, targetData(t));
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

/**
 * Features line up by position: a categorical column must be encoded with the same values in every
 * task (domains of one file are, from its whole column; different files may not be, and with equal
 * counts a mismatch would silently feed one value's indicator as another's).
 */
function encodingIssue(tasks: readonly { task: string; dataset: string; data: Dataset }[]): ConfigIssue | null {
  const [first, ...rest] = tasks;
  if (first === undefined) return null;
  const shown = (values: readonly string[]) => `[${values.slice(0, 6).join(', ')}${values.length > 6 ? ', …' : ''}]`;
  for (const other of rest) {
    const a = first.data.categorical ?? [];
    const b = other.data.categorical ?? [];
    for (const encoding of b) {
      const mine = a.find((e) => e.column === encoding.column);
      if (mine !== undefined && mine.values.join('\u0000') === encoding.values.join('\u0000')) continue;
      const there = mine === undefined ? 'is not categorical' : `holds ${shown(mine.values)}`;
      return {
        path: ['datasets', other.dataset, 'categorical'],
        message: `column ${JSON.stringify(encoding.column)} holds ${shown(encoding.values)} here but ${there} in dataset ${JSON.stringify(first.dataset)} (task ${JSON.stringify(first.task)}): every task must encode it alike; list its values under categorical in both`,
      };
    }
    const missing = a.find((e) => !b.some((x) => x.column === e.column));
    if (missing !== undefined) {
      return {
        path: ['datasets', other.dataset],
        message: `column ${JSON.stringify(missing.column)} is categorical in dataset ${JSON.stringify(first.dataset)} (task ${JSON.stringify(first.task)}) but not here: every task must encode it alike`,
      };
    }
  }
  return null;
}

/**
 * Every model source fits the study's model: it reads the targets' feature count, is of the study's
 * kind, has its conv blocks and hidden layers (layer by layer) and its activation, and under a kept head only classes the
 * targets have (matched by value). Each problem one line at the source's `model` key, naming the layer.
 */
function modelSourceIssue(study: ResolvedStudy, raw: StudyConfig, base: string, cols: number, targets: readonly Dataset[]): ConfigIssue | null {
  for (const [i, source] of study.sources.entries()) {
    if (!('model' in source)) continue;
    const where: PathSegment[] = ['sources', i, 'model'];
    const refused = unusableWith(study);
    if (refused !== null) return { path: where, message: refused };
    const read = attempt(() => readModelFolder(source.model.path));
    if (!read.ok) {
      // The path as the study file writes it, as for csv datasets.
      const message = clean(read.message);
      const written = (raw.sources?.[i] as { model?: string } | undefined)?.model;
      const shown = written !== undefined && resolvePath(base, written) === source.model.path && message.startsWith(source.model.path) ? written + message.slice(source.model.path.length) : message;
      return { path: where, message: shown };
    }
    const folder = read.value;
    if (folder.digest !== source.model.digest) return { path: where, message: `${source.model.path} changed while the study loaded` };
    const misfit = architectureMisfit(folder, study.model, cols);
    if (misfit !== null) return { path: where, message: misfit };
    const first = folder.layers[0]!;
    if (folder.activation !== null && folder.activation !== study.model.activation) {
      return { path: where, message: `layer ${JSON.stringify(first.name)} has activation ${folder.activation} but the study's model.activation is ${study.model.activation}` };
    }
    if (keepsHead(study)) {
      for (const [t, target] of targets.entries()) {
        const known = new Set(classValues(target));
        const foreign = folder.classNames.filter((c) => !known.has(c));
        if (foreign.length > 0) {
          return {
            path: where,
            message: `the model's head has classes ${foreign.slice(0, 5).map((v) => JSON.stringify(v)).join(', ')}${foreign.length > 5 ? ', …' : ''} that target ${JSON.stringify(study.targets[t]!.name)} does not have: head: keep needs the target's classes (matched by value)`,
          };
        }
      }
    }
  }
  return null;
}

/**
 * How the source's layers fail to be the study's model (null: they fit): the same kind, the targets'
 * feature count (a CNN's image shape), the same conv blocks and Dense hidden widths, layer by layer.
 */
function architectureMisfit(folder: ModelFolder, model: ModelSpec, cols: number): string | null {
  const first = folder.layers[0]!;
  const conv = model.kind === 'cnn' ? model.conv : [];
  if ((folder.inputShape !== null) !== (model.kind === 'cnn')) {
    const kind = folder.inputShape !== null ? 'a CNN' : 'an MLP';
    return `layer ${JSON.stringify(first.name)}: the model is ${kind} but the study's model.kind is ${model.kind}`;
  }
  if (folder.inputs !== cols) {
    return `layer ${JSON.stringify(first.name)} reads ${folder.inputs} features but the targets have ${cols}: the model does not fit`;
  }
  if (model.kind === 'cnn' && folder.inputShape!.join() !== model.input_shape.join()) {
    return `the model's images are [${folder.inputShape!.join(', ')}] but the study's model.input_shape is [${model.input_shape.join(', ')}]`;
  }
  const block = (b: ConvBlockSpec | undefined) => (b === undefined ? 'no block' : `${b.filters} filters ${b.kernel}x${b.kernel} stride ${b.stride} pool ${b.pool}`);
  for (let c = 0; c < Math.max(folder.conv.length, conv.length); c++) {
    const have = folder.conv[c];
    const want = conv[c];
    if (have === undefined || want === undefined || block(have) !== block(want)) {
      const name = have === undefined ? `(none at conv block ${c + 1})` : JSON.stringify(folder.layers[c]!.name);
      return `layer ${name} has ${block(have)} where the study's model.conv[${c}] has ${block(want)}: the model's conv blocks do not fit`;
    }
  }
  const hidden = folder.layers.slice(folder.conv.length, -1);
  for (let l = 0; l < Math.max(hidden.length, model.hidden.length); l++) {
    const layer = hidden[l];
    const want = model.hidden[l];
    if (layer === undefined || want === undefined || layer.units !== want) {
      const name = layer === undefined ? `(none at hidden layer ${l + 1})` : JSON.stringify(layer.name);
      return `layer ${name} has ${layer?.units ?? 0} units where the study's model.hidden[${l}] has ${want ?? 'no layer'}: the model's hidden layers [${hidden.map((h) => h.units).join(', ')}] do not fit model.hidden [${model.hidden.join(', ')}]`;
    }
  }
  return null;
}

/**
 * What a model source cannot be combined with, when the study's recipe fixes it: multitask trains on
 * rows only, and feature selection would feed the model's first layer other columns than it reads.
 * A searched value meets the same refusal in the worker (the trial fails with it).
 */
function unusableWith(study: ResolvedStudy): string | null {
  // A model source fixes the architecture its weights fit: widths or blocks the search changes cannot take them.
  const searched = study.space.find((p) => isArchitectureKey(p.name));
  if (searched !== undefined) return `space.${searched.name} cannot be searched with a model source: the model's layers fix the architecture`;
  if (study.recipe.strategy === 'multitask') return 'strategy multitask cannot use a model source (it trains on rows; use finetune, selftrain, distill, align or dann)';
  const selection = withRecipeDefaults(study.recipe).feature_selection;
  if (selection !== 'none') return `feature_selection ${selection} cannot be used with a model source: its first layer reads every feature`;
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
