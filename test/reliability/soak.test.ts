// The soak, short (test/helpers/soak.ts; the full one is `npm run bench -- soak`): 2 runner processes
// on one 40-trial study, one SIGKILLed twice and restarted at once, on SQLite and on PostgreSQL.
// Exactly 40 finished, numbers 0..39 once each, no finished trial changed, each killed trial re-run
// once per kill, and the surviving runners exit 0 with nothing on stderr.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';
import { freshDatabaseForSuite } from '../helpers/pg.js';
import { soak, type SoakOutcome } from '../helpers/soak.js';

const TOTAL = 40;

function expectExact(outcome: SoakOutcome, lines: readonly string[]): void {
  expect(outcome.badExits).toEqual([]);
  // The soak's own log says where the kills landed (and why one did not).
  expect(outcome.kills, lines.join('\n')).toBe(2);
  expect(outcome.killedTrials).toBeGreaterThanOrEqual(2);
  expect({ finished: outcome.finished, unfinished: outcome.unfinished, unique: outcome.uniqueNumbers }).toEqual({
    finished: TOTAL,
    unfinished: 0,
    unique: true,
  });
  expect(outcome.changed).toEqual([]);
  expect(outcome.wrongAttempts).toEqual([]);
  expect(outcome.lockWaitMs.samples).toBeGreaterThan(0);
}

function study(name: string): { file: string; dir: string } {
  const dir = tempDir('tasksieve-soak-');
  return { dir, file: writeStudy(dir, syntheticStudyYaml({ name, trials: TOTAL, workers: 1, seeds: 2 })) };
}

describe('soak, short: 2 processes, 40 trials, 2 kills', () => {
  it('SQLite: 2 `tasksieve run` on one file', async () => {
    const { dir, file } = study('soak-sqlite');
    const lines: string[] = [];
    const outcome = await soak({ file, name: 'soak-sqlite', db: join(dir, 'soak.db'), processes: 2, total: TOTAL, killEveryMs: 0, kills: 2, killAt: [12, 24], workDir: dir, log: (l) => lines.push(l) });
    expectExact(outcome, lines);
  });

  describe('PostgreSQL', () => {
    const database = freshDatabaseForSuite();
    it('2 `tasksieve worker` from two working directories', async () => {
      const { dir, file } = study('soak-pg');
      const lines: string[] = [];
      const outcome = await soak({ file, name: 'soak-pg', db: database.url, processes: 2, total: TOTAL, killEveryMs: 0, kills: 2, killAt: [12, 24], workDir: dir, log: (l) => lines.push(l) });
      expectExact(outcome, lines);
      expect(outcome.longestTransactionMs).not.toBeNull();
    });
  });
});
