// Progress reporters for `tasksieve run`: a live bar on a terminal, a line per trial otherwise.
// Main thread. Writes to stderr so stdout stays clean for results.
import type { StudyEvent, WaitedTrial } from '../study/run-study.js';
import { fmtDuration, fmtNumber } from '../util/format.js';

export type Reporter = (event: StudyEvent) => void;

export function progressReporter(metric: string, stream: NodeJS.WriteStream = process.stderr): Reporter {
  const started = Date.now();
  let startFinished = 0;
  const live = stream.isTTY === true;
  let lastWaiting = '';
  let waitingShown = false;
  return (event) => {
    if (event.type === 'start') {
      startFinished = event.finished;
      const resumed = event.finished > 0 ? ` (${event.finished} already finished)` : '';
      const requeued = event.requeued > 0 ? `, ${event.requeued} interrupted trial(s) re-queued` : '';
      stream.write(`${event.total} trials in the study${resumed}${requeued}\n`);
      return;
    }
    if (event.type === 'waiting') {
      // On a terminal a live line (heartbeat ages change every poll); in a log one line per change.
      const text = waitingLine(event.trials);
      if (live) stream.write(`\r${text}\x1b[K`);
      else if (text !== lastWaiting) stream.write(`${text}\n`);
      lastWaiting = waitingLine(event.trials, false);
      waitingShown = live;
      return;
    }
    if (event.type !== 'trial-end') return;
    if (waitingShown) {
      stream.write('\n');
      waitingShown = false;
    }
    const doneHere = event.finished - startFinished;
    const elapsed = Date.now() - started;
    const eta = doneHere > 0 ? ((event.total - event.finished) * elapsed) / doneHere : NaN;
    const best = event.best ? `best ${metric} ${fmtNumber(event.best.value)} (#${event.best.number})` : 'best -';
    const width = 24;
    const filled = Math.round((width * event.finished) / Math.max(1, event.total));
    const bar = `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}]`;
    const text = `${bar} ${event.finished}/${event.total} trials  ETA ${fmtDuration(eta)}  ${best}`;
    if (live) {
      stream.write(`\r${text}\x1b[K`);
      if (event.finished >= event.total) stream.write('\n');
    } else {
      const value = `${metric} ${fmtNumber(event.trial.value)}`;
      const outcome =
        event.trial.state === 'FAIL'
          ? `FAIL: ${event.trial.error}`
          : event.trial.state === 'PRUNED' && event.racedOut !== undefined
            ? `PRUNED after ${event.racedOut.units} of ${event.racedOut.unitCount} units, by the ${event.racedOut.rule === 'rung' ? 'rung' : 'Wilcoxon'} rule (${value})`
            : event.trial.state === 'PRUNED'
            ? `PRUNED at epoch ${event.prunedAt ?? '?'} (${value})`
            : value;
      stream.write(`trial #${event.trial.number} ${outcome}  (${event.finished}/${event.total}, ETA ${fmtDuration(eta)}, ${best})\n`);
    }
  };
}

/** `waiting for trial #3 (host:123, heartbeat 2 s ago), …`; without ages for comparing two lines. */
function waitingLine(trials: readonly WaitedTrial[], ages = true): string {
  const shown = trials.slice(0, 4).map((t) => {
    const age = ages && t.heartbeatAgeMs !== null ? `, heartbeat ${fmtDuration(t.heartbeatAgeMs)} ago` : '';
    return `#${t.number} (${t.owner ?? 'no owner'}${age})`;
  });
  const more = trials.length > 4 ? ` and ${trials.length - 4} more` : '';
  return `budget handed out; waiting for trial(s) still running elsewhere: ${shown.join(', ')}${more}`;
}
