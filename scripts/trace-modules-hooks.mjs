// Module hooks of trace-modules.mjs: append each loaded module's URL to the file it was given.
import { appendFileSync } from 'node:fs';

let out = null;

export function initialize(data) {
  out = data.file;
}

export async function load(url, context, nextLoad) {
  if (out !== null) appendFileSync(out, `${url}\n`);
  return nextLoad(url, context);
}
