// Shared by the sampler benchmarks: a study built in code (no data, no training) and the real
// ask/tell loop over StudyHandle + SqliteStore, plus the small statistics they report.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ResolvedStudy, SamplerSpec } from '../src/spec/study.js';
import { StudyHandle } from '../src/study/study-handle.js';
import type { Params, SearchSpace } from '../src/spec/space.js';
import { SqliteStore } from '../src/store/index.js';

export interface BenchStudy {
  readonly name: string;
  readonly seed: number;
  readonly space: SearchSpace;
  readonly sampler: SamplerSpec;
  readonly direction: 'maximize' | 'minimize';
  readonly trials: number;
}

/** A ResolvedStudy for ask/tell only: the search space, sampler, seed and budget are what matter. */
export function benchStudy(spec: BenchStudy): ResolvedStudy {
  return {
    name: spec.name,
    seed: spec.seed,
    file: null,
    sources: [],
    targets: [],
    model: { kind: 'mlp', hidden: [8], activation: 'relu', dropout: 0 },
    recipe: {
      strategy: 'finetune',
      optimizer: 'adam',
      learning_rate: 0.01,
      batch_size: 32,
      pretrain_epochs: 1,
      epochs: 1,
      freeze_layers: 0,
      dropout: 0,
    },
    space: spec.space,
    sampler: spec.sampler,
    objective: { metric: 'accuracy', direction: spec.direction, aggregate: 'mean' },
    budget: { trials: spec.trials, workers: 1, epochs: 1, seeds: 1 },
    storage: null,
  };
}

/** A temporary SQLite file, removed by `dispose`. */
export function tempStore(): { store: SqliteStore; path: string; dispose(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'tasksieve-bench-'));
  const path = join(dir, 'bench.db');
  const store = SqliteStore.open(path);
  return {
    store,
    path,
    dispose() {
      store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Runs a whole study through ask/tell, one trial at a time; returns the best value (in the study's
 * direction) after each trial.
 */
export function runAskTell(store: SqliteStore, study: ResolvedStudy, objective: (params: Params) => number): number[] {
  const handle = StudyHandle.open({ store, study });
  const better = study.objective.direction === 'maximize' ? Math.max : Math.min;
  let best = study.objective.direction === 'maximize' ? -Infinity : Infinity;
  const curve: number[] = [];
  for (let trial = handle.ask(); trial !== null; trial = handle.ask()) {
    const value = objective(trial.params);
    handle.tell(trial.id, { state: 'COMPLETE', value });
    best = better(best, value);
    curve.push(best);
  }
  return curve;
}

export function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  if (n === 0) return Number.NaN;
  return n % 2 === 1 ? (s[(n - 1) / 2] as number) : ((s[n / 2 - 1] as number) + (s[n / 2] as number)) / 2;
}

export function mean(values: readonly number[]): number {
  return values.reduce((a, v) => a + v, 0) / values.length;
}

/** `--name value` from the arguments, as a positive integer, or the default. */
export function intOption(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(args[i + 1]);
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name}: must be a positive integer (got ${args[i + 1] ?? 'nothing'})`);
  return value;
}

/** Fixed-width table rows for the log. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
}
