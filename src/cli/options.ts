// The command-line table: every command with its summary, its arguments and its options, each option
// with its type (string, whole number, flag or one of a list), its description and short alias. The
// parseArgs config, the typed values commands receive, the usage lines and the help are all made from
// it; values are checked here, once, with one message per field. Main thread. Imports only constant
// lists of src/spec: every run of the CLI loads this module.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { StudyConfigError } from '../errors.js';
import { AGGREGATES, ARTIFACT_POLICIES } from '../spec/study.js';
import { BACKENDS } from '../spec/units.js';

interface OptionBase {
  readonly description: string;
  /** One letter: `-o` for `--output`. Messages name an option with it when it has one. */
  readonly short?: string;
}

export interface StringOption extends OptionBase {
  readonly type: 'string';
  /** What the value is, in the usage line: `--db PATH`. */
  readonly placeholder: string;
  /**
   * The command cannot do without the option; shown without brackets in the usage line. A string is
   * the message (after the option's name) when it is missing or empty, checked here; `true`: the
   * command checks the value itself (a missing one included).
   */
  readonly required?: string | true;
}

/** A whole number written in decimal digits (`--top 5`), at least `min` when given. */
export interface IntOption extends OptionBase {
  readonly type: 'int';
  readonly placeholder: string;
  readonly min?: number;
  /** The value when the option is absent (then never undefined). */
  readonly default?: number;
}

export interface BooleanOption extends OptionBase {
  readonly type: 'boolean';
}

/** One of a fixed list of words (`--backend wasm`). */
export interface EnumOption extends OptionBase {
  readonly type: 'enum';
  readonly values: readonly string[];
  readonly default?: string;
}

export type OptionSpec = StringOption | IntOption | BooleanOption | EnumOption;

export interface PositionalSpec {
  /** As shown in the usage line: `STUDY.yaml|NAME`. */
  readonly name: string;
  readonly description: string;
}

export interface CommandSpec {
  readonly summary: string;
  readonly positionals: readonly PositionalSpec[];
  readonly options: { readonly [name: string]: OptionSpec };
}

/**
 * The value a command receives for an option: typed and checked; absent, undefined unless the option
 * has a default or is required (a flag is false).
 */
export type OptionValue<O extends OptionSpec> = O extends { readonly type: 'boolean' }
  ? boolean
  : O extends { readonly type: 'int' }
    ? O extends { readonly default: number } ? number : number | undefined
    : O extends { readonly type: 'enum'; readonly values: readonly (infer V)[] }
      ? O extends { readonly default: string } ? V : V | undefined
      : O extends { readonly required: string } ? string : string | undefined;

export type OptionValues<S extends CommandSpec> = { readonly [K in keyof S['options']]: OptionValue<S['options'][K]> };

/** A string for each element of a tuple (a homomorphic mapped type keeps it a tuple). */
type Strings<T extends readonly unknown[]> = { readonly [I in keyof T]: string };

/** The positional arguments, one string each (their number is checked). */
export type PositionalValues<S extends CommandSpec> = Strings<S['positionals']>;

// ---- the table ----------------------------------------------------------------------------------

const study = { name: 'STUDY.yaml|NAME', description: 'a study file, or the name of a study in the database' } as const;
const studyFile = { name: 'STUDY.yaml', description: 'the study file (YAML)' } as const;

const db = {
  type: 'string',
  placeholder: 'PATH',
  description: "the database: a SQLite file (or sqlite:PATH) or a postgres:// URL (default: the study file's storage, else tasksieve.db)",
} as const;
const json = { type: 'boolean', description: 'print one JSON document on stdout instead of text' } as const;
const quiet = { type: 'boolean', description: 'no progress on stderr and no summary on stdout' } as const;
const backend = {
  type: 'enum',
  values: BACKENDS,
  description: 'the TensorFlow.js backend of the worker threads (default: the first of these that loads)',
} as const;
const workers = { type: 'int', placeholder: 'N', description: "worker threads (default: the study's budget.workers)" } as const;
const stack = {
  type: 'int',
  placeholder: 'K',
  min: 1,
  description: "train up to K units of one trial at once in a worker, stacked (same results; default 1: one at a time)",
} as const;
const artifacts = {
  type: 'enum',
  values: ARTIFACT_POLICIES,
  description: "which trained models the database keeps: none, best (the current best trial's) or all (default: the study's artifacts, else best)",
} as const;
const force = {
  type: 'boolean',
  description: 'continue a study whose file drifted from the stored study, with the stored spec (the differences are printed)',
} as const;
const noWait = {
  type: 'boolean',
  description: "end once the budget is handed out instead of waiting for other runners' trials (exit 3 if any is unfinished)",
} as const;

