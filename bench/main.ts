// Benchmark runner: `npm run bench -- NAME [--json] [options]`. Each benchmark prints a table and a
// final JSON summary (the last line of stdout); with --json only the summary. Peers (Optuna, PyTorch)
// run side by side in the same run; when one is missing the benchmark says so and still reports ours.
import { BENCHMARKS } from './registry.js';

const [name, ...args] = process.argv.slice(2);
const bench = name ? BENCHMARKS[name] : undefined;
if (!bench) {
  const names = Object.entries(BENCHMARKS).map(([n, b]) => `  ${n.padEnd(10)} ${b.summary}`);
  process.stderr.write(`usage: npm run bench -- NAME [--json] [options]\n${names.join('\n')}\n`);
  process.exit(name ? 2 : 0);
}
const json = args.includes('--json');
const summary = await bench.run(args.filter((a) => a !== '--json'), { json, log: json ? () => {} : (line) => console.log(line) });
console.log(JSON.stringify(summary));
