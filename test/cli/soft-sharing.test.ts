// multitask with sharing: soft end to end through the CLI: an ASHA-scheduled study searching the
// sharing weight, with compression, run with --stack 2 (its joint phase trains alone, the rest
// stacks); `tasksieve model` writes the target's network (one network of the study's model) and
// retrains it byte for byte; a study file pairing soft sharing with gradnorm exits 2 with one line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { cli, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';

const STUDY = syntheticStudyYaml({
  name: 'soft',
  trials: 6,
  workers: 1,
  seeds: 2,
  extra: 'scheduler: { kind: asha, eta: 2, min_reports: 2 }',
})
  .replace('recipe: { batch_size: 16, pretrain_epochs: 3, epochs: 4 }', 'recipe: { batch_size: 16, epochs: 4, strategy: multitask, sharing: soft, prune_sparsity: 0.5, prune_epochs: 1, quantize: int8 }')
  .replace('  sources: { type: subset, min: 0, max: 2 }', '  sharing_weight: { type: float, low: 0.1, high: 100, log: true }\n  sources: { type: subset, min: 1, max: 2 }');

describe('multitask sharing soft through the CLI', () => {
  it('runs under ASHA with --stack, exports the target network and retrains it to the same bytes', () => {
    const dir = tempDir('tasksieve-soft-');
    const db = join(dir, 'soft.db');
    const run = cli(['run', writeStudy(dir, STUDY), '--db', db, '--quiet', '--backend', 'wasm', '--stack', '2'], dir);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const store = SqliteStore.open(db);
    let bestId: number;
    try {
      const record = store.getStudy('soft')!;
      const trials = store.getTrials(record.id);
      expect(trials).toHaveLength(6);
      for (const t of trials) expect(['COMPLETE', 'PRUNED']).toContain(t.state);
      expect(trials.some((t) => t.state === 'PRUNED')).toBe(true);
      const artifacts = store.getStudyArtifacts(record.id);
      expect(artifacts.length).toBeGreaterThan(0);
      bestId = trials.find((t) => t.number === artifacts[0]!.trialNumber)!.id;
    } finally {
      store.close();
    }
    const stored = join(dir, 'stored');
    const out = cli(['model', 'soft', '--db', db, '--trial', 'best', '-o', stored, '--json'], dir);
    expect(out.status, out.stderr).toBe(0);
    const meta = JSON.parse(readFileSync(join(stored, 'tasksieve-model.json'), 'utf8'));
    expect(meta.recipe).toMatchObject({ strategy: 'multitask', sharing: 'soft', quantize: 'int8' });
    // The target's network only: 12 features -> 16 -> 3 classes.
    const model = JSON.parse(readFileSync(join(stored, 'model.json'), 'utf8'));
    expect(model.weightsManifest[0].weights.map((w: { shape: number[] }) => w.shape)).toEqual([[12, 16], [16], [16, 3], [3]]);
    const edit = SqliteStore.open(db);
    try {
      expect(edit.deleteArtifacts([bestId])).toBe(2); // one per seed
    } finally {
      edit.close();
    }
    const again = join(dir, 'retrained');
    const retrained = cli(['model', 'soft', '--db', db, '--trial', 'best', '-o', again, '--json'], dir);
    expect(retrained.status, retrained.stderr).toBe(0);
    expect(JSON.parse(retrained.stdout)).toMatchObject({ retrained: true });
    for (const name of ['weights.bin', 'model.json']) expect(readFileSync(join(again, name)).equals(readFileSync(join(stored, name))), name).toBe(true);
  }, 300_000);

  it('refuses soft sharing with gradnorm in one line naming file, field and problem, exit 2', () => {
    const dir = tempDir('tasksieve-soft-bad-');
    const bad = STUDY.replace('sharing: soft,', 'sharing: soft, task_weighting: gradnorm,');
    const out = cli(['run', writeStudy(dir, bad, 'bad.yaml'), '--db', join(dir, 'bad.db')], dir);
    expect(out.status).toBe(2);
    expect(out.stderr.trim().split('\n')).toHaveLength(1);
    expect(out.stderr).toMatch(/bad\.yaml:\d+:\d+: recipe\.task_weighting: gradnorm cannot apply with sharing soft/);
  });
});
