// Error classes with stable codes, shared by every module. An error's `exitCode` tells the CLI
// whether it is the user's input (2) or ours (1); an interruption is 130. Imports nothing.

export abstract class TasksieveError extends Error {
  abstract readonly code: string;
  readonly exitCode: number = 1;
}

/** A study file, data file or command-line value is wrong. The message is one line. */
export class StudyConfigError extends TasksieveError {
  readonly code = 'E_STUDY_CONFIG';
  override readonly exitCode = 2;
  override readonly name = 'StudyConfigError';
}

/** A data file cannot be read or is malformed. The message is one line naming the file. */
export class DataError extends TasksieveError {
  readonly code = 'E_DATA';
  override readonly exitCode = 2;
  override readonly name = 'DataError';
}

/**
 * A DataError caused by one field of a dataset's entry in the study file (a `where` column, a `drop`
 * entry): `field` is that field's path under the dataset, so the error is reported at it.
 */
export class DataFieldError extends DataError {
  constructor(
    message: string,
    readonly field: readonly (string | number)[],
  ) {
    super(message);
  }
}

/** A study exists with a different spec. */
export class SpecDriftError extends TasksieveError {
  readonly code = 'E_SPEC_DRIFT';
  override readonly exitCode = 2;
  override readonly name = 'SpecDriftError';
}

/** The storage refused an operation (unknown study, illegal transition, …). */
export class StoreError extends TasksieveError {
  readonly code = 'E_STORE';
  override readonly name = 'StoreError';
}

/**
 * The database named on the command line (or in `storage:`) is not one tasksieve may use: not a
 * database at all, another program's database, or a malformed PostgreSQL URL. Nothing was written.
 */
export class DatabaseInputError extends TasksieveError {
  readonly code = 'E_DATABASE_INPUT';
  override readonly exitCode = 2;
  override readonly name = 'DatabaseInputError';
}

/** The database stayed unreachable past --db-timeout (src/store/outage.ts); finished trials are kept. */
export class DatabaseUnavailableError extends TasksieveError {
  readonly code = 'E_DATABASE_UNAVAILABLE';
  override readonly name = 'DatabaseUnavailableError';
}

/** An output file (report, export, schema) could not be written; the previous file, if any, is unchanged. */
export class OutputWriteError extends TasksieveError {
  readonly code = 'E_OUTPUT_WRITE';
  override readonly name = 'OutputWriteError';
}

/** A write to a finished trial: finished trials are immutable. */
export class TrialFinishedError extends TasksieveError {
  readonly code = 'E_TRIAL_FINISHED';
  override readonly name = 'TrialFinishedError';
}

/** Training produced a NaN or infinite loss. */
export class NonFiniteLossError extends TasksieveError {
  readonly code = 'E_NON_FINITE_LOSS';
  override readonly name = 'NonFiniteLossError';
}

/**
 * The codes of the classes above whose exitCode is 2 (the user's input): an error that crossed a thread
 * boundary as plain data ({ name, message, code }) keeps its exit code through them.
 */
export const INPUT_ERROR_CODES: ReadonlySet<string> = new Set([
  'E_STUDY_CONFIG',
  'E_DATA',
  'E_SPEC_DRIFT',
  'E_DATABASE_INPUT',
]);
