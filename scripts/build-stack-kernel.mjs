// Assembles src/training/stack-kernel.wat into the base64 bytes of src/training/stack-kernel.ts.
// Run after editing the .wat: `node scripts/build-stack-kernel.mjs` (wabt is a devDependency).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import createWabt from 'wabt';

const WAT = fileURLToPath(new URL('../src/training/stack-kernel.wat', import.meta.url));
const TS = fileURLToPath(new URL('../src/training/stack-kernel.ts', import.meta.url));

export async function assembleStackKernel() {
  const wabt = await createWabt();
  const module = wabt.parseWat('stack-kernel.wat', readFileSync(WAT, 'utf8'), { simd: true });
  try {
    module.validate();
    return Buffer.from(module.toBinary({}).buffer).toString('base64');
  } finally {
    module.destroy();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const bytes = await assembleStackKernel();
  const source = readFileSync(TS, 'utf8').replace(/export const STACK_KERNEL_WASM = '[^']*';/, `export const STACK_KERNEL_WASM = '${bytes}';`);
  writeFileSync(TS, source);
  console.log(`stack-kernel.ts: ${bytes.length} base64 characters`);
}
