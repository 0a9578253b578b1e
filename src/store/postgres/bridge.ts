// The PostgreSQL bridge thread: owns one `pg` connection and runs the statements the main thread's
// SyncPgClient posts, one request at a time, waking the blocked main thread through a shared Int32.
// Worker thread only; must not import the store, tfjs or worker (training) code.
import { isMainThread, workerData, type MessagePort } from 'node:worker_threads';
import pg from 'pg';
import type { BridgeError, BridgeInit, BridgeRequest, BridgeResponse, QueryResult } from './bridge-protocol.js';

if (isMainThread) {
  throw new Error('the PostgreSQL bridge must run in a worker thread: SyncPgClient starts it; do not import it');
}

const init = workerData as BridgeInit;
const port: MessagePort = init.port;
const signal = new Int32Array(init.signal);

// Ids, counts and millisecond timestamps are bigint columns: read them as numbers (all stay far below
// 2^53), not as the strings pg returns by default.
const types = new pg.TypeOverrides();
types.setTypeParser(pg.types.builtins.INT8, (text: string) => Number(text));

let client: pg.Client | null = null;

class UrlError extends Error {}

async function connection(): Promise<pg.Client> {
  if (client !== null) return client;
  let fresh: pg.Client;
  try {
    fresh = new pg.Client({
      connectionString: init.url,
      connectionTimeoutMillis: init.connectTimeoutMs,
      keepAlive: true,
      // A URL's application_name wins (operators tell workers apart in pg_stat_activity).
      fallback_application_name: 'tasksieve',
      types,
    });
  } catch (error) {
    // The constructor only parses the URL: a malformed one is the user's input, not a lost server.
    throw new UrlError(error instanceof Error ? error.message : String(error));
  }
  // A connection that breaks between requests is dropped here; the next request opens a new one.
  fresh.on('error', () => {
    if (client === fresh) client = null;
    fresh.end().catch(() => {});
  });
  try {
    await fresh.connect();
    // One round trip: without parameters a query may hold several statements.
    if (init.onConnect.length > 0) await fresh.query(init.onConnect.join('; '));
  } catch (error) {
    fresh.end().catch(() => {});
    throw error;
  }
  client = fresh;
  return fresh;
}

function toBridgeError(error: unknown, index?: number): BridgeError {
  if (error instanceof pg.DatabaseError) {
    return {
      kind: 'database',
      message: error.message,
      code: error.code,
      detail: error.detail,
      constraint: error.constraint,
      index,
    };
  }
  if (error instanceof UrlError) return { kind: 'url', message: error.message, index };
  const message = error instanceof Error ? error.message || (error as NodeJS.ErrnoException).code || String(error) : String(error);
  return { kind: 'connection', message, index };
}

async function run(request: Extract<BridgeRequest, { type: 'run' }>): Promise<BridgeResponse> {
  let db: pg.Client;
  try {
    db = await connection();
  } catch (error) {
    return { ok: false, error: toBridgeError(error) };
  }
  const results: QueryResult[] = [];
  for (const [index, statement] of request.statements.entries()) {
    try {
      const result = await db.query(statement.sql, statement.params as unknown[] | undefined);
      results.push({ rows: result.rows as Record<string, unknown>[], rowCount: result.rowCount ?? 0 });
    } catch (error) {
      // Anything but a server's answer means the connection is no longer trustworthy.
      // So does a server that is shutting down or restarting (57P01-57P03) or a connection exception (08).
      const serverGone = error instanceof pg.DatabaseError && /^(08|57P0[123])/.test(error.code ?? '');
      if ((!(error instanceof pg.DatabaseError) || serverGone) && client === db) {
        client = null;
        db.end().catch(() => {});
      }
      return { ok: false, error: toBridgeError(error, index) };
    }
  }
  return { ok: true, results };
}

function respond(response: BridgeResponse): void {
  port.postMessage(response);
  // The message is on the port before the flag flips, so the woken main thread always finds it.
  Atomics.store(signal, 0, 1);
  Atomics.notify(signal, 0);
}

port.on('message', (request: BridgeRequest) => {
  if (request.type === 'close') {
    const closing = client;
    client = null;
    void (closing?.end() ?? Promise.resolve())
      .catch(() => {})
      .then(() => {
        respond({ ok: true, results: [] });
        port.close();
      });
    return;
  }
  run(request).then(respond, (error: unknown) =>
    respond({ ok: false, error: { kind: 'internal', message: error instanceof Error ? error.message : String(error) } }),
  );
});

// The main thread may be blocked waiting for this thread: never leave it waiting on a dead thread.
process.on('exit', () => {
  Atomics.store(signal, 0, 2);
  Atomics.notify(signal, 0);
});
