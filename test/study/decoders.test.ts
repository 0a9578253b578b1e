// Stored records are decoded on read: what this version writes reads back unchanged (the same
// object, not a copy), and a record it cannot read — a field of the wrong type, a missing one, a key
// it does not know — is refused with one line naming the study, the field and the problem; through
// the CLI that is exit 2.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { loadStudyFile } from '../../src/config/index.js';
import type { Json } from '../../src/spec/records.js';
import { SqliteStore } from '../../src/store/index.js';
import { createSampler, type GpSampler } from '../../src/search/samplers/index.js';
import { GP_DEFAULTS } from '../../src/spec/study.js';
import {
  StoredRecordError,
  decodeBaseline,
  decodeParams,
  decodeScreenTable,
  decodeStoredUnit,
  studySpecOf,
} from '../../src/study/decoders.js';
import { cli, syntheticStudyYaml, tempDir, writeStudy } from '../helpers/cli.js';
import { makeFakeStudy } from '../helpers/fake-study.js';
import { resolvedStudy } from '../helpers/resolved-study.js';

const json = (value: unknown): Json => JSON.parse(JSON.stringify(value));

const metrics = { accuracy: 0.5, macro_f1: 0.4, macro_recall: 0.45, confusion: [[3, 1], [2, 4]] };
const unit = {
  seedIndex: 0,
  seed: 123,
  metrics,
  cost: { epochs: 6, samples: 600, ms: 12.5 },
  baseline: metrics,
  gain: { accuracy: 0, macro_f1: 0, macro_recall: 0 },
  backend: 'wasm',
  workerMs: 14,
  rungs: [{ epoch: 1, metrics }],
  stoppedAt: null,
  extra: { params: 100, nonzeros: 98, bytes: 400 },
};