const dbTimeout = {
  type: 'int',
  placeholder: 'SECONDS',
  min: 0,
  description:
    'while the database is unreachable (server stopped, file moved away), retry for up to this long, then end with exit 1 (default 30)',
} as const;

export const COMMANDS = {
  run: {
    summary: 'create or continue a study from its file and run it to its total',
    positionals: [studyFile],
    options: {
      db,
      trials: { type: 'int', placeholder: 'N', description: "the study's total of trials (default: budget.trials of the file)" },
      workers,
      stack,
      backend,
      artifacts,
      force,
      'no-wait': noWait,
      'db-timeout': dbTimeout,
      json,
      quiet,
    },
  },
  resume: {
    summary: 're-queue interrupted trials and run the study until it has its total',
    positionals: [study],
    options: { db, workers, stack, backend, artifacts, force, 'no-wait': noWait, 'db-timeout': dbTimeout, json, quiet },
  },
  leaderboard: {
    summary: 'best trials first, with source subsets and per-target gains over the baseline',
    positionals: [study],
    options: {
      db,
      top: { type: 'int', placeholder: 'N', default: 10, description: 'rows shown' },
      by: { type: 'enum', values: AGGREGATES, description: "re-rank by this aggregate of each trial's (or subset's) per-unit values" },
      subsets: { type: 'boolean', description: 'rank source subsets (over every trial that used them) instead of trials' },
      pareto: {
        type: 'boolean',
        description: 'multi-objective studies: the non-dominated trials (feasible ones only, with constraints), by the first objective',
      },
      json,
    },
  },
  sources: {
    summary: 'per-source effects on the transfer gain with bootstrap intervals: helpful, neutral or harmful',
    positionals: [study],
    options: {
      db,
      target: { type: 'string', placeholder: 'T', description: 'only this target (default: all targets, and each one)' },
      resamples: { type: 'int', placeholder: 'N', description: 'bootstrap resamples (default 500)' },
      seed: { type: 'int', placeholder: 'N', description: 'seed of the bootstrap (default 0)' },
      json,
    },
  },
  screen: {
    summary: 'rank sources by transferability screens (LEEP, LogME, H-score, NCE) before any fine-tuning',
    positionals: [study],
    options: {
      db,
      workers: { type: 'int', placeholder: 'N', min: 1, description: "worker threads (default: the study's budget.workers, at most one per source)" },
      backend,
      json,
    },
  },
  suggest: {
    summary: 'the source subsets worth evaluating next (predicted best, not tried yet); --enqueue adds them as trials the next run takes first',
    positionals: [study],
    options: {
      db,
      count: { type: 'int', placeholder: 'N', min: 1, default: 3, description: 'subsets suggested' },
      enqueue: { type: 'boolean', description: "add them as WAITING trials with the best trial's recipe" },
      json,
    },
  },
  studies: {
    summary: 'list the studies in a database',
    positionals: [],
    options: { db, json },
  },
  export: {
    summary: 'write every trial of a study as CSV or JSON',
    positionals: [study],
    options: {
      db,
      format: { type: 'enum', values: ['csv', 'json'], default: 'csv', description: 'the file format' },
      output: { type: 'string', short: 'o', placeholder: 'FILE', description: 'write to this file (default: stdout)' },
    },
  },
  report: {
    summary: 'write one self-contained HTML report with charts (works on a running study)',
    positionals: [study],
    options: {
      db,
      output: {
        type: 'string',
        short: 'o',
        placeholder: 'FILE.html',
        required: 'the HTML file to write is required (tasksieve report STUDY -o report.html)',
        description: 'the HTML file to write, replaced atomically',
      },
      top: { type: 'int', placeholder: 'N', description: 'leaderboard rows shown (default 20)' },
      json,
    },
  },
  worker: {
    summary:
      'join a study (its file creates it if needed) and run trials until the whole study is finished; any number of workers, on any machines sharing the database',
    positionals: [study],
    options: {
      db: { ...db, placeholder: 'postgres://USER@HOST/DB', description: "the database every worker shares (default: the study file's storage)" },
      workers,
      stack,
      backend,
      artifacts,
      'stale-after': {
        type: 'int',
        placeholder: 'SECONDS',
        description: "re-queue another machine's trial once its heartbeat is this old (default 60)",
      },
      'db-timeout': dbTimeout,
      json,
      quiet,
    },
  },
  migrate: {
    summary: 'copy studies (trials, units, stored models, baselines, screen) from a SQLite file into PostgreSQL, in one transaction',
    positionals: [],
    options: {
      from: { type: 'string', placeholder: 'sqlite:PATH', required: 'required (sqlite:PATH or a database path)', description: 'the SQLite database to copy from' },
      to: { type: 'string', placeholder: 'postgres://USER@HOST/DB', required: true, description: 'the PostgreSQL database to copy into' },
      study: { type: 'string', placeholder: 'NAME', description: 'only this study (default: every study)' },
      json,
    },
  },
  model: {
    summary:
      "write a trial's model as TF.js Layers files (model.json, weights.bin) plus tasksieve-model.json; retrains it through the pool when it is not stored",
    positionals: [study],
    options: {
      db,
      trial: { type: 'string', placeholder: 'N|best|recommended', description: 'a trial number, the best trial, or the recommended source subset with the best recipe (default best)' },
      target: { type: 'string', placeholder: 'T', description: "the target the model is for (default: the study's first target)" },
      seed: { type: 'int', placeholder: 'S', min: 0, description: "the seed index of the unit (default 0)" },
      output: {
        type: 'string',
        short: 'o',
        placeholder: 'DIR',
        required: 'the model folder to write is required (tasksieve model STUDY -o model/)',
        description: 'the model folder to write, replaced atomically',
      },
      backend,
      json,
    },
  },
  predict: {
    summary: 'predict the rows of a CSV with a model folder: label and per-class probabilities; with --label, accuracy, macro-F1, recall and the confusion matrix',
    positionals: [
      { name: 'DIR', description: 'a model folder written by tasksieve model' },
      { name: 'DATA.csv', description: 'rows with the columns the model was trained on, by name' },
    ],
    options: {
      output: { type: 'string', short: 'o', placeholder: 'OUT.csv', description: 'write the predictions to this file (default: stdout)' },
      label: { type: 'string', placeholder: 'COLUMN', description: 'the CSV column with the true labels: also print the metrics' },
      delimiter: {
        type: 'enum',
        values: [',', ';', '|', 'tab', '\t'],
        description: "the CSV's field delimiter, when it is not the training file's (default: the model's, from its training CSV)",
      },
      decimal: { type: 'enum', values: ['.', ','], description: "how the CSV writes decimals, when not as the training file did (default: the model's)" },
      json,
    },
  },
  init: {
    summary: 'write a first study file for a CSV whose rows come from several domains (one dataset per value, quantile bin or year of the domain column), or for a folder of CSVs, one per domain',
    positionals: [{ name: 'DATA.csv|DIR', description: 'the rows of every domain, a header row first; or a folder of .csv/.csv.gz files with the same columns, one per domain' }],
    options: {
      label: { type: 'string', placeholder: 'COLUMN', required: 'the label column is required (--label COLUMN)', description: 'the column with the class of each row' },
      domain: {
        type: 'string',
        placeholder: 'COLUMN',
        description: 'a CSV: the column that says which domain a row comes from (a site, a year, a device): one dataset per value, per quantile bin of a numeric column with many values, or per year of a date column (2015-03-01)',
      },
      target: { type: 'string', placeholder: 'VALUE', description: 'the target domain: a value of the domain column or a dataset name (default: the smallest domain; of years, the newest)' },
      bins: { type: 'int', placeholder: 'N', min: 2, default: 4, description: 'quantile bins of a numeric domain column with many values' },
      name: { type: 'string', placeholder: 'NAME', description: "the study's name (default: the CSV's or the folder's name)" },
      output: { type: 'string', short: 'o', placeholder: 'FILE', description: 'the study file to write (default: NAME.yaml in the current folder)' },
      force: { type: 'boolean', description: 'replace FILE if it exists' },
    },
  },
  schema: {
    summary: 'print the JSON Schema of study files (for editor completion)',
    positionals: [],
    options: { output: { type: 'string', short: 'o', placeholder: 'FILE', description: 'write to this file (default: stdout)' } },
  },
} as const satisfies { readonly [name: string]: CommandSpec };

