// `sources`, `leaderboard --by` / `--subsets` and `screen` through the real CLI, on a tiny real study
// (synthetic family: a related, an anti-related and a half-related source; two targets, two seeds).
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli, tempDir, writeStudy } from '../helpers/cli.js';

const STUDY = `name: selection-cli
seed: 11
datasets:
  family: { synthetic: { features: 12, latent: 5, classes: 3, rows: 240, noise: 0.1, seed: 5 } }
sources:
  - { name: near, dataset: family, rho: 0.9 }
  - { name: anti, dataset: family, rho: -0.8 }
  - { name: half, dataset: family, rho: 0.5 }
targets:
  - { name: goal, dataset: family, rho: 1.0, labelled: 12 }
  - { name: other, dataset: family, rho: 0.9, labelled: 12 }
model: { hidden: [16], activation: relu }
recipe: { batch_size: 16, pretrain_epochs: 3, epochs: 4, learning_rate: 0.02 }
space:
  sources: { type: subset }
objective: { on: gain, aggregate: cvar, alpha: 0.5 }
sampler: random
screen_prior: logme
budget: { trials: 8, workers: 2, epochs: 4, seeds: 2 }
`;

let dir: string;
let file: string;
let db: string;

const json = (args: string[]) => {
  const r = cli(args);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  return JSON.parse(r.stdout);
};

beforeAll(() => {
  dir = tempDir('tasksieve-selection-');
  file = writeStudy(dir, STUDY);
  db = join(dir, 'sel.db');
  const run = cli(['run', file, '--db', db, '--quiet']);
  expect(run.stderr).toBe('');
  expect(run.status).toBe(0);
});

describe('tasksieve sources', () => {
  it('prints every source with its effect, interval and flag, overall and per target', () => {
    const r = cli(['sources', file, '--db', db]);
    expect(r.status).toBe(0);
    // Trials repeating a subset (and recipe) are merged into one row: at most 8 rows of 2 targets x 2 seeds.
    const rows = Number(/^all targets: (\d+) trials, (\d+) units$/m.exec(r.stdout)?.[1]);
    expect(rows).toBeGreaterThanOrEqual(2);
    expect(rows).toBeLessThanOrEqual(8);
    expect(r.stdout).toMatch(new RegExp(`^all targets: ${rows} trials, ${4 * rows} units$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^target goal: ${rows} trials, ${2 * rows} units$`, 'm'));
    expect(r.stdout).toMatch(new RegExp(`^target other: ${rows} trials, ${2 * rows} units$`, 'm'));
    for (const source of ['near', 'anti', 'half']) {
      expect(r.stdout).toMatch(new RegExp(`^${source} +[-+]?[\\d.e-]+ +\\[[-+]?[\\d.e-]+, [-+]?[\\d.e-]+\\] +(helpful|neutral|harmful|untested) +\\d+`, 'm'));
    }
    expect(r.stdout).toMatch(/^recommended: /m);
  });

  it('--json: the attribution with intervals that contain the estimates, and --target narrows it', () => {
    const all = json(['sources', 'selection-cli', '--db', db, '--json', '--resamples', '200']);
    expect(all.attribution.resamples).toBe(200);
    expect(all.attribution.overall.effects.map((e: { source: string }) => e.source)).toEqual(['near', 'anti', 'half']);
    for (const e of all.attribution.overall.effects) {
      expect(['helpful', 'neutral', 'harmful', 'untested']).toContain(e.flag);
      expect(e.interval.low).toBeLessThanOrEqual(e.effect + 1e-12);
      expect(e.interval.high).toBeGreaterThanOrEqual(e.effect - 1e-12);
    }
    // Every subset of three sources is a possible trial: each source is in some trials, not all.
    expect(all.attribution.targets.map((t: { target: string }) => t.target)).toEqual(['goal', 'other']);
    const one = json(['sources', file, '--db', db, '--json', '--target', 'other']);
    expect(one.attribution.targets.map((t: { target: string }) => t.target)).toEqual(['other']);
    expect(one.attribution.targets[0].units).toBe(all.attribution.targets[1].units);
    expect(one.attribution.targets[0].units % 2).toBe(0); // two seeds per (merged) trial row
  });

  it('an unknown --target is bad input', () => {
    const r = cli(['sources', file, '--db', db, '--target', 'nope']);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('tasksieve sources: --target: unknown target "nope" (targets: goal, other)\n');
  });
});

