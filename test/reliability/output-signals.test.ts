// Signals during the commands that write something other than trials: `report` (an HTML file),
// `migrate` (a whole study into PostgreSQL), `model` (a model folder) and `screen` (a pool of workers). SIGTERM exits 130;
// SIGKILL or SIGTERM at any moment leaves the previous output or a complete one, never a torn file,
// and a migrated study is there whole or not at all. Signals are sent at a spread of delays so that
// some land mid-command; the test checks that some did. (A signal in the first few tens of ms, while
// Node itself starts, has its default action: the CLI has written nothing by then.)
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/index.js';
import { cli, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';
import { freshDatabase, pgAdmin } from '../helpers/pg.js';
import { sleep, spawnCli } from './helpers.js';

/**
 * How a signalled CLI may end: done (0); SIGTERM: 130, or killed by it while Node was still starting,
 * before the CLI's handler existed (nothing written by then); SIGKILL: killed.
 */
function ended(signal: NodeJS.Signals, result: { status: number | null; signal: NodeJS.Signals | null }): boolean {
  return result.status === 0 || result.signal === signal || (signal === 'SIGTERM' && result.status === 130);
}

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

let dir: string;
let db: string;
beforeAll(() => {
  dir = tempDir('tasksieve-outsig-');
  const file = writeStudy(dir, syntheticStudyYaml({ name: 'sig', trials: 4, workers: 1, seeds: 1 }));
  db = join(dir, 'sig.db');
  expect(cli(['run', file, '--db', db, '--quiet']).status).toBe(0);
});

/**
 * Wall milliseconds of the command run to its end (to place the signals inside it on this machine):
 * the faster of two runs, since the first one is slowed by cold caches the later ones do not see.
 */
async function duration(args: () => string[]): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < 2; i++) {
    const started = performance.now();
    const result = await spawnCli(args()).done;
    expect(result.status).toBe(0);
    best = Math.min(best, performance.now() - started);
  }
  return best;
}

/** Spawns the command, sends `signal` after `delayMs`, and returns how it ended. */
async function interrupted(args: string[], signal: NodeJS.Signals, delayMs: number) {
  const run = spawnCli(args);
  await sleep(delayMs);
  run.child.kill(signal);
  return run.done;
}

/**
 * When fixed delays all missed the command's middle (the machine's pace under a parallel suite is not
 * the pace `duration` measured), bisect the SIGTERM delay: a run that finished (0) says "earlier", one
 * killed before the CLI's handler existed says "later", until one exits 130 or the tries run out.
 */
async function bisectUntilInterrupted(
  attempt: (delayMs: number) => Promise<{ status: number | null }>,
  wholeMs: number,
  tries = 12,
): Promise<void> {
  let early = 0;
  let late = wholeMs * 2;
  for (let i = 0; i < tries; i++) {
    const delay = (early + late) / 2;
    const { status } = await attempt(delay);
    if (status === 130) return;
    if (status === 0) late = delay;
    else {
      early = delay;
      // Killed before the handler at the top of the range: the command is slower now, widen it.
      if (early > 0.9 * late) late *= 2;
    }
  }
}

