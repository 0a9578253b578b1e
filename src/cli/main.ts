// The command-line interface: one typed table of commands; each parses its options, calls the
// library, prints, and returns an exit code (0 ok, 1 internal error, 2 bad input, 3 study not
// finished (--no-wait), 130 interrupted).
// Main thread.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { TasksieveError } from '../errors.js';

export type Options = Record<string, string | boolean | undefined>;

export interface Command {
  readonly summary: string;
  readonly usage: string;
  readonly positionals: number;
  readonly options: NonNullable<ParseArgsConfig['options']>;
  run(positionals: string[], options: Options): Promise<number>;
}

/**
 * A command whose module is imported only when it runs: the modules pull in different parts (the
 * worker pool, the report's chart library, PostgreSQL), and each spawn of the CLI should pay only for
 * its own (loading them all cost 0.27 s per command).
 */
function lazy<M>(load: () => Promise<M>, pick: (module: M) => Command['run']): Command['run'] {
  return async (positionals, options) => pick(await load())(positionals, options);
}

const queries = () => import('./query-commands.js');
const selection = () => import('./selection-commands.js');
const running = () => import('./run-command.js');

const db = { type: 'string' } as const;
const json = { type: 'boolean' } as const;
/** run/resume: continue a study whose file drifted, with its stored spec (the differences are printed). */
const force = { type: 'boolean' } as const;
/** run/resume: end once the budget is handed out instead of waiting for other runners' trials (exit 3 if any). */
const noWait = { type: 'boolean' } as const;

