// Assembles src/data/scaling-kernel.wat into the base64 bytes of src/data/scaling-kernel.ts.
// Run after editing the .wat: `node scripts/build-scaling-kernel.mjs` (wabt is a devDependency).
import { fileURLToPath } from 'node:url';
import { assembleWat, writeAssembled } from './assemble-wat.mjs';

export const assembleScalingKernel = () => assembleWat('scaling-kernel', 'data');

if (process.argv[1] === fileURLToPath(import.meta.url)) await writeAssembled('scaling-kernel', 'SCALING_KERNEL_WASM', 'data');