describe('signals during report, migrate and screen', () => {
  it('report: SIGTERM exits 130 (or the report was already written); SIGKILL leaves the previous report or the new one, whole', async () => {
    const out = join(dir, 'out', 'report.html');
    mkdirSync(join(dir, 'out'));
    // Delays as shares of an uninterrupted report on this machine, so some land mid-command.
    const whole = await duration(() => ['report', 'sig', '--db', db, '-o', out]);
    const complete = readFileSync(out, 'utf8');
    expect(complete).toMatch(/<\/html>\s*$/);
    const statuses: (number | null)[] = [];
    const attempt = async (signal: NodeJS.Signals, delay: number) => {
      const before = sha(out);
      const result = await interrupted(['report', 'sig', '--db', db, '-o', out], signal, delay);
      statuses.push(result.status);
      expect(ended(signal, result)).toBe(true);
      // Never torn: the same bytes as before, or a whole report (the same study gives the same page
      // apart from its timestamps, so compare the shape).
      const now = readFileSync(out, 'utf8');
      if (sha(out) !== before) {
        expect(now).toMatch(/<\/html>\s*$/);
        expect(Math.abs(now.length - complete.length)).toBeLessThan(200);
      }
      // A SIGTERM never leaves the temporary file (the write is synchronous, the exit comes after).
      if (signal === 'SIGTERM') expect(readdirSync(join(dir, 'out')).filter((f) => f.endsWith('.tmp'))).toEqual([]);
      return result;
    };
    for (const [signal, share] of [
      ['SIGTERM', 0.5], ['SIGTERM', 0.6], ['SIGTERM', 0.7], ['SIGTERM', 0.8], ['SIGTERM', 0.9],
      ['SIGKILL', 0.4], ['SIGKILL', 0.6], ['SIGKILL', 0.75], ['SIGKILL', 0.9],
    ] as const) await attempt(signal, share * whole);
    if (!statuses.includes(130)) await bisectUntilInterrupted((delay) => attempt('SIGTERM', delay), whole);
    // The delays must have caught some reports mid-way, or this proved nothing.
    expect(statuses.filter((s) => s === 130).length).toBeGreaterThan(0);
  });

  describe('migrate', () => {
    const targets: ReturnType<typeof freshDatabase>[] = [];
    afterAll(() => {
      for (const t of targets) t.drop();
      pgAdmin().close();
    });

    it('SIGTERM and SIGKILL at any moment: exit 130 (or done), and the study is in PostgreSQL whole or not at all', async () => {
      const statuses: (number | null)[] = [];
      // Delays as shares of an uninterrupted migrate on this machine (Node's start-up is most of it),
      // so that some land mid-command however fast or loaded the machine is.
      const whole = await duration(() => {
        const timing = freshDatabase();
        targets.push(timing);
        return ['migrate', '--from', `sqlite:${db}`, '--to', timing.url];
      });
      const shares: [NodeJS.Signals, number][] = [
        ['SIGTERM', 0.5], ['SIGTERM', 0.65], ['SIGTERM', 0.8], ['SIGTERM', 0.9],
        ['SIGKILL', 0.6], ['SIGKILL', 0.85], ['SIGTERM', 0.7], ['SIGTERM', 0.95],
      ];
      const attempt = async (signal: NodeJS.Signals, delay: number) => {
        const target = freshDatabase();
        targets.push(target);
        const result = await interrupted(['migrate', '--from', `sqlite:${db}`, '--to', target.url], signal, delay);
        statuses.push(result.status);
        expect(ended(signal, result)).toBe(true);
        let trials = 0;
        try {
          const reader = PostgresStore.open(target.url, { readonly: true });
          try {
            const study = reader.getStudy('sig');
            trials = study === null ? 0 : reader.getTrials(study.id).length;
          } finally {
            reader.close();
          }
        } catch (error) {
          // Killed before it migrated the empty database: nothing there at all.
          expect((error as Error).message).toMatch(/is not a tasksieve database/);
        }
        expect([0, 4]).toContain(trials);
        if (result.status === 0) expect(trials).toBe(4);
        return result;
      };
      for (const [signal, share] of shares) await attempt(signal, share * whole);
      // The machine's pace varies under a parallel suite: if none of those landed mid-command, bisect
      // the SIGTERM delay between too early and too late until one does.
      if (!statuses.includes(130)) await bisectUntilInterrupted((delay) => attempt('SIGTERM', delay), whole);
      expect(statuses.filter((s) => s === 130).length).toBeGreaterThan(0);
    });
  });

  it('model: SIGTERM exits 130, and SIGKILL or SIGTERM at any moment leaves no folder or a whole model, never a torn one', async () => {
    // A study that stores no model: `model` then retrains through the pool, long enough to be signalled.
    const plain = join(dir, 'plain.db');
    expect(cli(['run', join(dir, 'study.yaml'), '--db', plain, '--quiet', '--artifacts', 'none']).status).toBe(0);
    let runs = 0;
    const args = () => ['model', 'sig', '--db', plain, '--trial', 'best', '-o', join(dir, `model-${runs++}`)];
    const whole = await duration(args);
    const statuses: (number | null)[] = [];
    const attempt = async (signal: NodeJS.Signals, delay: number) => {
      const out = join(dir, `model-${runs}`);
      const result = await interrupted(args(), signal, delay);
      statuses.push(result.status);
      expect(ended(signal, result)).toBe(true);
      // The folder appears by one rename: absent, or with all three files.
      if (existsSync(out)) expect(readdirSync(out).sort()).toEqual(['model.json', 'tasksieve-model.json', 'weights.bin']);
      if (result.status === 0) expect(existsSync(out)).toBe(true);
      return result;
    };
    for (const [signal, share] of [
      ['SIGTERM', 0.6], ['SIGTERM', 0.8], ['SIGTERM', 0.9], ['SIGKILL', 0.5], ['SIGKILL', 0.8], ['SIGKILL', 0.95],
    ] as const) await attempt(signal, share * whole);
    if (!statuses.includes(130)) await bisectUntilInterrupted((delay) => attempt('SIGTERM', delay), whole);
    expect(statuses).toContain(130);
  });

  it('screen: SIGTERM while the pool screens exits 130', async () => {
    const file = join(dir, 'study.yaml');
    expect(existsSync(file)).toBe(true);
    // A fresh database each time: a stored screen would let a later run end at once.
    let runs = 0;
    const args = () => ['screen', file, '--db', join(dir, `screen-${runs++}.db`)];
    const whole = await duration(args);
    // Late in the run (past Node's start-up), and earlier if the run was already over.
    const statuses: (number | null)[] = [];
    for (const share of [0.8, 0.65, 0.5, 0.9]) {
      const result = await interrupted(args(), 'SIGTERM', share * whole);
      expect(ended('SIGTERM', result)).toBe(true);
      statuses.push(result.status);
      if (result.status === 130) {
        expect(result.stdout).toBe('');
        break;
      }
    }
    expect(statuses).toContain(130);
  });
});
