// Public names of the data module: CSV loading, synthetic task families, transforms, tasks and splits.
// Runs on both threads. Must not import tfjs, the store, the CLI or YAML parsing.
export type { Dataset, TargetSplit } from './types.js';
export type { CsvDatasetSpec, DatasetSpec, RowCondition, TargetSpec, TaskSpec, TransformSpec } from '../spec/tasks.js';
export { canonicalLabel, loadCsv, loadFeatureRows, preloadCsvDatasets, type FeatureRowsFile, type FeatureRowsOptions } from './csv.js';
export { generateSynthetic, type SyntheticSpec } from './synthetic.js';
export { sharedStructureTask } from './shared-structure.js';
export { applyTransform, applyTransforms, labelPermutation } from './transforms.js';
export { concatDatasets, selectRows, SplitBuffers, type RowArrays } from './rows.js';
export { holdOutTest, holdOutUnlabelled, materializeTask, splitTarget, type TestHoldOut, type UnlabelledSplit } from './tasks.js';
export { applyScaling, fitScaling, rowCopier, scaledLazily, SCALING_CLIP, type RowCopier } from './scaling.js';
export { alignLabels, classValues, foreignClasses, relabelled, unitClasses } from './labels.js';
export { averagedLayers, modelFolderOf, readModelFolder, type LayerWeights, type ModelFolder, type PretrainedLayers } from './model-folder.js';
