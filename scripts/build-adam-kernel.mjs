// Assembles src/training/adam-kernel.wat into the base64 bytes of src/training/adam-kernel.ts.
// Run after editing the .wat: `node scripts/build-adam-kernel.mjs` (wabt is a devDependency).
import { fileURLToPath } from 'node:url';
import { assembleWat, writeAssembled } from './assemble-wat.mjs';

export const assembleAdamKernel = () => assembleWat('adam-kernel');

if (process.argv[1] === fileURLToPath(import.meta.url)) await writeAssembled('adam-kernel', 'ADAM_KERNEL_WASM');
