// Validates a parsed study file against the JSON Schema (Ajv, compiled once) and turns Ajv's errors into
// one-line issues with a field path. Main thread. Must not import tfjs, the worker or the store.
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { didYouMean } from './did-you-mean.js';
import { orList, show, typeWords, type PathSegment } from './format.js';
import { NAME_PATTERN, NAME_RULE, studyJsonSchema } from './schema.js';
import type { ConfigIssue } from './study-config.js';
import { isPlainObject } from '../util/check.js';

/** Lower ranks explain more: an unknown key (a typo) usually also causes a "missing key" error. */
export interface RankedIssue extends ConfigIssue {
  readonly rank: number;
}

type SchemaObject = Record<string, unknown>;

/** Ajv's options for the study schema; scripts/build-study-validator.mjs compiles with the same ones. */
export const AJV_OPTIONS = Object.freeze({
  allErrors: true,
  verbose: true,
  discriminator: true,
  strict: true,
  strictRequired: false,
  allowUnionTypes: true,
  strictNumbers: true,
});

/** Written next to the compiled validate.js by `npm run build`; exports the validate function, with a `stamp`. */
export const PRECOMPILED_VALIDATOR = './study-validator.cjs';

const require = createRequire(import.meta.url);

let compiled: ValidateFunction | undefined;

function validator(): ValidateFunction {
  compiled ??= precompiled() ?? compile();
  return compiled;
}

/** Ajv itself is loaded only here: with the generated validator, a command never needs it. */
function compile(): ValidateFunction {
  // ajv is CommonJS; its module.exports is the class, also as `default`.
  const AjvClass = (require('ajv') as { default: typeof Ajv }).default;
  return new AjvClass(AJV_OPTIONS).compile(studyJsonSchema);
}

/** What the generated validator was compiled from: it is used only if this is unchanged. */
export function validatorStamp(): string {
  return JSON.stringify([AJV_OPTIONS, studyJsonSchema]);
}

/**
 * The validator `npm run build` generated, when it was generated from these very options and schema. Compiling the
 * schema takes about a second of CPU (the generated code is ~1 MB), which every CLI command that reads
 * a study file would pay; loading the generated code takes a tenth of that. Absent (running from src/)
 * or stale (dist/ rebuilt by tsc alone): compile at run time.
 */
function precompiled(): ValidateFunction | undefined {
  let generated: ValidateFunction & { stamp?: string };
  try {
    generated = require(PRECOMPILED_VALIDATOR);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND') return undefined;
    throw error;
  }
  return generated.stamp === validatorStamp() ? generated : undefined;
}

/**
 * Every schema problem of `data`, as issues ranked by how well they explain the file's mistake
 * (unknown keys first, missing keys last). Empty when the data matches the schema.
 */
export function schemaIssues(data: unknown): RankedIssue[] {
  const validate = validator();
  if (validate(data)) return [];
  const errors = collapseAlternatives(validate.errors ?? []);
  const issues: RankedIssue[] = [];
  for (const error of errors) {
    const issue = toIssue(error, data);
    if (issue !== null) issues.push(issue);
  }
  return issues;
}

// ---- anyOf / oneOf ---------------------------------------------------------------------------------

/** A message already decided while collapsing alternatives (keeps the schemaPath for outer groups). */
const CUSTOM = 'x-custom';

/**
 * Replaces every anyOf/oneOf error and the errors of its branches by the errors of the one branch that
 * fits the value's type, or by one "must be A or B" error when none does. Inner groups come first in
 * Ajv's list, so collapsing in order handles nesting.
 */
function collapseAlternatives(input: readonly ErrorObject[]): ErrorObject[] {
  let errors = [...input];
  for (let i = 0; i < errors.length; i++) {
    const error = errors[i] as ErrorObject;
    if (error.keyword !== 'anyOf' && error.keyword !== 'oneOf') continue;
    const prefix = `${error.schemaPath}/`;
    const branchErrors = errors.slice(0, i).filter((e) => e.schemaPath.startsWith(prefix));
    const replacement = resolveAlternative(error, branchErrors, prefix);
    const before = errors.slice(0, i).filter((e) => !e.schemaPath.startsWith(prefix));
    errors = [...before, ...replacement, ...errors.slice(i + 1)];
    i = before.length + replacement.length - 1;
  }
  return errors;
}

