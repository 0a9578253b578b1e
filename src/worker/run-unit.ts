// Runs one trial unit inside a worker: materialise the target and sources, split the target, train the
// unit's strategy (and its target-only baseline). Worker side; gets tfjs passed in.
// Must not import the store, the CLI, YAML parsing or src/config/load* (config types only).
import { alignLabels, averagedLayers, classValues, holdOutTest, materializeTask, readModelFolder, relabelled, SplitBuffers, splitTarget, unitClasses, type Dataset, type ModelFolder } from '../data/index.js';
import type { ModelSourceSpec, TaskSpec } from '../spec/tasks.js';
import { withRecipeDefaults } from '../spec/recipe.js';
import { DataError } from '../errors.js';
import { getStrategy, type Tf } from '../strategies/index.js';
import type { PhaseTrainer } from '../training/index.js';
import type { BackendName, EvaluatedModel, RungReport, TrialUnit, UnitResult } from '../spec/units.js';

/**
 * This thread's split rows, reused unit after unit: a worker runs one unit at a time, and nothing of a
 * unit's split outlives it (results are metrics; tensors made from the rows are disposed).
 */
const splitBuffers = new SplitBuffers();

/** A unit's place in a stack of units run side by side in this thread (run-stack.ts). */
export interface StackPlace {
  /** Trains the unit's phases together with the other units'. */
  readonly training: PhaseTrainer;
  /** The unit's own split rows: the thread's are for one unit at a time. */
  readonly buffers: SplitBuffers;
}

/** The live link of a running unit to whoever schedules it (the main thread, through a port). */
export interface UnitControl {
  /** Called as soon as the unit reached a rung. */
  report(rung: RungReport): void;
  /** Polled after every fine-tuning epoch; must not block. True: stop now. */
  stopRequested(): boolean;
}

/**
 * Trains and evaluates `unit`, evaluating it at `unit.rungs` (reported to `control` as they come) and
 * stopping after the first epoch at which `control` asks to (then with a baseline as short).
 * The split, the initialisers, the shuffles and the dropout masks all
 * derive from `unit.seed`, so the same unit on the same backend gives the same metrics.
 * Throws DataError when the tasks cannot be materialised or their feature counts differ, and
 * whatever the strategy throws (NonFiniteLossError when training diverges). `stack`: its
 * place in the stack it runs in (run-stack.ts); absent, every phase trains alone.
 */
export async function runUnit(tf: Tf, unit: TrialUnit, backend: BackendName, control?: UnitControl, stack?: StackPlace): Promise<UnitResult> {
  const training = stack?.training;
  const started = performance.now();
  const ownTarget = materializeTask(unit.target);
  // Labels are matched by value, not by index: a kept head reads the sources' labels as the target's
  // (a source with other classes is refused); a fresh one still pre-trains on the sources' rows
  // together, whose classes must mean the same by the same index.
  const keepHead = withRecipeDefaults(unit.recipe).head === 'keep';
  const datasetSources = unit.sources.filter((s): s is TaskSpec => !('model' in s));
  const modelSources = unit.sources.filter((s): s is ModelSourceSpec => 'model' in s);
  const ownSources = datasetSources.map((spec) => {
    const source = materializeTask(spec);
    return keepHead ? alignLabels(source, ownTarget, spec.name) : source;
  });
  const classes = unitClasses(ownTarget, ownSources);
  const whole = classes === null ? ownTarget : relabelled(ownTarget, classes);
  const sources = classes === null ? ownSources : ownSources.map((source) => relabelled(source, classes));
  datasetSources.forEach((spec, i) => {
    const cols = sources[i]!.cols;
    if (cols !== whole.cols) {
      throw new DataError(
        `source ${JSON.stringify(spec.name)} has ${cols} features but target ${JSON.stringify(unit.target.name)} has ${whole.cols}: a model cannot transfer between them`,
      );
    }
  });
  // The test rows leave first, with the study's seed: no unit of the study ever sees them.
  const { test, rest } = holdOutTest(whole, unit.target.test);
  const split = splitTarget(rest, unit.target.labelled, unit.seed, stack?.buffers ?? splitBuffers);
  const numClasses = Math.max(whole.numClasses, ...sources.map((s) => s.numClasses));
  const pretrained = modelSources.length > 0 ? averagedLayers(modelSources.map(readChecked), classValues(whole), numClasses) : undefined;
  const strategy = getStrategy(unit.recipe.strategy);
  const common = {
    tf,
    train: split.train,
    validation: split.validation,
    ...(test ? { test } : {}),
    numClasses,
    model: unit.model,
    recipe: unit.recipe,
    seed: unit.seed,
    // In a stack (runStack), the unit's phases train with the others'; the results are the same.
    ...(training ? { training } : {}),
  };
  const rungs: RungReport[] = [];
  let stoppedAt: number | null = null;
  const rungEpochs = new Set(unit.rungs ?? []);
  // Without rungs or a control the hook is left out: the training loop then skips it entirely.
  const onTargetEpoch =
    rungEpochs.size === 0 && control === undefined
      ? undefined
      : (epoch: number, evaluate: () => RungReport['metrics']): boolean => {
          if (rungEpochs.has(epoch)) {
            const rung = { epoch, metrics: evaluate() };
            rungs.push(rung);
            control?.report(rung);
          }
          if (control?.stopRequested() && epoch < unit.recipe.epochs) {
            stoppedAt = epoch;
            return false;
          }
          return true;
        };
  const { artifact: exported, ...transfer } = await strategy.run({
    ...common,
    sources,
    ...(pretrained ? { pretrained } : {}),
    ...(onTargetEpoch ? { onTargetEpoch } : {}),
    ...(unit.artifact ? { artifact: true } : {}),
  });
  // The baseline is what a target-only unit computes: the target's own classes, none the sources add
  // (the same labels: the target's classes come first in the unit's).
  const own = (ds: Dataset): Dataset => ({ ...ds, numClasses: ownTarget.numClasses, ...(ownTarget.classNames ? { classNames: ownTarget.classNames } : {}) });
  const alone =
    numClasses === ownTarget.numClasses
      ? common
      : { ...common, numClasses: ownTarget.numClasses, train: own(common.train), validation: own(common.validation), ...(common.test ? { test: own(common.test) } : {}) };
  let baseline: EvaluatedModel | null = null;
  if (stoppedAt !== null) {
    // A unit stopped early is paired with a baseline fine-tuned for as many epochs, whatever the
    // cache holds: the shared full-length baseline would make the early stop look like negative transfer.
    const short = { ...unit.recipe, epochs: stoppedAt };
    baseline = unit.sources.length === 0 ? transfer : await strategy.run({ ...alone, recipe: short, sources: [] });
  } else if (unit.withBaseline) {
    // Without sources the baseline is the very same computation: strategies are deterministic.
    baseline = unit.sources.length === 0 ? transfer : await strategy.run({ ...alone, sources: [] });
  }
  const artifact = exported ? { ...exported, meta: { ...exported.meta, backend } } : undefined;
  return { transfer, baseline, rungs, stoppedAt, backend, workerMs: performance.now() - started, ...(artifact ? { artifact } : {}) };
}

/** A model source's folder as load time saw it: a folder changed since (another digest) is refused. */
function readChecked(spec: ModelSourceSpec): ModelFolder {
  const folder = readModelFolder(spec.model.path);
  if (folder.digest !== spec.model.digest) {
    throw new DataError(`model source ${JSON.stringify(spec.name)}: ${spec.model.path} changed since the study was loaded (its digest differs); resume refuses a changed model`);
  }
  return folder;
}
