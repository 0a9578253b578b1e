// The shared vocabulary of tasksieve, imported by every folder and importing nothing of the project:
// the resolved study and its parts, the search space, tasks, metric and aggregate names, the unit and
// screen payloads that cross threads, and the records a store returns. Types, constant lists and the
// few one-line rules that read them (defaults, a trial's subset) — no behaviour.
export * from './metrics.js';
export * from './recipe.js';
export * from './records.js';
export * from './screens.js';
export * from './space.js';
export * from './study.js';
export * from './tasks.js';
export * from './units.js';
export * from './architecture.js';
