// Spec drift: continuing a study whose file changed what the study is (its search space, its tasks) is
// refused with the differing fields listed, leaving the database byte for byte as it was; `--force`
// continues with the STORED spec and says, field by field, what it keeps and what it ignores.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';
import { readStudy } from './helpers.js';

const sha = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

describe('spec drift', () => {
  it('refuses a changed space or task, lists the fields, leaves the database as it was; --force keeps the stored spec and says so', () => {
    const dir = tempDir('tasksieve-drift-');
    const original = syntheticStudyYaml({ name: 'drift', trials: 2, workers: 1, seeds: 1 });
    const file = writeStudy(dir, original);
    const db = join(dir, 'drift.db');
    expect(cli(['run', file, '--db', db, '--quiet']).status).toBe(0);
    const stored = readStudy(db, 'drift')!;
    const hash = sha(db);

    writeStudy(dir, original.replace('high: 0.05', 'high: 0.2').replace('labelled: 12', 'labelled: 14'));
    const refusal =
      'study "drift" already exists with a different spec: targets[0].labelled, space.learning_rate.high differ ' +
      '(use a new study name, or another database, or --force to continue with the stored spec)';
    for (const args of [['run', file], ['resume', file]]) {
      const refused = cli([...args, '--db', db]);
      expect(refused.status).toBe(2);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toBe(`tasksieve ${args[0]}: ${refusal}\n`);
      expect(sha(db)).toBe(hash);
    }

    // --force: not silent, even with --quiet; operational keys (here --trials) still come from the file.
    const forced = cli(['run', file, '--db', db, '--force', '--trials', '4', '--quiet']);
    expect(forced.status).toBe(0);
    expect(forced.stderr).toBe(
      '--force: study "drift" continues with its STORED spec; 2 field(s) of the study file differ and are ignored ' +
        '(operational keys such as budget.trials and budget.workers still come from the file):\n' +
        '  targets[0].labelled: stored 12 (kept), file 14 (ignored)\n' +
        '  space.learning_rate.high: stored 0.05 (kept), file 0.2 (ignored)\n',
    );
    const after = readStudy(db, 'drift')!;
    // The stored spec is untouched, and the new trials were proposed from it.
    expect(after.spec).toEqual(stored.spec);
    expect(after.trials.map((t) => t.state)).toEqual(['COMPLETE', 'COMPLETE', 'COMPLETE', 'COMPLETE']);
    for (const trial of after.trials.slice(0, 2)) expect(trial).toEqual(stored.trials[trial.number]);
    for (const trial of after.trials) expect(trial.params.learning_rate as number).toBeLessThanOrEqual(0.05);

    // The same through resume, with --json: the notice stays on stderr, stdout stays JSON.
    const resumed = cli(['resume', file, '--db', db, '--force', '--json']);
    expect(resumed.status).toBe(0);
    expect(resumed.stderr).toMatch(/^--force: study "drift" continues with its STORED spec; 2 field\(s\)/);
    expect(JSON.parse(resumed.stdout)).toMatchObject({ completedThisRun: 0 });

    // --force without drift says nothing.
    writeStudy(dir, original);
    const same = cli(['run', file, '--db', db, '--force', '--trials', '4', '--quiet']);
    expect(same.status).toBe(0);
    expect(same.stderr).toBe('');
  }, 600_000);
});
