// The study validator `npm run build` generates (dist/config/study-validator.cjs, loaded by the CLI
// instead of compiling the schema at every start-up): generated from the current schema and options,
// and giving exactly the results and errors of the validator compiled at run time.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import AjvModule, { type ValidateFunction } from 'ajv';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { studyJsonSchema } from '../../src/config/schema.js';
import { AJV_OPTIONS, PRECOMPILED_VALIDATOR, validatorStamp } from '../../src/config/validate.js';
import { FIXTURES, REPO } from './helpers.js';

const GENERATED = join(REPO, 'dist', 'config', PRECOMPILED_VALIDATOR);

/** Every study file of the repository, parsed (files that are not YAML mappings included as parsed). */
function studyFiles(): { file: string; data: unknown }[] {
  const out: { file: string; data: unknown }[] = [];
  for (const dir of [FIXTURES, join(REPO, 'test', 'fixtures', 'bad-inputs'), join(REPO, 'studies')]) {
    for (const name of readdirSync(dir, { recursive: true }) as string[]) {
      if (!/\.ya?ml$/.test(name)) continue;
      try {
        out.push({ file: name, data: parse(readFileSync(join(dir, name), 'utf8'), { logLevel: 'silent' }) });
      } catch {
        // Not YAML (a bad-input fixture): nothing to validate.
      }
    }
  }
  return out;
}

/** Errors with their schema objects as JSON, so that the two validators' copies compare by value. */
const comparable = (validate: ValidateFunction) =>
  (validate.errors ?? []).map((e) => ({ ...e, schema: JSON.stringify(e.schema), parentSchema: JSON.stringify(e.parentSchema) }));

describe('the generated study validator', () => {
  it('is built from the current schema and options', () => {
    expect(existsSync(GENERATED), `${GENERATED} is missing: npm run build`).toBe(true);
    const generated = createRequire(import.meta.url)(GENERATED) as ValidateFunction & { stamp: string };
    expect(generated.stamp).toBe(validatorStamp());
  });

  it('gives the results and errors of the validator compiled at run time, on every study file here', () => {
    const generated = createRequire(import.meta.url)(GENERATED) as ValidateFunction;
    const compiled = new AjvModule.default(AJV_OPTIONS).compile(studyJsonSchema);
    const files = studyFiles();
    expect(files.length).toBeGreaterThan(20);
    let invalid = 0;
    for (const { file, data } of files) {
      const valid = generated(data);
      expect(compiled(data), file).toBe(valid);
      expect(comparable(generated), file).toEqual(comparable(compiled));
      if (!valid) invalid++;
    }
    // Both kinds are covered: files the schema accepts and files with schema errors.
    expect(invalid).toBeGreaterThan(5);
    expect(invalid).toBeLessThan(files.length);
  });
});
