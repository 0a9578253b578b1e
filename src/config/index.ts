// Public names of the study-file layer: load and resolve study files, the JSON Schema, the types.
// Main thread. Must not import tfjs, the worker or the store.
export { loadStudyFile, parseStudy, type LoadOptions, type Overrides } from './load.js';
export { studyJsonSchema } from './schema.js';
export { diffSpecs } from './spec-diff.js';
export { deepFreeze } from './resolve.js';
export type { StudyConfig } from './study-config.js';
export * from '../spec/study.js';
