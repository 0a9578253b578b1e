// Runs one transferability screen inside a worker: train the MLP on a source, then score it on each
// target's labelled rows with LEEP, LogME, H-score and NCE (src/metrics/transferability.ts). Worker side;
// gets tfjs passed in. Must not import the store, the CLI, YAML parsing or src/config/load*.
import { applyScaling, fitScaling, holdOutTest, materializeTask, readModelFolder, splitTarget, type ModelFolder } from '../data/index.js';
import type { Activation, ModelSpec } from '../spec/study.js';
import type { ModelSourceSpec } from '../spec/tasks.js';
import { withRecipeDefaults, type FullRecipe } from '../spec/recipe.js';
import type { Dataset } from '../data/types.js';
import { DataError } from '../errors.js';
import { hScore, leep, logme, nce } from '../metrics/transferability.js';
import { buildModel, trainModel, type Tf, type TrainableModel } from '../training/index.js';
import { mixSeed } from '../util/rng.js';
import type { BackendName } from '../spec/units.js';
import type { ScreenResult, ScreenScores, ScreenTask } from '../spec/screens.js';

const STREAM_MODEL = 11;
const STREAM_TRAIN = 12;

/**
 * Deterministic for a task and backend. The model has the source's own head (its label space); the
 * targets' labelled rows are the ones the study's seed-0 units train on. Throws DataError when a
 * target's feature count differs from the source's.
 */
export async function runScreen(tf: Tf, task: ScreenTask, backend: BackendName): Promise<ScreenResult> {
  if ('model' in task.source) return screenModel(tf, task, task.source, backend);
  const started = performance.now();
  const raw = materializeTask(task.source);
  const labelledRows = task.targets.map((spec) => {
    const data = materializeTask(spec);
    if (data.cols !== raw.cols) {
      throw new DataError(
        `source ${JSON.stringify(task.source.name)} has ${raw.cols} features but target ${JSON.stringify(spec.name)} has ${data.cols}: a model cannot transfer between them`,
      );
    }
    // As a unit splits it: the test rows out first, then the labelled rows of the seed.
    return { spec, labelled: splitTarget(holdOutTest(data, spec.test).rest, spec.labelled, task.seed).train };
  });
  const { source, targets } = scaleScreen(raw, labelledRows, withRecipeDefaults(task.recipe));
  const model = buildModel(tf, {
    inputs: source.cols,
    numClasses: source.numClasses,
    spec: task.model,
    dropout: task.recipe.dropout,
    seed: mixSeed(task.seed, STREAM_MODEL),
  });
  try {
    const t0 = performance.now();
    trainModel(model, source, {
      phase: 'pre-training',
      epochs: task.epochs,
      batchSize: task.recipe.batch_size,
      optimizer: task.recipe.optimizer,
      learningRate: task.recipe.learning_rate,
      seed: mixSeed(task.seed, STREAM_TRAIN),
      numClasses: source.numClasses,
    });
    const trainMs = performance.now() - t0;
    const scores = targets.map(({ spec, labelled }) => score(model, spec.name, labelled, source.numClasses));
    return { source: task.source.name, scores, trainMs, backend, workerMs: performance.now() - started };
  } finally {
    model.dispose();
  }
}

/**
 * A pretrained model source, scored without training (LEEP's and LogME's own use: rank models you
 * already have): its own layers and head, on each target's labelled rows scaled as a unit choosing
 * only model sources scales them (fitted on those rows: there are no source rows to pool).
 */
/** The model a source's folder holds, as tasksieve builds it (its own widths, blocks and activation). */
function modelSpecOf(folder: ModelFolder, fallback: Activation): ModelSpec {
  const hidden = folder.layers.slice(folder.conv.length, -1).map((l) => l.units);
  const activation = folder.activation ?? fallback;
  if (folder.inputShape === null) return { kind: 'mlp', hidden, activation, dropout: 0 };
  return { kind: 'cnn', input_shape: folder.inputShape, conv: folder.conv, hidden, activation, dropout: 0 };
}

function screenModel(tf: Tf, task: ScreenTask, source: ModelSourceSpec, backend: BackendName): ScreenResult {
  const started = performance.now();
  const folder = readModelFolder(source.model.path);
  if (folder.digest !== source.model.digest) throw new DataError(`model source ${JSON.stringify(source.name)}: ${source.model.path} changed since the study was loaded`);
  const recipe = withRecipeDefaults(task.recipe);
  const head = folder.layers[folder.layers.length - 1]!;
  const model = buildModel(tf, {
    inputs: folder.inputs,
    numClasses: head.units,
    spec: modelSpecOf(folder, task.model.activation),
    dropout: 0,
    seed: mixSeed(task.seed, STREAM_MODEL),
  });
  try {
    model.setLayers(folder.layers);
    const scores = task.targets.map((spec) => {
      const data = materializeTask(spec);
      if (data.cols !== folder.inputs) {
        throw new DataError(`model source ${JSON.stringify(source.name)} reads ${folder.inputs} features but target ${JSON.stringify(spec.name)} has ${data.cols}`);
      }
      let labelled = splitTarget(holdOutTest(data, spec.test).rest, spec.labelled, task.seed).train;
      if (recipe.scaling !== 'none') labelled = applyScaling(labelled, fitScaling(recipe.scaling, [labelled]));
      return score(model, spec.name, labelled, head.units);
    });
    return { source: source.name, scores, trainMs: 0, backend, workerMs: performance.now() - started };
  } finally {
    model.dispose();
  }
}

/**
 * The unit's scaling, with the screen's source as the one chosen source and each target's labelled
 * rows as the rows a unit of that target trains on (the study's recipe says how it is fitted).
 */
function scaleScreen<T extends { readonly labelled: Dataset }>(source: Dataset, targets: readonly T[], recipe: FullRecipe): { source: Dataset; targets: T[] } {
  if (recipe.scaling === 'none') return { source, targets: [...targets] };
  const kind = recipe.scaling;
  const fit = recipe.scaling_fit;
  const sourceStats = fitScaling(kind, fit === 'target' ? targets.map((t) => t.labelled) : fit === 'pooled' ? [source, ...targets.map((t) => t.labelled)] : [source]);
  return {
    source: applyScaling(source, sourceStats),
    targets: targets.map((t) => ({ ...t, labelled: applyScaling(t.labelled, fit === 'per_task' ? fitScaling(kind, [t.labelled]) : sourceStats) })),
  };
}

function score(model: TrainableModel, target: string, rows: Dataset, sourceClasses: number): ScreenScores {
  const t0 = performance.now();
  const { probabilities, features, width } = model.representation(rows);
  const forwardMs = performance.now() - t0;
  const timed = (run: () => number) => {
    const t = performance.now();
    const value = run();
    return { value, ms: performance.now() - t };
  };
  const numClasses = rows.numClasses;
  const l = timed(() => leep({ n: rows.rows, d: sourceClasses, data: probabilities }, rows.labels, numClasses));
  const m = timed(() => logme({ n: rows.rows, d: width, data: features }, rows.labels, numClasses));
  const h = timed(() => hScore({ n: rows.rows, d: width, data: features }, rows.labels, numClasses));
  const c = timed(() => nce({ n: rows.rows, d: sourceClasses, data: probabilities }, rows.labels, numClasses));
  return {
    target,
    rows: rows.rows,
    leep: l.value,
    logme: m.value,
    hscore: h.value,
    nce: c.value,
    ms: { leep: l.ms, logme: m.ms, hscore: h.ms, nce: c.ms },
    forwardMs,
  };
}