export type CommandName = keyof typeof COMMANDS;
/** The checked options of a command, as its run function receives them. */
export type Options<N extends CommandName> = OptionValues<(typeof COMMANDS)[N]>;
export type Args<N extends CommandName> = PositionalValues<(typeof COMMANDS)[N]>;

export function isCommandName(name: string): name is CommandName {
  return Object.hasOwn(COMMANDS, name);
}

// ---- parsing and checking -------------------------------------------------------------------------

/** How messages name an option: `-o` when it has a short alias, else `--name`. */
export function optionLabel(name: string, option: OptionSpec): string {
  return option.short !== undefined ? `-${option.short}` : `--${name}`;
}

/** The node:util parseArgs options of a command (numbers and words are strings until checked). */
export function parseArgsOptions(spec: CommandSpec): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = {};
  for (const [name, option] of Object.entries(spec.options)) {
    options[name] = { type: option.type === 'boolean' ? 'boolean' : 'string', ...(option.short !== undefined ? { short: option.short } : {}) };
  }
  return options;
}

/** `-h` or `--help` among the arguments (before a `--` terminator). */
export function wantsHelp(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end < 0 ? args : args.slice(0, end)).some((a) => a === '--help' || a === '-h');
}

/**
 * The command's arguments, checked against its table entry. Throws StudyConfigError (exit 2) with one
 * line naming the option (or the argument count); node:util's own ERR_PARSE_ARGS_* errors (an unknown
 * option, a missing value) go through unchanged.
 */
