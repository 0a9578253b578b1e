// The command-line entry: finds the command in the table (options.ts), checks its arguments, imports
// its module and runs it; prints help, the version, and errors (one line each) with the exit code:
// 0 ok, 1 internal error, 2 bad input, 3 study not finished (--no-wait), 130 interrupted.
// Main thread. Dispatches only: no command module imports this file.
import { TasksieveError } from '../errors.js';
import { commandHelp, programHelp, usageLine } from './help.js';
import { COMMANDS, isCommandName, parseCommand, wantsHelp, type Args, type CommandName, type Options } from './options.js';
import { dropOutputOnClosedPipe, printLines, printNote } from './output.js';
import { packageVersion } from './version.js';
import { enableCompileCache } from '../util/compile-cache.js';

type Run<N extends CommandName> = (args: Args<N>, options: Options<N>) => Promise<number>;

/**
 * Each command's module, imported only when that command runs: the modules pull in different parts
 * (the worker pool, the report's chart library, PostgreSQL), and each spawn of the CLI should pay only
 * for its own. test/cli/lazy-loading.test.ts checks that the read-only ones never load the pool.
 */
const RUN: { readonly [N in CommandName]: () => Promise<Run<N>> } = {
  run: async () => (await import('./run-command.js')).runCommand,
  resume: async () => (await import('./run-command.js')).resumeCommand,
  leaderboard: async () => (await import('./leaderboard-command.js')).leaderboardCommand,
  sources: async () => (await import('./sources-command.js')).sourcesCommand,
  screen: async () => (await import('./screen-command.js')).screenCommand,
  suggest: async () => (await import('./suggest-command.js')).suggestCommand,
  studies: async () => (await import('./studies-command.js')).studiesCommand,
  export: async () => (await import('./export-command.js')).exportCommand,
  report: async () => (await import('./report-command.js')).reportCommand,
  worker: async () => (await import('./worker-command.js')).workerCommand,
  migrate: async () => (await import('./migrate-command.js')).migrateCommand,
  init: async () => (await import('./init-command.js')).initCommand,
  schema: async () => (await import('./schema-command.js')).schemaCommand,
  model: async () => (await import('./model-command.js')).modelCommand,
  predict: async () => (await import('./predict-command.js')).predictCommand,
};

export async function main(argv: readonly string[]): Promise<number> {
  dropOutputOnClosedPipe();
  // The generated study validator (~1.8 MB of CommonJS) is what every command that reads a study file compiles.
  enableCompileCache();
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    if (topic !== undefined && isCommandName(topic)) {
      printLines(commandHelp(topic));
      return 0;
    }
    if (topic !== undefined) return unknownCommand(topic);
    printLines(programHelp());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') {
    printLines(packageVersion());
    return 0;
  }
  if (!isCommandName(name)) return unknownCommand(name);
  if (wantsHelp(rest)) {
    printLines(commandHelp(name));
    return 0;
  }
  const removeSignalExit = exitOnSignal();
  // The runners install their own clean stop (src/cli/run-command.ts) once loaded.
  if (STOPS_ITSELF.has(name)) removeSignalExit();
  try {
    return await dispatch(name, rest);
  } catch (error) {
    return reportError(name, error);
  }
}

/** run, resume and worker stop cleanly on a signal themselves (finished trials kept, running ones handed back). */
const STOPS_ITSELF: ReadonlySet<CommandName> = new Set(['run', 'resume', 'worker']);

/**
 * Every other command ends at once on SIGINT/SIGTERM with exit 130: what it writes is one transaction
 * (migrate, suggest --enqueue) or one atomic rename (report, export, schema), and both are
 * synchronous, so a signal lands before or after a write, never inside it: the database and the output
 * file are as they were, or complete. Installed first thing; returns its removal.
 */
function exitOnSignal(): () => void {
  const stop = (): never => process.exit(130);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
}

/** Checks the arguments first (bad input loads no command module), then imports and runs. */
async function dispatch<N extends CommandName>(name: N, argv: readonly string[]): Promise<number> {
  const { args, options } = parseCommand(name, argv, usageLine(name));
  const run = await RUN[name]();
  return run(args, options);
}

function unknownCommand(name: string): number {
  printNote(`tasksieve: unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(', ')})`);
  return 2;
}

function reportError(name: string, error: unknown): number {
  if (error instanceof TasksieveError) {
    printNote(`tasksieve ${name}: ${error.message}`);
    return error.exitCode;
  }
  // node:util parseArgs: an unknown option, a missing value, … (its first line is the message).
  if (error instanceof Error && 'code' in error && typeof error.code === 'string' && error.code.startsWith('ERR_PARSE_ARGS')) {
    printNote(`tasksieve ${name}: ${error.message.split('\n')[0]}`);
    return 2;
  }
  printNote(`tasksieve ${name}: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  return 1;
}
