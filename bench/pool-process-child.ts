// A child of the training benchmark's pool part (see ProcessPair in pool-throughput.ts): a warm
// 1-worker pool in a process of its own. Prints "ready {}" once warm; on "go N" times N units and
// prints "run {PoolRun}"; exits on "exit" or end of input. Argument: warm-up units.
import { createInterface } from 'node:readline';
import { poolBatch, warmPool } from './pool-throughput.js';

const warmup = Number(process.argv[2]);
const executor = await warmPool(1, warmup);
process.stdout.write('ready {}\n');
for await (const line of createInterface({ input: process.stdin })) {
  const go = /^go (\d+)$/.exec(line);
  if (!go) break;
  process.stdout.write(`run ${JSON.stringify(await poolBatch(executor, 1, Number(go[1])))}\n`);
}
await executor.close();
