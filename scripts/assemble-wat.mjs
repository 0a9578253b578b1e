// Assembles one of the hand-written WebAssembly kernels (src/training/NAME.wat, or another folder's)
// into base64 bytes, and writes them into the `export const CONST = '...'` line of NAME.ts. Shared
// by the build-*-kernel scripts (wabt is a devDependency; SIMD on, the module validated).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import createWabt from 'wabt';

const source = (name, ext, folder = 'training') => fileURLToPath(new URL(`../src/${folder}/${name}.${ext}`, import.meta.url));

/** The base64 bytes of src/FOLDER/NAME.wat. */
export async function assembleWat(name, folder = 'training') {
  const wabt = await createWabt();
  const module = wabt.parseWat(`${name}.wat`, readFileSync(source(name, 'wat', folder), 'utf8'), { simd: true, bulk_memory: true });
  try {
    module.validate();
    return Buffer.from(module.toBinary({}).buffer).toString('base64');
  } finally {
    module.destroy();
  }
}

/** Rewrites `export const CONST = '...';` in src/FOLDER/NAME.ts with the assembled bytes. */
export async function writeAssembled(name, constant, folder = 'training') {
  const bytes = await assembleWat(name, folder);
  const ts = source(name, 'ts', folder);
  const pattern = new RegExp(`export const ${constant} = '[^']*';`);
  const text = readFileSync(ts, 'utf8');
  if (!pattern.test(text)) throw new Error(`${name}.ts has no line export const ${constant} = '...';`);
  writeFileSync(ts, text.replace(pattern, `export const ${constant} = '${bytes}';`));
  console.log(`${name}.ts: ${bytes.length} base64 characters`);
}
