// Shared pieces of the reliability tests: tiny synthetic units and studies, database inspection
// (snapshots, integrity, per-unit consistency) and waiting on a child's stderr. Test code only.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { ResolvedStudy } from '../../src/spec/study.js';
import type { TaskSpec } from '../../src/spec/tasks.js';
import { trialValue } from '../../src/study/run-study.js';
import type { StoredUnit } from '../../src/spec/units.js';
import { SqliteStore } from '../../src/store/index.js';
import type { TrialRecord, UnitRecord } from '../../src/spec/records.js';
import type { TrialUnit } from '../../src/spec/units.js';
import { BIN, ROOT } from '../helpers/cli.js';

const synthetic = (rho: number, taskSeed: number): TaskSpec['dataset'] => ({
  kind: 'synthetic',
  features: 12,
  latent: 5,
  classes: 3,
  rows: 240,
  familySeed: 5,
  rho,
  taskSeed,
  noise: 0.1,
});

/** A unit that trains in a fraction of a second (the same task family as syntheticStudyYaml). */
export function tinyUnit(trialNumber: number): TrialUnit {
  return {
    trialNumber,
    target: { name: 'goal', dataset: synthetic(1, 3), transforms: [], labelled: 12 },
    sources: [{ name: 'near', dataset: synthetic(0.9, 4), transforms: [] }],
    model: { kind: 'mlp', hidden: [16], activation: 'relu', dropout: 0 },
    recipe: {
      strategy: 'finetune',
      optimizer: 'adam',
      learning_rate: 0.01,
      batch_size: 16,
      pretrain_epochs: 2,
      epochs: 3,
      freeze_layers: 0,
      dropout: 0,
    },
    seed: 17,
    withBaseline: false,
  };
}

export interface StudyState {
  readonly spec: ResolvedStudy;
  readonly trials: TrialRecord[];
  readonly units: Map<number, UnitRecord[]>;
}

export function readStudy(db: string, name: string): StudyState | null {
  const store = SqliteStore.open(db, { readonly: true });
  try {
    const study = store.getStudy(name);
    if (!study) return null;
    const trials = store.getTrials(study.id);
    return {
      spec: study.spec as unknown as ResolvedStudy,
      trials,
      units: new Map(trials.map((t) => [t.number, store.getUnits(t.id)])),
    };
  } finally {
    store.close();
  }
}

export function integrityCheck(db: string): string[] {
  const conn = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return conn.pragma('integrity_check', { simple: false }).map((row) => String(Object.values(row as object)[0]));
  } finally {
    conn.close();
  }
}

export const isFinished = (t: TrialRecord) => t.state === 'COMPLETE' || t.state === 'PRUNED' || t.state === 'FAIL';

/**
 * Problems with a study's stored results: a COMPLETE trial must have exactly one unit per target x
 * seed, and its value must be what the study's objective makes of those units.
 */
export function unitInconsistencies(state: StudyState): string[] {
  const problems: string[] = [];
  const expected = state.spec.targets.length * state.spec.budget.seeds;
  for (const trial of state.trials) {
    if (trial.state !== 'COMPLETE') continue;
    const units = state.units.get(trial.number) ?? [];
    const keys = new Set(units.map((u) => `${u.target}:${u.seed}`));
    if (units.length !== expected || keys.size !== expected) {
      problems.push(`trial #${trial.number}: ${units.length} units (${keys.size} distinct), expected ${expected}`);
      continue;
    }
    const value = trialValue(state.spec, units.map((u) => u.result as unknown as StoredUnit));
    if (value !== trial.value) problems.push(`trial #${trial.number}: value ${trial.value}, units give ${value}`);
  }
  return problems;
}

/** Resolves with the first stderr line matching `pattern`, or rejects when the child exits first. */
export function waitForLine(child: ChildProcess, pattern: RegExp, timeoutMs = 120_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => finish(new Error(`no line matching ${pattern} within ${timeoutMs} ms`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop()!;
      const line = lines.find((l) => pattern.test(l));
      if (line !== undefined) finish(null, line);
    };
    const onExit = () => finish(new Error(`the process exited before a line matching ${pattern}`));
    const finish = (error: Error | null, line?: string) => {
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      if (error) reject(error);
      else resolve(line!);
    };
    child.stderr!.on('data', onData);
    child.on('exit', onExit);
  });
}

export interface Spawned {
  readonly child: ChildProcess;
  /** Everything the child wrote to stderr so far. */
  stderr(): string;
  readonly done: Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

/** The real CLI as a child process, with extra environment variables (fault injection). */
export function spawnCli(args: readonly string[], env: Record<string, string> = {}, cwd = ROOT): Spawned {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr })),
  );
  return { child, stderr: () => stderr, done };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Like readStudy, but null while the database does not exist or is not migrated yet (a runner killed early). */
export function readStudyIfAny(db: string, name: string): StudyState | null {
  if (!existsSync(db)) return null;
  try {
    return readStudy(db, name);
  } catch (error) {
    if (/is not a tasksieve database/.test((error as Error).message)) return null;
    throw error;
  }
}

/**
 * Resolves once the child's stderr has `count` lines matching `pattern` (polled every few ms), or
 * rejects when the child exits first.
 */
export async function waitForStderr(run: Spawned, pattern: RegExp, count = 1, timeoutMs = 180_000): Promise<void> {
  let exited = false;
  void run.done.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}gm`);
  for (;;) {
    if ((run.stderr().match(global)?.length ?? 0) >= count) return;
    if (exited) throw new Error(`the process exited before ${count} line(s) matching ${pattern}`);
    if (Date.now() > deadline) throw new Error(`no ${count} line(s) matching ${pattern} within ${timeoutMs} ms`);
    await sleep(5);
  }
}