function custom(error: ErrorObject, message: string, rank = 1): ErrorObject {
  return { ...error, keyword: CUSTOM, params: { message, rank } };
}

function resolveAlternative(error: ErrorObject, branchErrors: ErrorObject[], prefix: string): ErrorObject[] {
  const branches = ((error.parentSchema as SchemaObject | undefined)?.[error.keyword] ?? []) as SchemaObject[];
  const requiredOnly = branches.every((b) => Object.keys(b).length === 1 && Array.isArray(b['required']));
  if (requiredOnly) {
    const keys = branches.flatMap((b) => b['required'] as string[]);
    const present = keys.filter((k) => isPlainObject(error.data) && k in error.data);
    const found = present.length > 0 ? ` (found ${present.join(' and ')})` : '';
    return [custom(error, `must have exactly one of the keys ${keys.join(', ')}${found}`, 2)];
  }
  const passing = (error.params as { passingSchemas?: number[] | null }).passingSchemas;
  if (Array.isArray(passing)) return [custom(error, `matches more than one form (${orList(branches.map(describe))})`)];

  const byBranch = new Map<number, ErrorObject[]>();
  for (const e of branchErrors) {
    const index = Number(e.schemaPath.slice(prefix.length).split('/')[0]);
    byBranch.set(index, [...(byBranch.get(index) ?? []), e]);
  }
  for (let index = 0; index < branches.length; index++) {
    const errors = byBranch.get(index) ?? [];
    const mismatch = errors.some(
      (e) => e.instancePath === error.instancePath && (e.keyword === 'type' || e.keyword === 'const'),
    );
    if (!mismatch && errors.length > 0) return errors;
  }
  return [custom(error, `must be ${orList(branches.map(describe))} (got ${show(error.data)})`)];
}

/** A schema in a few words: `an integer >= 0`, `true`, `a mapping { std, seed }`. */
function describe(schema: SchemaObject): string {
  if ('const' in schema) return show(schema['const']);
  if (Array.isArray(schema['type'])) return 'a single value';
  let words = typeWords(schema['type']);
  if (schema['type'] === 'object' && isPlainObject(schema['properties'])) {
    words += ` { ${Object.keys(schema['properties']).join(', ')} }`;
  }
  if (typeof schema['minimum'] === 'number') words += ` >= ${schema['minimum']}`;
  if (typeof schema['exclusiveMinimum'] === 'number') words += ` > ${schema['exclusiveMinimum']}`;
  if (typeof schema['maximum'] === 'number' && schema['maximum'] < Number.MAX_SAFE_INTEGER) words += ` <= ${schema['maximum']}`;
  if (typeof schema['exclusiveMaximum'] === 'number') words += ` < ${schema['exclusiveMaximum']}`;
  return words;
}

// ---- one error, one message --------------------------------------------------------------------------

/** JSON pointer to path segments; array indices become numbers. */
function pointerToPath(pointer: string, data: unknown): PathSegment[] {
  if (pointer === '') return [];
  const path: PathSegment[] = [];
  let node = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      path.push(Number(key));
      node = node[Number(key)];
    } else {
      path.push(key);
      node = isPlainObject(node) ? node[key] : undefined;
    }
  }
  return path;
}

const SPACE_KEYS = Object.keys(studyJsonSchema.properties.space.properties);

