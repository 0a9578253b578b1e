// Every error class is a TasksieveError with a stable code and a deliberate exit code, including the
// ones defined next to the code that throws them (pool executor, PostgreSQL client).
import { describe, expect, it } from 'vitest';
import * as errors from '../src/errors.js';
import { INPUT_ERROR_CODES, TasksieveError } from '../src/errors.js';
import { PgRequestError } from '../src/store/postgres/sync-client.js';
import { PoolStartAbortedError, UnitFailedError } from '../src/study/pool-executor.js';

describe('error classes', () => {
  it('INPUT_ERROR_CODES are exactly the codes of the exit-2 classes of src/errors.ts', () => {
    const classes = Object.values(errors).filter(
      (value): value is new (message: string) => TasksieveError =>
        typeof value === 'function' && value.prototype instanceof TasksieveError,
    );
    expect(classes.length).toBeGreaterThan(5);
    const input = classes.map((C) => new C('m')).filter((e) => e.exitCode === 2).map((e) => e.code);
    expect(new Set(input)).toEqual(INPUT_ERROR_CODES);
  });

  it('UnitFailedError: E_UNIT_FAILED, exit 1 unless the worker threw an input error', () => {
    const failed = new UnitFailedError({ name: 'UnitTimeoutError', code: 'E_UNIT_TIMEOUT', message: 'unit timed out after 12s' });
    expect(failed).toBeInstanceOf(TasksieveError);
    expect(failed).toMatchObject({ name: 'UnitFailedError', code: 'E_UNIT_FAILED', exitCode: 1 });
    expect(failed.message).toBe('UnitTimeoutError: unit timed out after 12s');
    expect(new UnitFailedError({ name: 'Error', message: 'boom' }).exitCode).toBe(1);
    expect(new UnitFailedError({ name: 'NonFiniteLossError', code: 'E_NON_FINITE_LOSS', message: 'NaN' }).exitCode).toBe(1);
    expect(new UnitFailedError({ name: 'DataError', code: 'E_DATA', message: 'features differ' }).exitCode).toBe(2);
  });

  it('PoolStartAbortedError: E_POOL_START_ABORTED, exit 130 (an interruption)', () => {
    const aborted = new PoolStartAbortedError('worker start-up was interrupted');
    expect(aborted).toBeInstanceOf(TasksieveError);
    expect(aborted).toMatchObject({ name: 'PoolStartAbortedError', code: 'E_POOL_START_ABORTED', exitCode: 130 });
  });

  it('PgRequestError: E_PG_REQUEST, exit 1, the SQLSTATE in sqlState', () => {
    const refused = new PgRequestError({ kind: 'database', message: 'duplicate key', code: '23505', constraint: 'studies_name_key' });
    expect(refused).toBeInstanceOf(TasksieveError);
    expect(refused).toMatchObject({
      name: 'PgRequestError',
      code: 'E_PG_REQUEST',
      exitCode: 1,
      kind: 'database',
      sqlState: '23505',
      constraint: 'studies_name_key',
    });
    expect(new PgRequestError({ kind: 'timeout', message: 'no answer' }).sqlState).toBeUndefined();
  });
});
