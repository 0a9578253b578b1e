// A study whose target holds out test rows, end to end through the real pool: every unit stores its
// test metric, and leaderboard, sources, export and the report show it next to validation, labelled.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fmtNumber } from '../../src/util/format.js';
import { cli, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';

describe('a target with test rows', () => {
  it('reports the test metric of the best trial and of the recommended subset, never ranking by it', () => {
    const dir = tempDir();
    const yaml = syntheticStudyYaml({ name: 'tested', trials: 4, seeds: 1 }).replace('rho: 1.0, labelled: 12 }', 'rho: 1.0, labelled: 12, test: 0.25 }');
    expect(yaml).toContain('test: 0.25');
    const file = writeStudy(dir, yaml);
    const db = join(dir, 'tested.db');
    expect(cli(['run', file, '--db', db]).status).toBe(0);

    const board = cli(['leaderboard', file, '--db', db, '--json']);
    const rows = JSON.parse(board.stdout).rows as { value: number; targets: { test: number | null }[] }[];
    expect(rows).toHaveLength(4);
    for (const row of rows) expect(row.targets[0]!.test).toBeGreaterThanOrEqual(0);
    // Ranked by the validation value only.
    expect(rows.map((r) => r.value)).toEqual([...rows.map((r) => r.value)].sort((a, b) => b - a));
    const text = cli(['leaderboard', file, '--db', db]).stdout;
    expect(text).toContain('accuracy (validation)');
    expect(text).toContain('test accuracy');
    expect(text).toMatch(/held-out test rows/);

    const sources = cli(['sources', file, '--db', db, '--json']);
    const recommended = JSON.parse(sources.stdout).recommended as { test?: number } | null;
    expect(recommended).not.toBeNull();
    expect(recommended!.test).toBeGreaterThanOrEqual(0);

    const csv = cli(['export', file, '--db', db, '--format', 'csv']).stdout;
    expect(csv.split('\n')[0]).toContain('test.goal');

    const report = join(dir, 'report.html');
    expect(cli(['report', file, '--db', db, '-o', report]).status).toBe(0);
    const html = readFileSync(report, 'utf8');
    expect(html).toContain('best on test rows');
    // The report states the recommendation `sources` makes, with the same test figure.
    expect(html).toContain(`"recommended on test rows","accuracy ${fmtNumber(recommended!.test!)} on the held-out test rows`);
  });
});
