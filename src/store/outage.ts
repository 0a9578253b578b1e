// Riding out a database that goes away for a while (a PostgreSQL server restarted, a SQLite file moved
// away and back): a store call that fails for a reason that may pass is retried with bounded backoff
// until the outage has lasted `timeoutMs`, then the store gives up for good with one
// DatabaseUnavailableError. Main thread only; the Store API is synchronous, so the waits block.
import { DatabaseUnavailableError } from '../errors.js';

/** A failure that may pass: the store retries the whole call (its transaction from BEGIN). */
export class TransientStoreError extends Error {
  override readonly name = 'TransientStoreError';
}

export interface OutageOptions {
  /** How long an outage may last before the store gives up; 0 gives up at the first failure. */
  readonly timeoutMs: number;
  /** The database for messages (a URL's password masked). */
  readonly label: string;
  /** Told once per outage, when it starts and when it ends (a line on stderr in the CLI). */
  readonly onOutage?: (event: { readonly type: 'down'; readonly reason: string } | { readonly type: 'up'; readonly downMs: number }) => void;
}

export const DEFAULT_DB_TIMEOUT_MS = 30_000;
const FIRST_BACKOFF_MS = 100;
const MAX_BACKOFF_MS = 2_000;

function seconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(1))} s`;
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
/** Blocks the thread for `ms` (the store's calls are synchronous). */
export function sleepSync(ms: number): void {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms);
}

export class OutageGuard {
  /** Once given up, every later call fails at once with the same error (no second wait). */
  private gaveUp: DatabaseUnavailableError | null = null;

  constructor(private readonly options: OutageOptions) {
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs < 0) {
      throw new RangeError('options.dbTimeoutMs must be a non-negative number');
    }
  }

  /**
   * Runs `attempt`; while it throws a TransientStoreError, waits (100 ms doubling to 2 s) and runs it
   * again, until the outage has lasted timeoutMs. `recover` runs before each retry: when the failed
   * attempt's outcome is unknown (the connection broke after COMMIT was sent), it returns what that
   * attempt committed, or undefined when it did not commit, so a write is never applied twice.
   */
  run<T>(attempt: () => T, recover?: () => T | undefined): T {
    if (this.gaveUp !== null) throw this.gaveUp;
    let downSince: number | null = null;
    let backoff = FIRST_BACKOFF_MS;
    for (;;) {
      try {
        const result = downSince !== null && recover !== undefined ? (recover() ?? attempt()) : attempt();
        if (downSince !== null) this.options.onOutage?.({ type: 'up', downMs: Date.now() - downSince });
        return result;
      } catch (error) {
        if (!(error instanceof TransientStoreError)) throw error;
        const now = Date.now();
        if (downSince === null) {
          downSince = now;
          this.options.onOutage?.({ type: 'down', reason: error.message });
        }
        const left = downSince + this.options.timeoutMs - now;
        if (left <= 0) {
          this.gaveUp = new DatabaseUnavailableError(
            `database ${this.options.label} unavailable for ${seconds(now - downSince)}, past --db-timeout ` +
              `${seconds(this.options.timeoutMs)} (${error.message}); finished trials are kept: ` +
              `run \`tasksieve resume\` when it is back`,
            { cause: error },
          );
          throw this.gaveUp;
        }
        sleepSync(Math.min(backoff, left));
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }
}
