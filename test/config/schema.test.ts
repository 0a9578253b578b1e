// The exported JSON Schema: plain JSON, strict (no unknown keys anywhere), and it accepts the example.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvModule from 'ajv';
import { parse } from 'yaml';
import { describe, expect, test } from 'vitest';
import { studyJsonSchema } from '../../src/config/index.js';
import { FIXTURES, REPO } from './helpers.js';

const STUDIES = join(REPO, 'studies');

const Ajv = AjvModule.default;

/** Compiled the way an editor or another tool would: no tasksieve code involved. */
function externalValidator() {
  return new Ajv({ allErrors: true, discriminator: true, strict: false }).compile(JSON.parse(JSON.stringify(studyJsonSchema)));
}

const SMALL_EXAMPLE = {
  name: 'small',
  datasets: {
    digits: { csv: 'data/digits.csv.gz' },
    family: { synthetic: { features: 64, latent: 8, classes: 4, rows: 600 } },
  },
  sources: [
    { name: 'rot15', dataset: 'digits', transforms: [{ rotate: 15 }, { noise: { std: 0.5 } }, { permute_labels: true }] },
    { name: 'close', dataset: 'family', rho: 0.9 },
  ],
  targets: [{ name: 'rot45', dataset: 'digits', transforms: [{ sample: { rows: 500, seed: 1 } }], labelled: 50 }],
  recipe: { optimizer: 'sgd', learning_rate: 0.05 },
  space: {
    learning_rate: { type: 'float', low: 0.0001, high: 0.1, log: true },
    freeze_layers: { type: 'int', low: 0, high: 1, when: { learning_rate: 0.001 } },
    sources: { type: 'subset', min: 0, max: 2 },
  },
  budget: { trials: 10 },
};

describe('studyJsonSchema', () => {
  test('is plain JSON (draft-07)', () => {
    expect(JSON.parse(JSON.stringify(studyJsonSchema))).toEqual(studyJsonSchema);
    expect(studyJsonSchema.$schema).toBe('http://json-schema.org/draft-07/schema#');
  });

  test('validates a small example, the example fixture and every file in studies/', () => {
    const validate = externalValidator();
    expect(validate(SMALL_EXAMPLE), JSON.stringify(validate.errors)).toBe(true);
    const shipped = [join(FIXTURES, 'example.yaml'), ...readdirSync(STUDIES).map((f) => join(STUDIES, f))];
    for (const file of shipped.filter((f) => f.endsWith('.yaml'))) {
      const data = parse(readFileSync(file, 'utf8')) as unknown;
      expect(validate(data), `${file}: ${JSON.stringify(validate.errors)}`).toBe(true);
    }
  });

  test('rejects unknown keys at any level', () => {
    const validate = externalValidator();
    expect(validate({ ...SMALL_EXAMPLE, extra: 1 })).toBe(false);
    expect(validate({ ...SMALL_EXAMPLE, budget: { trials: 10, trails: 3 } })).toBe(false);
    const space = { ...SMALL_EXAMPLE.space, sources: { type: 'subset', maximum: 2 } };
    expect(validate({ ...SMALL_EXAMPLE, space })).toBe(false);
  });

  test('every object schema closes its keys, and every top-level key is described', () => {
    const open: string[] = [];
    const walk = (schema: unknown, path: string): void => {
      if (Array.isArray(schema)) return schema.forEach((s, i) => walk(s, `${path}/${i}`));
      if (typeof schema !== 'object' || schema === null) return;
      const s = schema as Record<string, unknown>;
      if (s['type'] === 'object' && !('additionalProperties' in s) && !('oneOf' in s)) open.push(path);
      for (const [key, child] of Object.entries(s)) walk(child, `${path}/${key}`);
    };
    walk(studyJsonSchema, '#');
    expect(open).toEqual([]);
    for (const [key, property] of Object.entries(studyJsonSchema.properties)) {
      expect(typeof (property as { description?: unknown }).description, key).toBe('string');
    }
  });
});

test('the shipped study.schema.json is the schema the code validates with', () => {
  const shipped = JSON.parse(readFileSync(join(REPO, 'study.schema.json'), 'utf8'));
  // Regenerate with `npm run schema` after changing src/config/schema.ts.
  expect(shipped).toEqual(JSON.parse(JSON.stringify(studyJsonSchema)));
});