export function parseCommand<N extends CommandName>(name: N, argv: readonly string[], usage: string): { args: Args<N>; options: Options<N> } {
  const spec: CommandSpec = COMMANDS[name];
  const parsed = parseArgs({ args: [...argv], options: parseArgsOptions(spec), allowPositionals: true, strict: true });
  if (parsed.positionals.length !== spec.positionals.length) {
    throw new StudyConfigError(`expected ${spec.positionals.length} argument(s); usage: ${usage}`);
  }
  const values: Record<string, unknown> = {};
  for (const [option, optionSpec] of Object.entries(spec.options)) {
    values[option] = checkOption(option, optionSpec, parsed.values[option]);
  }
  // The checks above gave each option the type OptionValue computes from the same table entry.
  return { args: parsed.positionals as Args<N>, options: values as Options<N> };
}

/** One option's value from parseArgs (a string, true, or undefined) to its type; one message per rule. */
export function checkOption(name: string, option: OptionSpec, raw: unknown): string | number | boolean | undefined {
  const label = optionLabel(name, option);
  switch (option.type) {
    case 'boolean':
      return raw === true;
    case 'string':
      if (typeof option.required === 'string' && (raw === undefined || raw === '')) throw new StudyConfigError(`${label}: ${option.required}`);
      return typeof raw === 'string' ? raw : undefined;
    case 'int': {
      if (raw === undefined) return option.default;
      const value = Number(raw);
      if (typeof raw !== 'string' || !/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
        throw new StudyConfigError(`${label}: must be a whole number (got "${String(raw)}")`);
      }
      if (option.min !== undefined && value < option.min) throw new StudyConfigError(`${label}: must be at least ${option.min} (got ${value})`);
      return value;
    }
    case 'enum': {
      if (raw === undefined) return option.default;
      if (typeof raw !== 'string' || !option.values.includes(raw)) {
        const allowed = option.values.length === 2 ? `${option.values[0]} or ${option.values[1]}` : `one of ${option.values.join(', ')}`;
        throw new StudyConfigError(`${label}: must be ${allowed} (got "${String(raw)}")`);
      }
      return raw;
    }
  }
}
