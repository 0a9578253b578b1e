// Assembles src/training/conv-pool-kernel.wat into the base64 bytes of src/training/conv-pool-kernel.ts.
// Run after editing the .wat: `node scripts/build-conv-pool-kernel.mjs` (wabt is a devDependency).
import { fileURLToPath } from 'node:url';
import { assembleWat, writeAssembled } from './assemble-wat.mjs';

export const assembleConvPoolKernel = () => assembleWat('conv-pool-kernel');

if (process.argv[1] === fileURLToPath(import.meta.url)) await writeAssembled('conv-pool-kernel', 'CONV_POOL_KERNEL_WASM');
