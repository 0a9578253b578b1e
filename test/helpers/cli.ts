// Runs the real CLI (compiled, from bin/) as a child process, and writes small study files.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const BIN = join(ROOT, 'bin', 'tasksieve.js');
export const DIGITS = join(ROOT, 'data', 'digits.csv.gz');

export interface CliResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function cli(args: readonly string[], cwd = ROOT): CliResult {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 600_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function cliAsync(args: readonly string[], cwd = ROOT): { child: ChildProcess; done: Promise<CliResult> } {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolveDone) =>
    child.on('close', (status) => resolveDone({ status, stdout, stderr })),
  );
  return { child, done };
}

export function tempDir(prefix = 'tasksieve-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * A small synthetic study: a related source, an anti-related one, one few-shot target.
 * Trains in well under a second per unit on 2 cores.
 */
export function syntheticStudyYaml(options: { name?: string; trials?: number; workers?: number; seeds?: number; extra?: string } = {}): string {
  return `name: ${options.name ?? 'synthetic-test'}
seed: 11
datasets:
  family: { synthetic: { features: 12, latent: 5, classes: 3, rows: 240, noise: 0.1, seed: 5 } }
sources:
  - { name: near, dataset: family, rho: 0.9 }
  - { name: anti, dataset: family, rho: -0.8 }
targets:
  - { name: goal, dataset: family, rho: 1.0, labelled: 12 }
model: { hidden: [16], activation: relu }
recipe: { batch_size: 16, pretrain_epochs: 3, epochs: 4 }
space:
  learning_rate: { type: float, low: 0.003, high: 0.05, log: true }
  sources: { type: subset, min: 0, max: 2 }
sampler: random   # proposals depend only on the trial number: the kill/resume tests rely on it
${options.extra ?? ''}
budget: { trials: ${options.trials ?? 6}, workers: ${options.workers ?? 2}, epochs: 4, seeds: ${options.seeds ?? 2} }
`;
}

export function writeStudy(dir: string, text: string, file = 'study.yaml'): string {
  const path = join(dir, file);
  writeFileSync(path, text);
  return path;
}