describe('decoders', () => {
  it('read back what this version writes, as the same object', () => {
    const spec = json(loadStudyFile(writeStudy(tempDir(), syntheticStudyYaml({ extra: 'screen_prior: logme\nscheduler: asha' }))));
    expect(studySpecOf({ name: 'x', spec })).toBe(spec);
    const small = json(resolvedStudy());
    expect(studySpecOf({ name: 'x', spec: small })).toBe(small);
    const stored = json(unit);
    expect(decodeStoredUnit(stored, 'u')).toBe(stored);
    const baseline = json({ metrics, cost: unit.cost, extra: unit.extra });
    expect(decodeBaseline(baseline, 'b')).toBe(baseline);
    const params = json({ learning_rate: 0.01, optimizer: 'adam', sources: ['a', 'b'] });
    expect(decodeParams(params, 'p')).toBe(params);
    const perKind = { leep: -1, logme: 0.5, hscore: 2, nce: -0.4 };
    const table = json({
      sources: [{ source: 'a', score: perKind, targets: [{ target: 't', score: perKind }], trainMs: 3, scoreMs: perKind }],
      ranking: { leep: ['a'], logme: ['a'], hscore: ['a'], nce: ['a'] },
      seconds: perKind,
      backend: 'wasm',
      wallMs: 9,
    });
    expect(decodeScreenTable(table, 's')).toBe(table);
    // A table stored before NCE existed reads back with NaN NCE scores and no NCE ranking.
    const { nce: _n, ...older } = perKind;
    const old = decodeScreenTable(
      json({
        sources: [{ source: 'a', score: older, targets: [{ target: 't', score: older }], trainMs: 3, scoreMs: older }],
        ranking: { leep: ['a'], logme: ['a'], hscore: ['a'] },
        seconds: older,
        backend: 'wasm',
        wallMs: 9,
      }),
      's',
    );
    expect(old.sources[0]!.score).toEqual({ ...older, nce: Number.NaN });
    expect(old.ranking.nce).toEqual([]);
    expect(old.ranking.logme).toEqual(['a']);
    expect(() => decodeScreenTable(json({ ...(table as object), seconds: { ...older, nce: 'x' } }), 's')).toThrow(/seconds\.nce/);
  });

  it('a gp sampler stored before gp had source_design reads back without it, and its sampler runs without the design', () => {
    const spec = json({ ...resolvedStudy(), sampler: { kind: 'gp', startup_trials: 10, tpe_after: 300, constant_liar: true } });
    const study = studySpecOf({ name: 'old-gp', spec });
    expect(study.sampler).toEqual({ kind: 'gp', startup_trials: 10, tpe_after: 300, constant_liar: true });
    expect((createSampler(study) as GpSampler).settings.sourceDesign).toBe(false);
    const current = studySpecOf({ name: 'new-gp', spec: json({ ...resolvedStudy(), sampler: { kind: 'gp', ...GP_DEFAULTS } }) });
    expect((createSampler(current) as GpSampler).settings.sourceDesign).toBe(true);
  });

  it('a NaN figure, which JSON wrote as null, reads back as null', () => {
    const stored = decodeStoredUnit(json({ ...unit, extra: { fgsm_accuracy: Number.NaN, bytes: 4 } }), 'u');
    expect(stored.extra).toEqual({ fgsm_accuracy: null, bytes: 4 });
    expect(() => decodeStoredUnit(json({ ...unit, extra: { bytes: 'four' } }), 'u')).toThrow('u: extra.bytes: expected a number');
  });

  it('refuse a field of the wrong type, a missing one and an unknown key, naming study and field', () => {
    const spec = json(resolvedStudy()) as Record<string, Record<string, Json>>;
    const bad = (patch: (s: Record<string, Record<string, Json>>) => void) => {
      const copy = structuredClone(spec);
      patch(copy);
      return () => studySpecOf({ name: 'old', spec: copy });
    };
    expect(bad((s) => (s.recipe!.learning_rate = 'fast'))).toThrow(
      'study "old": its stored spec: recipe.learning_rate: expected a number (got "fast"); this version of tasksieve cannot read it',
    );
    expect(bad((s) => (s.recipe!.learning_rate = 50))).toThrow('recipe.learning_rate: 50 is outside the range of learning_rate');
    expect(bad((s) => delete s.objective!.metric)).toThrow('study "old": its stored spec: objective.metric: missing');
    expect(bad((s) => (s.recipe!.zoom_factor = 2))).toThrow(
      'recipe.zoom_factor: a key this version does not know (written by a newer tasksieve?)',
    );
    expect(bad((s) => (s.model!.kind = 'transformer'))).toThrow('model.kind: expected one of mlp, cnn (got "transformer")');
    expect(bad((s) => ((s.sources as unknown as Json[])[0] = { name: 'a' }))).toThrow('sources[0].dataset: missing');
    expect(() => decodeStoredUnit(json({ ...unit, metrics: { accuracy: 1 } }), 'trial #3: unit t/0')).toThrow(
      'trial #3: unit t/0: metrics.macro_f1: missing',
    );
    expect(() => decodeParams(json({ lr: { nested: true } }), 'trial #1: its params')).toThrow(StoredRecordError);
  });

  it('through the CLI: a study whose stored spec this version cannot read is one line and exit 2', () => {
    const dir = tempDir();
    const db = join(dir, 'study.db');
    const store = SqliteStore.open(db);
    try {
      makeFakeStudy(store, { name: 'tampered', trials: 3 });
    } finally {
      store.close();
    }
    const conn = new Database(db);
    const row = conn.prepare("SELECT spec FROM studies WHERE name = 'tampered'").get() as { spec: string };
    const spec = JSON.parse(row.spec);
    spec.budget.trials = 'many';
    conn.prepare("UPDATE studies SET spec = ? WHERE name = 'tampered'").run(JSON.stringify(spec));
    conn.close();
    for (const command of ['leaderboard', 'sources', 'export']) {
      const result = cli([command, 'tampered', '--db', db]);
      expect(result.status, command).toBe(2);
      expect(result.stderr).toBe(
        `tasksieve ${command}: study "tampered": its stored spec: budget.trials: expected a whole number (got "many"); this version of tasksieve cannot read it\n`,
      );
    }
  });
});
