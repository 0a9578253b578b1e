// When is a trial's owner provably dead? Real processes: a live one, a zombie, a reused pid (a live
// process that is not the owner), and an owner on another host (its heartbeat alone decides).
import { spawn } from 'node:child_process';
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { isStaleOwner, newOwnerId, ownerLiveness, parseOwner } from '../../src/study/owner.js';
import { killedAfterEach, processStartTime as startOf, processState as stateOf, unreapedSleep } from '../helpers/processes.js';

const track = killedAfterEach();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('owners', () => {
  it('records host, pid and the process start time', () => {
    const owner = newOwnerId();
    expect(parseOwner(owner)).toEqual({ host: hostname(), pid: process.pid, start: startOf(process.pid) });
    expect(ownerLiveness(owner)).toBe('alive');
    // Two runners of one process are two owners.
    expect(newOwnerId()).not.toBe(owner);
  });

  it('a live process with the recorded start time is alive; the same pid with another start time is a reused pid: dead', () => {
    const child = track(spawn('sleep', ['1000'], { detached: true, stdio: 'ignore' }));
    const pid = child.pid!;
    expect(ownerLiveness(`${hostname()}:${pid}:${startOf(pid)}:abcd`)).toBe('alive');
    // The pid runs, but a process that started at another time owned the trial.
    const other = String(Number(startOf(pid)) - 1);
    expect(ownerLiveness(`${hostname()}:${pid}:${other}:abcd`)).toBe('dead');
    // An owner of the older form (no start time) can only be judged by its pid.
    expect(ownerLiveness(`${hostname()}:${pid}:abcd`)).toBe('alive');
  });

  it('a killed process that nobody reaped yet (a zombie, which still answers kill -0) is dead', async () => {
    const pid = await unreapedSleep(track);
    const owner = `${hostname()}:${pid}:${startOf(pid)}:abcd`;
    expect(ownerLiveness(owner)).toBe('alive');
    process.kill(pid, 'SIGKILL');
    for (let i = 0; i < 100 && stateOf(pid) !== 'Z'; i++) await sleep(10);
    expect(stateOf(pid)).toBe('Z');
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect(ownerLiveness(owner)).toBe('dead');
    expect(ownerLiveness(`${hostname()}:${pid}:abcd`)).toBe('dead');
  });

  it('a pid that no longer exists is dead', async () => {
    const child = spawn('true', [], { stdio: 'ignore' });
    const pid = child.pid!;
    await new Promise((resolve) => child.on('close', resolve));
    expect(ownerLiveness(`${hostname()}:${pid}:1:abcd`)).toBe('dead');
  });

  it('an owner on another host is judged by its heartbeat only', () => {
    const remote = 'another-machine:4242:123:cafe';
    expect(ownerLiveness(remote)).toBe('unknown');
    const now = Date.now();
    expect(isStaleOwner({ owner: remote, heartbeatAt: now - 5_000 }, newOwnerId(), 60_000, now)).toBe(false);
    expect(isStaleOwner({ owner: remote, heartbeatAt: now - 61_000 }, newOwnerId(), 60_000, now)).toBe(true);
    // A dead owner on this host is stale at once, whatever its heartbeat.
    expect(isStaleOwner({ owner: `${hostname()}:999999999:1:cafe`, heartbeatAt: now }, newOwnerId(), 60_000, now)).toBe(true);
    // Never one's own trials.
    const me = newOwnerId();
    expect(isStaleOwner({ owner: me, heartbeatAt: now - 1e9 }, me, 60_000, now)).toBe(false);
  });
});