export const COMMANDS: Record<string, Command> = {
  run: {
    summary: 'create or continue a study from its file and run it to its total',
    usage: 'tasksieve run STUDY.yaml [--db PATH] [--trials N] [--workers N] [--backend wasm|cpu|tensorflow] [--force] [--no-wait] [--json] [--quiet]',
    positionals: 1,
    options: { db, trials: { type: 'string' }, workers: { type: 'string' }, backend: { type: 'string' }, force, 'no-wait': noWait, json, quiet: { type: 'boolean' } },
    run: lazy(running, (m) => m.runCommand),
  },
  resume: {
    summary: 're-queue interrupted trials and run the study until it has its total',
    usage: 'tasksieve resume STUDY.yaml|NAME [--db PATH] [--workers N] [--backend wasm|cpu|tensorflow] [--force] [--no-wait] [--json] [--quiet]',
    positionals: 1,
    options: { db, workers: { type: 'string' }, backend: { type: 'string' }, force, 'no-wait': noWait, json, quiet: { type: 'boolean' } },
    run: lazy(running, (m) => m.resumeCommand),
  },
  leaderboard: {
    summary: 'best trials first, with source subsets and per-target gains over the baseline',
    usage: 'tasksieve leaderboard STUDY.yaml|NAME [--db PATH] [--top N] [--by mean|median|worst|cvar|mean_minus_std] [--subsets] [--json]',
    positionals: 1,
    options: { db, top: { type: 'string' }, by: { type: 'string' }, subsets: { type: 'boolean' }, json },
    run: lazy(selection, (m) => m.leaderboardWithSelection),
  },
  sources: {
    summary: 'per-source effects on the transfer gain with bootstrap intervals: helpful, neutral or harmful',
    usage: 'tasksieve sources STUDY.yaml|NAME [--db PATH] [--target T] [--resamples N] [--seed N] [--json]',
    positionals: 1,
    options: { db, target: { type: 'string' }, resamples: { type: 'string' }, seed: { type: 'string' }, json },
    run: lazy(selection, (m) => m.sourcesCommand),
  },
  screen: {
    summary: 'rank sources by transferability screens (LEEP, LogME, H-score) before any fine-tuning',
    usage: 'tasksieve screen STUDY.yaml|NAME [--db PATH] [--workers N] [--backend wasm|cpu|tensorflow] [--json]',
    positionals: 1,
    options: { db, workers: { type: 'string' }, backend: { type: 'string' }, json },
    run: lazy(selection, (m) => m.screenCommand),
  },
  suggest: {
    summary: 'the source subsets worth evaluating next (predicted best, not tried yet); --enqueue adds them as trials the next run takes first',
    usage: 'tasksieve suggest STUDY.yaml|NAME [--db PATH] [--count N] [--enqueue] [--json]',
    positionals: 1,
    options: { db, count: { type: 'string' }, enqueue: { type: 'boolean' }, json },
    run: lazy(() => import('./suggest-command.js'), (m) => m.suggestCommand),
  },
  studies: {
    summary: 'list the studies in a database',
    usage: 'tasksieve studies [--db PATH] [--json]',
    positionals: 0,
    options: { db, json },
    run: lazy(queries, (m) => m.studiesCommand),
  },
  export: {
    summary: 'write every trial of a study as CSV or JSON',
    usage: 'tasksieve export STUDY.yaml|NAME [--db PATH] [--format csv|json] [-o FILE]',
    positionals: 1,
    options: { db, format: { type: 'string' }, output: { type: 'string', short: 'o' } },
    run: lazy(queries, (m) => m.exportCommand),
  },
  report: {
    summary: 'write one self-contained HTML report with charts (works on a running study)',
    usage: 'tasksieve report STUDY.yaml|NAME [--db PATH] -o FILE.html [--top N] [--json]',
    positionals: 1,
    options: { db, output: { type: 'string', short: 'o' }, top: { type: 'string' }, json },
    run: lazy(() => import('./report-command.js'), (m) => m.reportCommand),
  },
  worker: {
    summary: 'join a study (its file creates it if needed) and run trials until the whole study is finished; any number of workers, on any machines sharing the database',
    usage:
      'tasksieve worker STUDY.yaml|NAME --db postgres://USER@HOST/DB [--workers N] [--backend wasm|cpu|tensorflow] [--stale-after SECONDS] [--json] [--quiet]',
    positionals: 1,
    options: {
      db,
      workers: { type: 'string' },
      backend: { type: 'string' },
      'stale-after': { type: 'string' },
      json,
      quiet: { type: 'boolean' },
    },
    run: lazy(() => import('./worker-command.js'), (m) => m.workerCommand),
  },
  migrate: {
    summary: 'copy studies (trials, units, baselines, screen) from a SQLite file into PostgreSQL, in one transaction',
    usage: 'tasksieve migrate --from sqlite:PATH --to postgres://USER@HOST/DB [--study NAME] [--json]',
    positionals: 0,
    options: { from: { type: 'string' }, to: { type: 'string' }, study: { type: 'string' }, json },
    run: lazy(() => import('./migrate-command.js'), (m) => m.migrateCommand),
  },
  schema: {
    summary: 'print the JSON Schema of study files (for editor completion)',
    usage: 'tasksieve schema [-o FILE]',
    positionals: 0,
    options: { output: { type: 'string', short: 'o' } },
    run: lazy(queries, (m) => m.schemaCommand),
  },
};

function help(): string {
  const lines = ['tasksieve: search transfer-learning recipes and the source tasks to transfer from', '', 'Commands:'];
  for (const command of Object.values(COMMANDS)) lines.push(`  ${command.usage}`, `      ${command.summary}`);
  return lines.join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${help()}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`tasksieve: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')})\n`);
    return 2;
  }
  try {
    const parsed = parseArgs({ args: rest, options: command.options, allowPositionals: true, strict: true });
    if (parsed.positionals.length !== command.positionals) {
      process.stderr.write(`tasksieve ${name}: expected ${command.positionals} argument(s); usage: ${command.usage}\n`);
      return 2;
    }
    return await command.run(parsed.positionals, parsed.values as Options);
  } catch (error) {
    return reportError(name, error);
  }
}

function reportError(name: string, error: unknown): number {
  if (error instanceof TasksieveError) {
    process.stderr.write(`tasksieve ${name}: ${error.message}\n`);
    return error.exitCode;
  }
  const code = (error as { code?: string })?.code;
  if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
    process.stderr.write(`tasksieve ${name}: ${(error as Error).message.split('\n')[0]}\n`);
    return 2;
  }
  process.stderr.write(`tasksieve ${name}: internal error: ${(error as Error)?.stack ?? String(error)}\n`);
  return 1;
}
