// Safety: study files are data (no object-constructing tags, no prototype pollution; anchors are plain
// data), every SQL statement in the store is parameterised (no value is ever spliced into SQL text),
// paths in a study resolve relative to the study file whatever the working directory, and an error
// quotes at most the offending cell, truncated — never the rest of a file.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseStudy } from '../../src/config/index.js';
import { StudyConfigError } from '../../src/errors.js';
import { cli, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';
import { readStudy } from './helpers.js';

const STORE = fileURLToPath(new URL('../../src/store/', import.meta.url));
const CORPUS_DATA = fileURLToPath(new URL('../fixtures/bad-inputs/data/', import.meta.url));

// ---- SQL: a scan of the store's source --------------------------------------------------------------

const SQL_START = /^\s*(SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|WITH|BEGIN|SET|PRAGMA|REPLACE|LOCK)\b/i;

/** String and template literals of a TypeScript source (comments removed first), with their line. */
function literals(code: string): { text: string; kind: 'quote' | 'template'; line: number; after: string; before: string }[] {
  const out: { text: string; kind: 'quote' | 'template'; line: number; after: string; before: string }[] = [];
  const stripped = code.replace(/\/\*[\s\S]*?\*\//g, (m) => m.replace(/[^\n]/g, ' ')).replace(/(^|[^:'"`])\/\/[^\n]*/g, '$1');
  for (const m of stripped.matchAll(/'(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`/g)) {
    const index = m.index!;
    out.push({
      text: m[0].slice(1, -1),
      kind: m[0].startsWith('`') ? 'template' : 'quote',
      line: stripped.slice(0, index).split('\n').length,
      before: stripped.slice(Math.max(0, index - 3), index),
      after: stripped.slice(index + m[0].length, index + m[0].length + 3),
    });
  }
  return out;
}

/**
 * Module constants whose value is a fixed literal (`const FINISHED = \`('COMPLETE', …)\``, a column
 * list, a number): the only things a SQL template may splice in, since they are part of the code.
 */
function fixedConstants(code: string): Set<string> {
  const names = new Set<string>();
  for (const m of code.matchAll(/^(?:export\s+)?const\s+([A-Z][A-Z0-9_]*)\s*=\s*('(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*"|`[^`$]*`|[\d_]+(?:\.\d+)?)\s*;/gm)) {
    names.add(m[1]!);
  }
  return names;
}

/** SQL text built from values: a template splicing in anything but a fixed constant, or a quoted SQL string joined with `+`. */
function splicedSql(code: string): string[] {
  const problems: string[] = [];
  const fixed = fixedConstants(code);
  for (const lit of literals(code)) {
    if (!SQL_START.test(lit.text)) continue;
    const spliced = lit.kind === 'template' ? [...lit.text.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]!.trim()) : [];
    const values = spliced.filter((expr) => !fixed.has(expr));
    if (values.length > 0) problems.push(`line ${lit.line}: SQL splices in ${values.join(', ')}: \`${lit.text.trim().slice(0, 50)}…\``);
    if (/^\s*\+/.test(lit.after) || /\+\s*$/.test(lit.before)) problems.push(`line ${lit.line}: SQL joined with +: '${lit.text.trim().slice(0, 50)}'`);
  }
  return problems;
}

describe('safety', () => {
  it('the SQL scan catches spliced values (it can fail)', () => {
    expect(splicedSql('db.prepare(`SELECT * FROM trials WHERE id = ${id}`);')).toHaveLength(1);
    expect(splicedSql("db.prepare('SELECT * FROM trials WHERE name = ' + name);")).toHaveLength(1);
    expect(splicedSql("db.query(\"DELETE FROM studies WHERE id = \" + id)")).toHaveLength(1);
    expect(splicedSql("db.prepare('SELECT * FROM trials WHERE id = ?'); const m = `trial ${n}`;")).toEqual([]);
    // A fixed module constant (a column list) may be spliced in; a value held in one may not.
    const columns = 'const COLUMNS = `id, number`;\n';
    expect(splicedSql(`${columns}db.prepare(\`SELECT \${COLUMNS} FROM trials WHERE id = ?\`);`)).toEqual([]);
    expect(splicedSql('const NAME = process.argv[2];\ndb.prepare(`SELECT * FROM t WHERE name = ${NAME}`);')).toHaveLength(1);
  });

  it('every SQL statement in src/store is a fixed text with parameters', () => {
    const files = (readdirSync(STORE, { recursive: true }) as string[]).filter((f) => f.endsWith('.ts'));
    expect(files).toContain(join('sqlite', 'sqlite-store.ts'));
    let statements = 0;
    const problems: string[] = [];
    for (const file of files) {
      const code = readFileSync(join(STORE, file), 'utf8');
      statements += literals(code).filter((l) => SQL_START.test(l.text)).length;
      problems.push(...splicedSql(code).map((p) => `${file} ${p}`));
    }
    // The scan saw the statements (a broken scanner would see none and pass).
    expect(statements).toBeGreaterThan(30);
    expect(problems).toEqual([]);
  });

  // ---- study files are data ---------------------------------------------------------------------------

  it('a __proto__ key is refused as an unknown key and pollutes nothing', () => {
    const text = syntheticStudyYaml({ name: 'proto' }).replace('seed: 11', 'seed: 11\n__proto__: { polluted: yes }');
    expect(() => parseStudy(text, 'proto.yaml', { checkData: false })).toThrow(StudyConfigError);
    expect(() => parseStudy(text, 'proto.yaml', { checkData: false })).toThrow(/__proto__: unknown key/);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('anchors and aliases are plain data: a study written with them equals the one written out', () => {
    const plain = syntheticStudyYaml({ name: 'anchors' });
    const anchored = plain
      .replace('  - { name: near, dataset: family, rho: 0.9 }', '  - { name: near, dataset: &fam family, rho: 0.9 }')
      .replace('  - { name: anti, dataset: family, rho: -0.8 }', '  - { name: anti, dataset: *fam, rho: -0.8 }');
    expect(anchored).not.toBe(plain);
    expect(parseStudy(anchored, '/x/s.yaml', { checkData: false })).toEqual(parseStudy(plain, '/x/s.yaml', { checkData: false }));
  });

  // ---- paths ----------------------------------------------------------------------------------------

  it('data and storage paths resolve relative to the study file, from any working directory', () => {
    const home = tempDir('tasksieve-home-');
    const elsewhere = tempDir('tasksieve-cwd-');
    mkdirSync(join(home, 'data'));
    copyFileSync(join(CORPUS_DATA, 'ok.csv'), join(home, 'data', 'ok.csv'));
    const study = writeStudy(
      home,
      [
        'name: relative',
        'storage: out/relative.db',
        'datasets:',
        '  table: { csv: data/ok.csv }',
        'targets:',
        '  - { name: goal, dataset: table, labelled: 9 }',
        'model: { hidden: [8] }',
        'budget: { trials: 1, workers: 1, epochs: 2 }',
        '',
      ].join('\n'),
    );
    const run = cli(['run', study, '--quiet'], elsewhere);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(readStudy(join(home, 'out', 'relative.db'), 'relative')!.trials.map((t) => t.state)).toEqual(['COMPLETE']);
    // Queries find the same database through the study file, from yet another directory.
    const board = cli(['leaderboard', study, '--json'], tempDir('tasksieve-cwd2-'));
    expect(board.status).toBe(0);
    expect(JSON.parse(board.stdout)).toMatchObject({ study: 'relative' });
    // A missing data file is named as the study file writes it, not by the working directory.
    writeFileSync(study, readFileSync(study, 'utf8').replace('data/ok.csv', 'data/gone.csv'));
    const missing = cli(['run', study], elsewhere);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toBe(`tasksieve run: ${study}:4:17: datasets.table.csv: data/gone.csv: file not found\n`);
  }, 600_000);

  // ---- errors do not dump file contents -------------------------------------------------------------

  it('a bad CSV cell is quoted truncated; no other line of the file appears', () => {
    const dir = tempDir('tasksieve-secret-');
    mkdirSync(join(dir, 'data'));
    const secret = 'sk-live-9f8e7d6c5b4a39281706f5e4d3c2b1a0';
    const rows = ['f1,f2,label', ...Array.from({ length: 20 }, (_, i) => `${i},${i * 2},${i % 2}`)];
    rows[5] = `3,API_KEY=${secret},1`;
    rows[9] = `4,5,${secret}-in-a-later-row`;
    writeFileSync(join(dir, 'data', 'leak.csv'), `${rows.join('\n')}\n`);
    const file = writeStudy(
      dir,
      'name: leak\ndatasets:\n  t: { csv: data/leak.csv }\ntargets:\n  - { name: goal, dataset: t, labelled: 4 }\nbudget: { trials: 1 }\n',
    );
    const result = cli(['run', file, '--db', join(dir, 'x.db')], dir);
    expect(result.status).toBe(2);
    expect(result.stderr).toBe(`tasksieve run: ${file}:3:13: datasets.t.csv: data/leak.csv: row 6 column "f2": "API_KEY=sk-live-9f8…" is not a number (a column of text? list it under the dataset's \`drop\`)\n`);
    expect(result.stderr).not.toContain(secret);
    expect(existsSync(join(dir, 'x.db'))).toBe(false);
  });

  it('a bad study-file value is quoted truncated; comments, other values and YAML context never appear', () => {
    const dir = tempDir('tasksieve-secret-');
    const secret = 'ghp_0123456789abcdefghijklmnopqrstuvwxyzSECRET';
    const base = syntheticStudyYaml({ name: 'leak' });
    const cases: [string, RegExp][] = [
      // A wrong type: the value is shown, cut at 40 characters.
      [base.replace('seed: 11', `# token: ${secret}\nseed: "${secret}"`), /seed: must be an integer \(got "ghp_0123456789abcdefghijklmnopqrstuvwxy…"\)$/],
      // A syntax error on the secret's line: the message does not quote the line.
      [base.replace('seed: 11', `seed: 11\npassword: "${secret}`), /Missing closing "quote$/],
      // An unknown key: the key is named, its value is not.
      [base.replace('seed: 11', `seed: 11\napi_token: ${secret}`), /api_token: unknown key \(expected /],
    ];
    for (const [text, pattern] of cases) {
      const file = writeStudy(dir, text, 'leak.yaml');
      const result = cli(['run', file, '--db', join(dir, 'x.db')], dir);
      expect(result.status).toBe(2);
      expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(result.stderr.trimEnd()).toMatch(pattern);
      expect(result.stderr).not.toContain(secret);
      expect(result.stderr).not.toContain('SECRET');
    }
  });
});
