// Who runs a trial, and when a RUNNING trial is stale (its runner died). Main thread.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/** `host:pid:nonce`: unique per runner, even for two runners in one process. */
export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;
}

function processIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A RUNNING trial is stale when its heartbeat is older than `staleAfterMs`, or at once when its
 * owner ran on this host and that process is gone: a killed run is resumed without waiting out the
 * heartbeat timeout. Another live runner's trials are never taken.
 */
export function isStaleOwner(
  trial: { owner: string | null; heartbeatAt: number | null },
  me: string,
  staleAfterMs: number,
  now = Date.now(),
): boolean {
  if (trial.owner === me) return false;
  if (trial.owner === null || trial.heartbeatAt === null) return true;
  if (now - trial.heartbeatAt > staleAfterMs) return true;
  const [host, pidText] = trial.owner.split(':');
  if (host !== hostname()) return false;
  const pid = Number(pidText);
  if (!Number.isInteger(pid)) return true;
  // Same process, other owner: a runner of this process that is no longer running.
  if (pid === process.pid) return false;
  return !processIsAlive(pid);
}
