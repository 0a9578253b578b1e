// Build step after tsc: compiles the study JSON Schema once, with the options the CLI uses, into
// standalone CommonJS next to dist/config/validate.js, so that a CLI command loads the validator
// (~0.1 s) instead of compiling it (~1 s of CPU). validate.js falls back to compiling when the file is
// missing or was generated from another schema or other options.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import AjvModule from 'ajv';
import standaloneModule from 'ajv/dist/standalone/index.js';
import { studyJsonSchema } from '../dist/config/schema.js';
import { AJV_OPTIONS, PRECOMPILED_VALIDATOR, validatorStamp } from '../dist/config/validate.js';

const Ajv = AjvModule.default;
const standaloneCode = standaloneModule.default;

const ajv = new Ajv({ ...AJV_OPTIONS, code: { source: true } });
const code = standaloneCode(ajv, ajv.compile(studyJsonSchema));
const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'config', PRECOMPILED_VALIDATOR);
writeFileSync(out, `${code}\nmodule.exports.stamp = ${JSON.stringify(validatorStamp())};\n`);
