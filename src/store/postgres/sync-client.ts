// A synchronous PostgreSQL client for the (synchronous) Store contract: each call posts the statements
// to a bridge thread that owns the `pg` connection and blocks on Atomics.wait until it answers.
// Main thread (any thread that may block); must not import tfjs or worker (training) code.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { TasksieveError } from '../../errors.js';
import type { BridgeError, BridgeInit, BridgeRequest, BridgeResponse, QueryResult, Statement } from './bridge-protocol.js';

export type { QueryResult, Statement } from './bridge-protocol.js';

export interface SyncPgClientOptions {
  /** How long opening a connection may take; default 10 000 ms. */
  readonly connectTimeoutMs?: number;
  /** How long one request may block (lock waits included) before the client gives up; default 120 000 ms. */
  readonly requestTimeoutMs?: number;
  /** Statements every (re)connection runs first. */
  readonly onConnect?: readonly string[];
}

/**
 * A statement or the connection failed; `kind`, `sqlState`, `detail` and `constraint` are the bridge's.
 * Exit code 1: PostgresStore rewraps it as a StoreError, and anything else reaching PostgreSQL directly
 * (tests, benchmarks) is ours too.
 */
export class PgRequestError extends TasksieveError {
  override readonly name = 'PgRequestError';
  readonly code = 'E_PG_REQUEST';
  readonly kind: BridgeError['kind'] | 'timeout';
  /** The server's SQLSTATE (e.g. 23505) when kind is 'database'. */
  readonly sqlState: string | undefined;
  readonly detail: string | undefined;
  readonly constraint: string | undefined;
  constructor(error: BridgeError | { kind: 'timeout'; message: string }) {
    super(error.message);
    this.kind = error.kind;
    const e = error as BridgeError;
    this.sqlState = e.code;
    this.detail = e.detail;
    this.constraint = e.constraint;
  }
}

/**
 * The compiled bridge: next to this file in dist/, or in dist/store/postgres/ when this runs from
 * src/ (tests run TypeScript through vitest; a worker thread needs JavaScript, so build first).
 */
export function bridgePath(): string {
  const here = fileURLToPath(import.meta.url);
  return here.endsWith('.ts')
    ? resolve(dirname(here), '../../../dist/store/postgres/bridge.js')
    : resolve(dirname(here), 'bridge.js');
}

const WAIT_SLICE_MS = 1_000;

export class SyncPgClient {
  private readonly flag: Int32Array;
  private closed = false;

  private constructor(
    private readonly worker: Worker,
    private readonly port: MessagePort,
    signal: SharedArrayBuffer,
    private readonly requestTimeoutMs: number,
  ) {
    this.flag = new Int32Array(signal);
  }

  /** Starts the bridge thread and opens the connection; throws PgRequestError if it cannot. */
  static connect(url: string, options: SyncPgClientOptions = {}): SyncPgClient {
    const signal = new SharedArrayBuffer(4);
    const { port1, port2 } = new MessageChannel();
    const init: BridgeInit = {
      url,
      signal,
      port: port2,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      onConnect: options.onConnect ?? [],
    };
    const worker = new Worker(bridgePath(), { workerData: init, transferList: [port2] });
    // The bridge must never keep a finished CLI alive; close() ends it properly.
    worker.unref();
    const client = new SyncPgClient(worker, port1, signal, options.requestTimeoutMs ?? 120_000);
    try {
      client.run([]); // an empty request opens the connection
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
  }

  query(sql: string, params?: readonly unknown[]): QueryResult {
    return this.run([{ sql, params }])[0]!;
  }

  /** Runs the statements in order on the one connection: one thread hop, one round trip each. */
  run(statements: readonly Statement[]): QueryResult[] {
    // 'internal', not 'connection': no retry can bring a closed client (closed, or given up after a timeout) back.
    if (this.closed) throw new PgRequestError({ kind: 'internal', message: 'the PostgreSQL client is closed' });
    const response = this.request({ type: 'run', statements });
    if (!response.ok) throw new PgRequestError(response.error);
    return [...response.results];
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    try {
      this.request({ type: 'close' }, 5_000);
    } catch {
      // The thread is terminated below whatever happened to the polite goodbye.
    }
    this.port.close();
    void this.worker.terminate();
  }

  private request(request: BridgeRequest, timeoutMs = this.requestTimeoutMs): BridgeResponse {
    Atomics.store(this.flag, 0, 0);
    this.port.postMessage(request);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const remaining = deadline - Date.now();
      Atomics.wait(this.flag, 0, 0, Math.max(0, Math.min(WAIT_SLICE_MS, remaining)));
      const received = receiveMessageOnPort(this.port);
      if (received !== undefined) return received.message as BridgeResponse;
      if (Atomics.load(this.flag, 0) === 2) {
        this.closed = true;
        throw new PgRequestError({ kind: 'internal', message: 'the PostgreSQL bridge thread stopped' });
      }
      if (Date.now() >= deadline) {
        // A late answer would be taken for the next request's: this client cannot be used again.
        this.closed = true;
        this.port.close();
        void this.worker.terminate();
        throw new PgRequestError({ kind: 'timeout', message: `no answer from PostgreSQL within ${timeoutMs} ms` });
      }
    }
  }
}
