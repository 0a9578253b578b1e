// Assembles src/training/stack-kernel.wat into the base64 bytes of src/training/stack-kernel.ts.
// Run after editing the .wat: `node scripts/build-stack-kernel.mjs` (wabt is a devDependency).
import { fileURLToPath } from 'node:url';
import { assembleWat, writeAssembled } from './assemble-wat.mjs';

export const assembleStackKernel = () => assembleWat('stack-kernel');

if (process.argv[1] === fileURLToPath(import.meta.url)) await writeAssembled('stack-kernel', 'STACK_KERNEL_WASM');
