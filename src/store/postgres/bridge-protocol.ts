// Messages between the main thread's SyncPgClient and the PostgreSQL bridge thread: plain data only.
// Types only; imported by both sides (the bridge thread must not import the store itself).
import type { MessagePort } from 'node:worker_threads';

export interface BridgeInit {
  readonly url: string;
  /** Int32 slot 0: 0 = waiting, 1 = a response is on the port, 2 = the bridge thread is gone. */
  readonly signal: SharedArrayBuffer;
  readonly port: MessagePort;
  readonly connectTimeoutMs: number;
  /** Statements every new connection runs first (e.g. read-only mode). */
  readonly onConnect: readonly string[];
}

export interface Statement {
  readonly sql: string;
  readonly params?: readonly unknown[];
}

/** Statements run in order on the one connection, each in its own round trip; stops at the first error. */
export type BridgeRequest = { readonly type: 'run'; readonly statements: readonly Statement[] } | { readonly type: 'close' };

export interface QueryResult {
  readonly rows: Record<string, unknown>[];
  readonly rowCount: number;
}

export interface BridgeError {
  /**
   * 'database': the server refused a statement (SQLSTATE in code); 'connection': no usable connection;
   * 'url': pg could not parse the connection URL (nothing was sent anywhere).
   */
  readonly kind: 'database' | 'connection' | 'url' | 'internal';
  readonly message: string;
  readonly code?: string;
  readonly detail?: string;
  readonly constraint?: string;
  /** Index of the failing statement in the request. */
  readonly index?: number;
}

export type BridgeResponse =
  | { readonly ok: true; readonly results: readonly QueryResult[] }
  | { readonly ok: false; readonly error: BridgeError };
