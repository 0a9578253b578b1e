// Child process of the overhead-pg benchmark: opens one study on the given store, says "ready", waits
// for "go" on stdin, then asks and tells (with two unit results per trial, as the runner records
// them) until the budget is used up, and prints {"trials", "ms"}. No training: store + engine only.
// argv: <store location> <study file>
import { createInterface } from 'node:readline';
import { loadStudyFile } from '../src/config/index.js';
import { StudyHandle } from '../src/study/study-handle.js';
import { openStore } from '../src/store/index.js';

const [location, file] = process.argv.slice(2) as [string, string];
const store = openStore(location);
const handle = StudyHandle.open({ store, study: loadStudyFile(file) });
process.stdout.write('ready\n');
const lines = createInterface({ input: process.stdin });
await new Promise<void>((resolve) => lines.once('line', () => resolve()));
lines.close();

const started = performance.now();
let trials = 0;
for (;;) {
  const trial = handle.ask();
  if (trial === null) break;
  handle.heartbeat([trial.id]);
  const value = ((trial.number * 7919) % 1000) / 1000;
  store.recordUnit(trial.id, 'goal', 0, { accuracy: value, macro_f1: value });
  store.recordUnit(trial.id, 'goal', 1, { accuracy: value, macro_f1: value });
  handle.tell(trial.id, { state: 'COMPLETE', value });
  trials++;
}
const ms = performance.now() - started;
store.close();
process.stdout.write(`${JSON.stringify({ trials, ms })}\n`);
