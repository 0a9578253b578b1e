import { initBackend, tf } from './src/worker/backend.ts';
import { runUnit } from './src/worker/run-unit.ts';
import { runInStack } from './src/training/phase-stack.ts';
import { SplitBuffers } from './src/data/index.ts';
import { unit } from './test/worker/units.ts';
await initBackend('wasm');
const units = [unit({ seed: 1 }), unit({ seed: 2 })].map((u) => ({ ...u, model: { kind: 'mlp' as const, hidden: [64, 32], activation: 'relu' as const, dropout: 0 } }));
const { counts } = await runInStack(tf, units.map((u) => (training) => runUnit(tf, u, 'wasm', undefined, { training, buffers: new SplitBuffers() })));
console.log(counts);