function toIssue(error: ErrorObject, data: unknown): RankedIssue | null {
  const path = pointerToPath(error.instancePath, data);
  const parent = (error.parentSchema ?? {}) as SchemaObject;
  const params = error.params as Record<string, unknown>;
  const got = `(got ${show(error.data)})`;
  const value = (message: string, rank = 1): RankedIssue => ({ path, message, rank, at: 'value' });

  switch (error.keyword) {
    case CUSTOM:
      return value(String(params['message']), Number(params['rank']));
    case 'additionalProperties': {
      const key = String(params['additionalProperty']);
      const inSpace = path.length === 1 && path[0] === 'space';
      const allowed = inSpace ? SPACE_KEYS : Object.keys((parent['properties'] ?? {}) as object);
      const guess = didYouMean(key, allowed);
      const what = inSpace ? 'unknown parameter' : 'unknown key';
      const hint = guess !== undefined ? `did you mean "${guess}"?` : `expected ${orList(allowed)}`;
      return { path: [...path, key], message: `${what} (${hint})`, rank: 0, at: 'key' };
    }
    case 'propertyNames':
      return { path: [...path, String(params['propertyName'])], message: `invalid name: must be ${NAME_RULE}`, rank: 0, at: 'key' };
    case 'dependencies':
      return {
        path: [...path, String(params['property'])],
        message: `only allowed together with "${String(params['deps'])}"`,
        rank: 0,
        at: 'key',
      };
    case 'required':
      return { path: [...path, String(params['missingProperty'])], message: 'required key is missing', rank: 2 };
    case 'type':
      return value(`must be ${typeWords(params['type'])} ${got}`);
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return value(`must be ${typeWords(parent['type'])} ${String(params['comparison'])} ${String(params['limit'])} ${got}`);
    case 'enum': {
      const allowed = (error.schema as unknown[]).map((v) => (typeof v === 'string' ? v : show(v)));
      const guess = typeof error.data === 'string' ? didYouMean(error.data, allowed) : undefined;
      const hint = guess !== undefined ? `; did you mean "${guess}"?` : '';
      return value(`must be ${allowed.length === 1 ? allowed[0] : `one of ${allowed.join(', ')}`} (got ${show(error.data)}${hint})`);
    }
    case 'const':
      return value(`must be ${show(params['allowedValue'])} ${got}`);
    case 'pattern':
      return value(params['pattern'] === NAME_PATTERN ? `must be ${NAME_RULE} ${got}` : `must match ${String(params['pattern'])} ${got}`);
    case 'minLength':
      return value('must not be empty');
    case 'minItems':
    case 'maxItems': {
      const limit = Number(params['limit']);
      const bound = error.keyword === 'minItems' ? 'at least' : 'at most';
      const count = Array.isArray(error.data) ? error.data.length : 0;
      return value(`must have ${bound} ${limit} item${limit === 1 ? '' : 's'} (got ${count})`);
    }
    case 'uniqueItems': {
      const [first, dup] = [Number(params['i']), Number(params['j'])].sort((a, b) => a - b) as [number, number];
      const items = error.data as unknown[];
      return { path: [...path, dup], message: `repeats item ${first} (${show(items[dup])})`, rank: 1, at: 'value' };
    }
    case 'minProperties':
    case 'maxProperties': {
      const keys = isPlainObject(error.data) ? Object.keys(error.data) : [];
      if (parent['minProperties'] === 1 && parent['maxProperties'] === 1) {
        const found = keys.length === 0 ? 'got none' : `got ${keys.join(', ')}`;
        return value(`must have exactly one key, e.g. { rotate: 15 } (${found})`);
      }
      return value(error.keyword === 'minProperties' ? 'must not be empty' : `must have at most ${String(params['limit'])} keys`, 2);
    }
    case 'discriminator': {
      const tag = String(params['tag']);
      if (params['error'] !== 'mapping') {
        if (isPlainObject(error.data) && !(tag in error.data)) return null; // reported by `required`
        const tagValue = isPlainObject(error.data) ? error.data[tag] : undefined;
        return { path: [...path, tag], message: `must be a string (got ${show(tagValue)})`, rank: 1 };
      }
      const branches = (parent['oneOf'] ?? []) as SchemaObject[];
      const allowed = branches.map((b) => String(((b['properties'] as SchemaObject)[tag] as SchemaObject)['const']));
      const owner = path[path.length - 1];
      const note = params['tagValue'] === 'subset' && owner !== 'sources' ? '; the only subset parameter is "sources"' : '';
      return {
        path: [...path, tag],
        message: `must be ${orList(allowed)} for ${String(owner)} (got ${show(params['tagValue'])}${note})`,
        rank: 1,
      };
    }
    default:
      return value(error.message ?? 'is invalid');
  }
}
