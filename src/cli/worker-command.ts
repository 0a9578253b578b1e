// `tasksieve worker STUDY.yaml|NAME --db postgres://…`: `run` (with a study file: create or join) or
// `resume` (with a name), except that it stays until the whole study is finished, re-queueing and
// re-running the trials of workers that died. Start any number, on any machines. Main thread.
import { runUntilFinished } from '../study/run-until-finished.js';
import { isStudyFile } from './locate.js';
import type { Args, Options } from './options.js';
import { resumeCommand, runCommand, type Runner } from './run-command.js';

export async function workerCommand([target]: Args<'worker'>, options: Options<'worker'>): Promise<number> {
  const staleAfterS = options['stale-after'];
  // Across machines only the heartbeat tells a dead worker: its trials wait this long before another
  // worker re-queues them (on one machine a dead process is noticed at once).
  const runner: Runner = (run) =>
    runUntilFinished({ ...run, wait: true, ...(staleAfterS !== undefined ? { staleAfterMs: staleAfterS * 1000 } : {}) });
  return isStudyFile(target) ? runCommand([target], options, runner) : resumeCommand([target], options, runner);
}
