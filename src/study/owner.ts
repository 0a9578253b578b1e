// Who runs a trial, and when a RUNNING trial is stale (its runner died). Main thread.
//
// An owner is `host:pid:start:nonce`, where `start` is the process's start time in clock ticks since
// boot (/proc/PID/stat, field 22; `-` where there is no /proc). On the owner's own host that makes
// death provable at once: the pid is gone, or it is a zombie (killed, not yet reaped: it still
// answers kill -0), or it now belongs to another process that started at another time (a reused
// pid). Owners written before the start time was recorded (`host:pid:nonce`) get the pid and zombie
// checks. Owners on other hosts are judged by their heartbeat alone.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

interface ProcessStat {
  /** One letter: R running, S sleeping, D disk wait, Z zombie, X dead, T stopped, … */
  readonly state: string;
  /** Clock ticks since boot when the process started. */
  readonly start: string;
}

/**
 * The kernel's view of a process (Linux), 'gone' when it does not exist, null when this system has
 * no /proc to ask.
 */
function readProcessStat(pid: number | 'self'): ProcessStat | 'gone' | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ESRCH') return hasProc() ? 'gone' : null;
    return null;
  }
  // `pid (comm) state ppid … starttime …`: comm may hold spaces and parentheses, so split after the
  // last ')'. The fields after it start with field 3 (state); starttime is field 22.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = fields[0];
  const start = fields[19];
  return state && start ? { state, start } : null;
}

let procAvailable: boolean | undefined;
function hasProc(): boolean {
  procAvailable ??= (() => {
    try {
      readFileSync('/proc/self/stat');
      return true;
    } catch {
      return false;
    }
  })();
  return procAvailable;
}

let ownStart: string | undefined;
function ownStartTime(): string {
  if (ownStart === undefined) {
    const stat = readProcessStat('self');
    ownStart = stat !== null && stat !== 'gone' ? stat.start : '-';
  }
  return ownStart;
}

/** `host:pid:start:nonce`: unique per runner, even for two runners in one process. */
export function newOwnerId(): string {
  return `${hostname()}:${process.pid}:${ownStartTime()}:${randomBytes(4).toString('hex')}`;
}

interface ParsedOwner {
  readonly host: string;
  readonly pid: number;
  /** null for owners of the older `host:pid:nonce` form, or where the start time was unknown. */
  readonly start: string | null;
}

export function parseOwner(owner: string): ParsedOwner | null {
  const parts = owner.split(':');
  if (parts.length !== 3 && parts.length !== 4) return null;
  const pid = Number(parts[1]);
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  const start = parts.length === 4 && parts[2] !== '-' ? parts[2]! : null;
  return { host: parts[0]!, pid, start };
}

function signalZeroSucceeds(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * `dead` when the owner provably no longer runs: on this host, its process is gone, a zombie, or a
 * different process under a reused pid. `alive` when its process runs on this host. `unknown` for
 * owners on other hosts (and unreadable owners of other hosts): only their heartbeat can tell.
 */
export function ownerLiveness(owner: string): 'alive' | 'dead' | 'unknown' {
  const parsed = parseOwner(owner);
  if (parsed === null) return owner.split(':')[0] === hostname() ? 'dead' : 'unknown';
  if (parsed.host !== hostname()) return 'unknown';
  if (parsed.pid === process.pid) return parsed.start === null || parsed.start === ownStartTime() || ownStartTime() === '-' ? 'alive' : 'dead';
  const stat = readProcessStat(parsed.pid);
  if (stat === 'gone') return 'dead';
  if (stat === null) return signalZeroSucceeds(parsed.pid) ? 'alive' : 'dead';
  if (stat.state === 'Z' || stat.state === 'X') return 'dead';
  if (parsed.start !== null && parsed.start !== stat.start) return 'dead';
  return 'alive';
}

/**
 * A RUNNING trial is stale when its heartbeat is older than `staleAfterMs`, or at once when its
 * owner provably died (ownerLiveness). Another live runner's trials are never taken; neither are
 * those of another runner of this very process (it may still finish them).
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
  return ownerLiveness(trial.owner) === 'dead';
}
