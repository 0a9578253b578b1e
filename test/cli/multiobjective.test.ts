// A small real multi-objective study end to end through the CLI: accuracy vs the weights left after
// pruning (nonzeros), with pruning searched and a bytes constraint; its trials store both values, `leaderboard --pareto` shows the
// non-dominated feasible trials, `export` carries every objective value, and a single-objective
// study refuses --pareto.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/index.js';
import { cli, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';
import { dominates } from '../../src/metrics/pareto.js';

const MULTI = `objective:
  - { metric: accuracy }
  - { metric: nonzeros }
constraints:
  - { metric: bytes, max: 100000 }
`;

describe('a multi-objective study through the CLI', () => {
  const dir = tempDir();
  const yaml = syntheticStudyYaml({ name: 'mo', trials: 6, seeds: 1, extra: MULTI })
    .replace('sampler: random', 'sampler: { kind: bayes, startup_trials: 3 }')
    .replace('  sources: { type: subset, min: 0, max: 2 }', '  prune_sparsity: { type: float, low: 0, high: 0.9 }\n  sources: { type: subset, min: 0, max: 2 }');
  const file = writeStudy(dir, yaml);
  const db = join(dir, 'mo.db');

  it('runs, storing a value per objective and the constraint violation of every COMPLETE trial', () => {
    const run = cli(['run', file, '--db', db, '--quiet', '--json']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const store = SqliteStore.open(db, { readonly: true });
    try {
      const study = store.getStudy('mo')!;
      const trials = store.getTrials(study.id);
      expect(trials).toHaveLength(6);
      for (const t of trials) {
        expect(t.state).toBe('COMPLETE');
        expect(t.values).toHaveLength(2);
        expect(t.values![0]).toBe(t.value);
        expect(t.values![1]).toBeGreaterThan(0);
        // bytes of the dense float32 model: the same for every trial (no quantisation here).
        expect(t.constraints).toHaveLength(1);
        expect(t.constraints![0]).toBeLessThan(0);
      }
      // Pruning is searched, so the weights left differ between trials.
      expect(new Set(trials.map((t) => t.values![1])).size).toBeGreaterThan(1);
    } finally {
      store.close();
    }
  });

  it('leaderboard --pareto lists exactly the non-dominated trials', () => {
    const out = cli(['leaderboard', file, '--db', db, '--pareto', '--json']);
    expect(out.status).toBe(0);
    const board = JSON.parse(out.stdout) as { front: { number: number; values: number[] }[]; complete: number; feasible: number };
    expect(board.complete).toBe(6);
    const exported = JSON.parse(cli(['export', file, '--db', db, '--format', 'json']).stdout) as { trials: { number: number; values: number[] }[] };
    const loss = (v: number[]) => [-v[0]!, v[1]!];
    const expected = exported.trials
      .filter((t) => !exported.trials.some((o) => dominates(loss(o.values), loss(t.values))))
      .map((t) => t.number)
      .sort();
    expect(board.front.map((r) => r.number).sort()).toEqual(expected);
    expect(expected.length).toBeGreaterThan(0);

    const text = cli(['leaderboard', file, '--db', db, '--pareto']);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain('Pareto front of mean accuracy (maximize) vs mean nonzeros (minimize)');
  });

  it('export writes every objective value and the constraint column', () => {
    const csv = cli(['export', file, '--db', db]).stdout.trim().split('\n');
    expect(csv[0]).toMatch(/^number,state,value,value\.0\.accuracy,value\.1\.nonzeros,constraint\.0\.bytes,sources,/);
    expect(csv).toHaveLength(7);
    const [, , value, accuracy, bytes] = csv[1]!.split(',');
    expect(accuracy).toBe(value);
    expect(Number(bytes)).toBeGreaterThan(0);
  });

  it('report has the Pareto front and a hypervolume curve that never falls', () => {
    const html = join(dir, 'mo.html');
    const out = cli(['report', file, '--db', db, '-o', html]);
    expect(out.status).toBe(0);
    const text = readFileSync(html, 'utf8');
    expect(text).toContain('"id":"pareto-front"');
    const match = /"label":"hypervolume","data":(\[[^\]]*\])/.exec(text);
    expect(match).not.toBeNull();
    const curve = (JSON.parse(match![1]!) as { x: number; y: number }[]).map((p) => p.y);
    expect(curve.length).toBeGreaterThan(1);
    curve.slice(1).forEach((y, i) => expect(y).toBeGreaterThanOrEqual(curve[i]!));
    expect(curve[curve.length - 1]!).toBeGreaterThan(0);
  });

  it('artifacts: best keeps the models of every trial on the Pareto front and of no other', () => {
    const kept = writeStudy(dir, yaml.replace('name: mo', 'name: mo-kept'), 'mo-kept.yaml');
    const kdb = join(dir, 'mo-kept.db');
    const run = cli(['run', kept, '--db', kdb, '--quiet', '--artifacts', 'best']);
    expect(run.status).toBe(0);
    const board = JSON.parse(cli(['leaderboard', kept, '--db', kdb, '--pareto', '--json']).stdout) as { front: { number: number }[] };
    const store = SqliteStore.open(kdb, { readonly: true });
    try {
      const study = store.getStudy('mo-kept')!;
      const numberOf = new Map(store.getTrials(study.id).map((t) => [t.id, t.number]));
      const withModels = [...new Set(store.getStudyArtifacts(study.id).map((a) => numberOf.get(a.trialId)!))].sort();
      expect(withModels).toEqual(board.front.map((r) => r.number).sort());
      // Not the first objective's best alone (what `best` kept before): the front has more trials here.
      expect(withModels.length).toBeGreaterThan(1);
    } finally {
      store.close();
    }
    // Every front trial's model exports; a dominated one says it has no stored model.
    const front = board.front[board.front.length - 1]!.number;
    const out = cli(['model', kept, '--db', kdb, '--trial', String(front), '-o', join(dir, 'front-model')]);
    expect(out.status).toBe(0);
    expect(out.stderr).not.toMatch(/retrain/i);
  });

  it('a single-objective study refuses --pareto with exit 2', () => {
    const single = writeStudy(dir, syntheticStudyYaml({ name: 'single', trials: 1, seeds: 1 }), 'single.yaml');
    const sdb = join(dir, 'single.db');
    expect(cli(['run', single, '--db', sdb, '--quiet']).status).toBe(0);
    const out = cli(['leaderboard', single, '--db', sdb, '--pareto']);
    expect(out.status).toBe(2);
    expect(out.stderr).toMatch(/--pareto: study single has one objective/);
  });
});
