import { initBackend, tf } from './src/worker/backend.ts';
import { loadCsv, generateSynthetic } from './src/data/index.ts';
import { buildMlp } from './src/training/mlp.ts';
import { trainModel } from './src/training/epoch-loop.ts';
import { trainStacked } from './src/training/stacked.ts';
await initBackend('wasm');
const digits = loadCsv('data/digits.csv.gz', 'label');
const opts = (seed: number) => ({ phase: 'target-only training' as const, epochs: 3, batchSize: 32, optimizer: 'adam' as const, learningRate: 0.001, seed, numClasses: 10 });
const mk = (seed: number) => buildMlp(tf, { inputs: 64, numClasses: 10, spec: { kind: 'mlp', hidden: [128, 64], activation: 'relu', dropout: 0 }, dropout: 0, seed });
function cpu(f: () => void) { const t = process.cpuUsage(); f(); const u = process.cpuUsage(t); return (u.user + u.system) / 1e6; }
for (let rep = 0; rep < 3; rep++) {
  for (const K of [1, 8]) {
    const ms = Array.from({ length: K }, (_, i) => mk(i));
    const s1 = cpu(() => ms.forEach((m, i) => trainModel(m, digits, opts(i))));
    const ns = Array.from({ length: K }, (_, i) => mk(i));
    const s2 = cpu(() => trainStacked(tf, ns.map((m, i) => ({ model: m, data: digits, options: opts(i) }))));
    const samples = K * 3 * digits.rows;
    console.log(`K=${K}: one at a time ${Math.round(samples / s1)}/cpu-s, stacked ${Math.round(samples / s2)}/cpu-s, ratio ${(s1 / s2).toFixed(2)}`);
    [...ms, ...ns].forEach((m) => m.dispose());
  }
}