describe('tasksieve leaderboard --by / --subsets', () => {
  it('--by worst re-ranks trials by their worst unit and keeps the study objective alongside', () => {
    const out = json(['leaderboard', file, '--db', db, '--by', 'worst', '--json', '--top', '100']);
    expect(out.by).toBe('worst');
    expect(out.rows).toHaveLength(8);
    const scores = out.rows.map((r: { score: number }) => r.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    for (const row of out.rows) expect(row.score).toBeLessThanOrEqual(row.value + 1e-12); // worst <= cvar(0.5)
    const text = cli(['leaderboard', file, '--db', db, '--by', 'mean']);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('trials ranked by mean of accuracy gain over their units (study objective: cvar(alpha=0.5) of accuracy gain)');
  });

  it('--subsets ranks subsets with intervals and support, and names the recommendation', () => {
    const out = json(['leaderboard', file, '--db', db, '--subsets', '--json']);
    expect(out.by).toBe('cvar');
    expect(out.rule).toBe('best cvar score among subsets with >= 2 unit(s) on every target (each on its best recipe with that support)');
    const units = out.subsets.reduce((n: number, s: { units: number }) => n + s.units, 0);
    // Only the subset is searched, so each subset is one merged row of 2 targets x 2 seeds.
    expect(units).toBe(4 * out.subsets.length);
    for (const s of out.subsets) {
      expect(s.minUnitsPerTarget).toBeGreaterThanOrEqual(2); // two seeds per target in every trial
      expect(s.supported).toBe(true);
    }
    expect(out.recommended).toEqual(out.subsets[0]);
    const text = cli(['leaderboard', file, '--db', db, '--subsets', '--by', 'worst']);
    expect(text.status).toBe(0);
    expect(text.stdout).toMatch(/^rank +sources +worst +95% interval +mean gain +trials +units +min units\/target +supported$/m);
    expect(text.stdout).toMatch(/^recommended: .+ \(rank 1; best worst score among subsets with >= 2 unit\(s\) on every target \(each on its best recipe with that support\)\)$/m);
  });

  it('without --by or --subsets it is the plain leaderboard; a bad --by is bad input', () => {
    const plain = cli(['leaderboard', file, '--db', db]);
    expect(plain.status).toBe(0);
    expect(plain.stdout).toContain('gain goal');
    // The leaderboard's harmful marks are the flags of `tasksieve sources` (same attribution, same defaults).
    const flagged = json(['sources', file, '--db', db, '--json'])
      .attribution.overall.effects.filter((e: { flag: string }) => e.flag === 'harmful')
      .map((e: { source: string }) => e.source);
    const board = json(['leaderboard', file, '--db', db, '--json']);
    expect(board.harmful_sources.map((e: { source: string }) => e.source)).toEqual(flagged);
    for (const source of flagged) expect(plain.stdout).toContain(`${source}!`);
    const bad = cli(['leaderboard', file, '--db', db, '--by', 'best']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('tasksieve leaderboard: --by: must be one of mean, median, worst, cvar, mean_minus_std (got "best")\n');
  });
});

describe('tasksieve suggest', () => {
  const key = (sources: readonly string[]) => [...sources].sort().join(',');

  it('lists untried subsets best first; --enqueue makes them trials the next run takes first, never twice', () => {
    const copy = join(dir, 'suggest.db');
    copyFileSync(db, copy);
    const tried = new Set(
      json(['leaderboard', file, '--db', copy, '--json', '--top', '100']).rows.map((r: { sources: string[] }) => key(r.sources)),
    );
    const out = json(['suggest', file, '--db', copy, '--json', '--count', '2']);
    expect(out.trials).toBeGreaterThan(0);
    // 8 seeded random trials over the 8 subsets repeat some, so some subsets are left untried.
    expect(tried.size).toBeLessThan(8);
    expect(out.suggestions.length).toBe(Math.min(2, 8 - tried.size));
    for (const s of out.suggestions) expect(tried.has(key(s.sources))).toBe(false);
    const gains = out.suggestions.map((s: { predicted_gain: number }) => s.predicted_gain);
    expect([...gains].sort((a, b) => b - a)).toEqual(gains);
    expect(out.enqueued).toEqual([]);

    const enqueued = json(['suggest', file, '--db', copy, '--json', '--count', '2', '--enqueue']);
    expect(enqueued.suggestions).toEqual(out.suggestions);
    expect(enqueued.enqueued.map((e: { number: number }) => e.number)).toEqual(out.suggestions.map((_: unknown, i: number) => 8 + i));
    // Waiting subsets are not suggested again.
    const again = json(['suggest', file, '--db', copy, '--json', '--count', '2']);
    for (const s of again.suggestions) expect(out.suggestions.map((o: { sources: string[] }) => key(o.sources))).not.toContain(key(s.sources));

    const total = 8 + out.suggestions.length;
    const run = cli(['run', file, '--db', copy, '--trials', String(total), '--quiet']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const rows = json(['leaderboard', file, '--db', copy, '--json', '--top', '100']).rows as { number: number; sources: string[]; params: object }[];
    expect(rows).toHaveLength(total);
    for (const e of enqueued.enqueued as { number: number; params: { sources: string[] } }[]) {
      const row = rows.find((r) => r.number === e.number)!;
      expect(key(row.sources)).toBe(key(e.params.sources));
    }
  });

  it('a study that does not search its sources has nothing to suggest (bad input)', () => {
    const fixed = writeStudy(dir, STUDY.replace(/space:\n  sources: \{ type: subset \}\n/, 'space:\n  learning_rate: { type: float, low: 0.01, high: 0.1, log: true }\n').replace('screen_prior: logme\n', '').replace('name: selection-cli', 'name: fixed'), 'fixed.yaml');
    const dbFixed = join(dir, 'fixed.db');
    expect(cli(['run', fixed, '--db', dbFixed, '--trials', '1', '--quiet']).status).toBe(0);
    const r = cli(['suggest', fixed, '--db', dbFixed]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('tasksieve suggest: study "fixed" does not search its sources (no space.sources subset parameter): there is no subset to suggest\n');
    const bad = cli(['suggest', file, '--db', db, '--count', '0']);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('tasksieve suggest: --count: must be at least 1 (got 0)\n');
  });
});

describe('tasksieve screen', () => {
  it('prints the screen stored with the study (screen_prior), the same as its JSON', () => {
    const stored = json(['screen', file, '--db', db, '--json']);
    expect(stored.stored).toBe(true);
    expect(stored.sources.map((s: { source: string }) => s.source)).toEqual(['near', 'anti', 'half']);
    for (const kind of ['leep', 'logme', 'hscore', 'nce']) {
      expect([...stored.ranking[kind]].sort()).toEqual(['anti', 'half', 'near']);
      expect(stored.seconds[kind]).toBeGreaterThan(0);
    }
    const text = cli(['screen', 'selection-cli', '--db', db]);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('(stored with the study (screen_prior))');
    expect(text.stdout).toMatch(/^source +LEEP +LogME +H-score +NCE +train$/m);
  });

  it('computes the screen from a study file without a database, on the pool, reproducibly', () => {
    const fresh = json(['screen', file, '--db', join(dir, 'none.db'), '--json', '--workers', '1']);
    expect(fresh.stored).toBe(false);
    expect(fresh.backend).toBe('wasm');
    const stored = json(['screen', file, '--db', db, '--json']);
    // The stored screen was computed the same way before the first trial: same scores.
    expect(fresh.sources.map((s: { score: object }) => s.score)).toEqual(stored.sources.map((s: { score: object }) => s.score));
    // The related source is ranked above the anti-related one by LEEP (which sees the label mapping).
    expect(fresh.ranking.leep.indexOf('near')).toBeLessThan(fresh.ranking.leep.indexOf('anti'));
    expect(fresh.ranking.nce.indexOf('near')).toBeLessThan(fresh.ranking.nce.indexOf('anti'));
  });

  it('a study without sources cannot be screened', () => {
    const none = writeStudy(dir, STUDY.replace(/sources:\n(  - .*\n)+/, '').replace(/space:\n  sources: \{ type: subset \}\n/, '').replace('screen_prior: logme\n', ''), 'none.yaml');
    const r = cli(['screen', none, '--db', join(dir, 'none.db')]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe('tasksieve screen: study "selection-cli" has no sources to screen\n');
  });
});
