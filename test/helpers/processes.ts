// Processes for the liveness tests: the kernel's view of one (/proc), and children killed (with
// their process groups) after each test. Test code only; Linux.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterEach } from 'vitest';

/** Fields of /proc/PID/stat after `pid (comm)`: [0] is field 3 (state), [19] field 22 (starttime). */
function statFields(pid: number): string[] {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** Clock ticks since boot when the process started. */
export const processStartTime = (pid: number): string => statFields(pid)[19]!;
/** R, S, D, Z (zombie), … */
export const processState = (pid: number): string => statFields(pid)[0]!;

/** Children spawned detached (own process group) by a test: their groups are SIGKILLed after it. */
export function killedAfterEach(): (child: ChildProcess) => ChildProcess {
  const spawned: ChildProcess[] = [];
  afterEach(() => {
    for (const child of spawned.splice(0)) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone
      }
    }
  });
  return (child) => {
    spawned.push(child);
    return child;
  };
}

/** A `sleep` whose parent (a bash exec'd into sleep) never reaps it, so that once killed it stays a zombie. */
export async function unreapedSleep(track: (child: ChildProcess) => ChildProcess): Promise<number> {
  const parent = track(spawn('bash', ['-c', 'set -m; sleep 1000 & echo $!; exec sleep 1000'], { detached: true, stdio: ['ignore', 'pipe', 'ignore'] }));
  const pid = await new Promise<number>((resolve) => parent.stdout!.on('data', (d) => resolve(Number(String(d).trim()))));
  // The pid is printed before the exec: until bash has become `sleep` it would still reap a killed
  // child (on a loaded machine the test can kill it in that window), and no zombie would be left.
  for (let i = 0; i < 500 && readFileSync(`/proc/${parent.pid}/comm`, 'utf8').trim() !== 'sleep'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return pid;
}
