// Assembles one of src/training's hand-written WebAssembly kernels (NAME.wat) into base64 bytes, and
// writes them into the `export const CONST = '...'` line of NAME.ts. Shared by the build-*-kernel
// scripts (wabt is a devDependency; SIMD on, the module validated).
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import createWabt from 'wabt';

const source = (name, ext) => fileURLToPath(new URL(`../src/training/${name}.${ext}`, import.meta.url));

/** The base64 bytes of src/training/NAME.wat. */
export async function assembleWat(name) {
  const wabt = await createWabt();
  const module = wabt.parseWat(`${name}.wat`, readFileSync(source(name, 'wat'), 'utf8'), { simd: true, bulk_memory: true });
  try {
    module.validate();
    return Buffer.from(module.toBinary({}).buffer).toString('base64');
  } finally {
    module.destroy();
  }
}

/** Rewrites `export const CONST = '...';` in src/training/NAME.ts with the assembled bytes. */
export async function writeAssembled(name, constant) {
  const bytes = await assembleWat(name);
  const ts = source(name, 'ts');
  const pattern = new RegExp(`export const ${constant} = '[^']*';`);
  const text = readFileSync(ts, 'utf8');
  if (!pattern.test(text)) throw new Error(`${name}.ts has no line export const ${constant} = '...';`);
  writeFileSync(ts, text.replace(pattern, `export const ${constant} = '${bytes}';`));
  console.log(`${name}.ts: ${bytes.length} base64 characters`);
}
