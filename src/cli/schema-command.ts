// `tasksieve schema`: the JSON Schema of study files, on stdout or into a file (written atomically).
// Main thread.
import { studyJsonSchema } from '../config/index.js';
import { writeAtomically } from '../util/atomic-write.js';
import type { Args, Options } from './options.js';
import { printText } from './output.js';

export async function schemaCommand(_: Args<'schema'>, options: Options<'schema'>): Promise<number> {
  const text = `${JSON.stringify(studyJsonSchema, null, 2)}\n`;
  if (options.output) writeAtomically(options.output, text);
  else printText(text);
  return 0;
}
