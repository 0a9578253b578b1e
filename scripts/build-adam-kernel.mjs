// Assembles src/training/adam-kernel.wat into the base64 bytes of src/training/adam-kernel.ts.
// Run after editing the .wat: `node scripts/build-adam-kernel.mjs` (wabt is a devDependency).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import createWabt from 'wabt';

const WAT = fileURLToPath(new URL('../src/training/adam-kernel.wat', import.meta.url));
const TS = fileURLToPath(new URL('../src/training/adam-kernel.ts', import.meta.url));

export async function assembleAdamKernel() {
  const wabt = await createWabt();
  const module = wabt.parseWat('adam-kernel.wat', readFileSync(WAT, 'utf8'), { simd: true });
  try {
    return Buffer.from(module.toBinary({}).buffer).toString('base64');
  } finally {
    module.destroy();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bytes = await assembleAdamKernel();
  const source = readFileSync(TS, 'utf8').replace(/export const ADAM_KERNEL_WASM = '[^']*';/, `export const ADAM_KERNEL_WASM = '${bytes}';`);
  writeFileSync(TS, source);
  console.log(`adam-kernel.ts: ${bytes.length} base64 characters`);
}
