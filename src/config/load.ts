// Loads a study file: read, parse YAML (data only), validate (schema, then cross-field rules, then the
// data itself) and resolve to a frozen ResolvedStudy. Every problem is one StudyConfigError line:
// `<file>:<line>:<col>: <field path>: <problem>`. Main thread. Must not import tfjs, the worker or the store.
import { readFileSync, statSync } from 'node:fs';
import { StudyConfigError } from '../errors.js';
import { dataIssue } from './data-check.js';
import { enqueueIssue } from './enqueue.js';
import { formatPath } from './format.js';
import { resolveStudy } from './resolve.js';
import { overrideIssue, semanticIssue, type Overrides } from './semantic.js';
import type { ConfigIssue, StudyConfig } from './study-config.js';
import type { ResolvedStudy } from '../spec/study.js';
import { schemaIssues } from './validate.js';
import { YamlSource } from './yaml-source.js';

export type { Overrides } from './semantic.js';

export interface LoadOptions extends Overrides {
  /**
   * Materialise every task and target split to check the data (default true). Read-only commands that
   * only need the study's name or storage may skip it, so a moved data file does not block them.
   */
  readonly checkData?: boolean;
  /**
   * Called with the resolved study just before its data are checked (the slow part of a load): `run`
   * starts its worker threads there, so they boot while the main thread reads the data.
   */
  readonly beforeDataCheck?: (study: ResolvedStudy) => void;
  /**
   * Called with the parsed document before it is validated (validation and resolving take ~0.15 s of
   * a quick start): `run` guesses its worker pool from it there, so the threads boot meanwhile. The
   * document is not checked yet: a caller reads it defensively and acts only on what it can undo.
   */
  readonly afterParse?: (document: unknown) => void;
}

/** Reads and resolves the study file at `path` (messages name it as given). Throws StudyConfigError. */
export function loadStudyFile(path: string, options?: LoadOptions): ResolvedStudy {
  return parseStudy(readStudyText(path), path, options);
}

/**
 * Resolves study-file text; `file` names it in messages and anchors its relative paths (made absolute).
 * Unless `checkData: false`, materialises every task to check the data, so it reads the data files.
 * Throws StudyConfigError.
 */
export function parseStudy(text: string, file: string, options?: LoadOptions): ResolvedStudy {
  const overrides: Overrides = { trials: options?.trials, workers: options?.workers };
  const source = new YamlSource(text);
  const fail = (issue: ConfigIssue): never => {
    const { line, col } = source.locate(issue.path, issue.at);
    throw new StudyConfigError(`${file}:${line}:${col}: ${formatPath(issue.path)}: ${issue.message}`);
  };

  const problem = source.problem();
  if (problem !== null) {
    const { line, col } = source.position(problem.offset);
    const field = problem.path !== undefined ? `${formatPath(problem.path)}: ` : '';
    throw new StudyConfigError(`${file}:${line}:${col}: ${field}${problem.message}`);
  }
  if (source.doc.contents === null) throw new StudyConfigError(`${file}:1:1: (root): the study file is empty`);

  let data: unknown;
  try {
    data = source.doc.toJS({ maxAliasCount: 1000 });
  } catch (error) {
    // Only alias expansion can fail here ("billion laughs").
    throw new StudyConfigError(`${file}:1:1: (root): ${firstLine(error)}`);
  }

  options?.afterParse?.(data);
  const issues = schemaIssues(data);
  if (issues.length > 0) {
    const ranked = issues.map((issue, order) => ({ issue, order, offset: source.offsetOf(issue.path, issue.at) }));
    ranked.sort((a, b) => a.issue.rank - b.issue.rank || a.offset - b.offset || a.order - b.order);
    fail((ranked[0] as (typeof ranked)[number]).issue);
  }
  const raw = data as StudyConfig;
  const semantic = semanticIssue(raw);
  if (semantic !== null) fail(semantic);
  const override = overrideIssue(overrides);
  if (override !== null) throw new StudyConfigError(`${file}: ${override}`);

  const study = resolveStudy(raw, file, overrides);
  // Checked against the resolved space and recipe: a left-out parameter takes the recipe's value.
  const queued = enqueueIssue(raw, study.space, study.recipe, study.model);
  if (queued !== null) fail(queued);
  if (options?.checkData !== false) {
    options?.beforeDataCheck?.(study);
    const dataProblem = dataIssue(study, raw);
    if (dataProblem !== null) fail(dataProblem);
  }
  return study;
}

/** The file's text; not found, a directory, unreadable or not UTF-8 are one-line StudyConfigErrors. */
function readStudyText(path: string): string {
  let bytes: Buffer;
  try {
    if (statSync(path).isDirectory()) throw new StudyConfigError(`${path}: is a directory, not a study file`);
    bytes = readFileSync(path);
  } catch (error) {
    if (error instanceof StudyConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new StudyConfigError(`${path}: study file not found`);
    if (code === 'EACCES' || code === 'EPERM') throw new StudyConfigError(`${path}: cannot read the study file (permission denied)`);
    throw new StudyConfigError(`${path}: cannot read the study file (${code ?? firstLine(error)})`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const { line, col, byte } = firstInvalidUtf8(bytes);
    throw new StudyConfigError(`${path}:${line}:${col}: not UTF-8 text (byte 0x${byte.toString(16).padStart(2, '0')}); save the study file as UTF-8`);
  }
}

/** line:col (in characters) of the first byte that is not valid UTF-8, and that byte. */
function firstInvalidUtf8(bytes: Buffer): { line: number; col: number; byte: number } {
  const text = bytes.toString('utf8');
  const bom = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf;
  // Valid characters before the first invalid byte decode one-to-one, so byte and character offsets
  // advance together until the first U+FFFD that the bytes do not spell out (EF BF BD).
  let offset = bom ? 3 : 0;
  let index = bom ? 1 : 0;
  while (index < text.length) {
    const cp = text.codePointAt(index) as number;
    if (cp === 0xfffd && !(bytes[offset] === 0xef && bytes[offset + 1] === 0xbf && bytes[offset + 2] === 0xbd)) break;
    offset += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
    index += cp > 0xffff ? 2 : 1;
  }
  const before = text.slice(bom ? 1 : 0, index);
  return {
    line: before.split('\n').length,
    col: before.length - before.lastIndexOf('\n'),
    byte: bytes[offset] ?? 0,
  };
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}
