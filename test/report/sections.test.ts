// The report's sections from real stored studies (ask/tell on SQLite with fake values): what each
// section shows, and its empty state.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectReport, type ReportData } from '../../src/report/collect.js';
import type { Block, PageModel } from '../../src/report/page-model.js';
import { fmtSigned } from '../../src/util/format.js';
import { buildPage } from '../../src/report/sections.js';
import { attributeSources, type TrialTable } from '../../src/selection/index.js';
import { sourceInclusion, tQuantile975, welchInterval } from '../../src/report/source-inclusion.js';
import { StudyHandle } from '../../src/study/study-handle.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { fakeStudySpec, makeFakeStudy, type FakeStudyOptions } from '../helpers/fake-study.js';

function blocks(page: PageModel, id: string): readonly Block[] {
  const section = page.sections.find((s) => s.id === id);
  if (!section) throw new Error(`no section ${id}`);
  return section.blocks;
}

function table(page: PageModel, id: string, index = 0) {
  const found = blocks(page, id).filter((b) => b.kind === 'table')[index];
  if (!found || found.kind !== 'table') throw new Error(`no table ${index} in ${id}`);
  return found;
}

function chartIds(page: PageModel): string[] {
  return page.sections.flatMap((s) => s.blocks.flatMap((b) => (b.kind === 'chart' ? [b.id] : [])));
}

describe('report sections', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tasksieve-sections-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  function data(options: FakeStudyOptions | null, name = options?.name ?? 'empty'): ReportData {
    const db = path.join(dir, `${name}.db`);
    const store = SqliteStore.open(db);
    if (options) makeFakeStudy(store, options);
    else StudyHandle.open({ store, study: fakeStudySpec({ name, trials: 5 }) });
    store.close();
    const reader = SqliteStore.open(db, { readonly: true });
    try {
      return collectReport(reader, name)!;
    } finally {
      reader.close();
    }
  }

  it('shows every section with its chart for a study with rungs, failures and a harmful source', () => {
    const page = buildPage(data({ name: 'rich', trials: 60, failEvery: 10, rungs: true }));
    expect(page.sections.map((s) => s.id)).toEqual([
      'summary', 'history', 'leaderboard', 'importance', 'sources', 'attribution', 'gains', 'rungs', 'failures',
    ]);
    expect(chartIds(page)).toEqual(['history', 'importance', 'sources-inclusion', 'sources-difference', 'attribution', 'gains', 'rungs']);

    const summary = blocks(page, 'summary')[0]!;
    if (summary.kind !== 'kv') throw new Error('summary is not a key-value list');
    const kv = new Map(summary.rows);
    expect(kv.get('study')).toBe('rich');
    expect(kv.get('trials')).toMatch(/^\d+ COMPLETE, \d+ PRUNED, 6 FAIL \(budget 60\)$/);
    expect(kv.get('cost (stored units)')).toMatch(/^\d+ units, [\d,]+ epochs, [\d,]+ samples, /);

    // Source b costs 0.08 by construction: attribution flags it harmful, inclusion says worse with it.
    const attribution = table(page, 'attribution');
    const b = attribution.rows.find((r) => r[0] === 'b')!;
    expect(b[3]).toEqual({ text: 'harmful', tone: 'bad' });
    const inclusion = table(page, 'sources');
    expect(inclusion.rows.find((r) => r[0] === 'b')![7]).toEqual({ text: 'worse with it', tone: 'bad' });
    // Per target too: two targets.
    expect(table(page, 'attribution', 1).rows.map((r) => r[0])).toContain('t2');

    // learning_rate matters most by construction (quadratic in log lr), then the subset.
    const importance = table(page, 'importance');
    expect(importance.rows.slice(0, 2).map((r) => r[0]).sort()).toEqual(['learning_rate', 'sources']);

    const rungs = table(page, 'rungs');
    expect(rungs.rows.map((r) => r[0])).toEqual(['1', '2', '3', '4', '5', '6']);
    expect(rungs.rows[1]![4]).toMatchObject({ tone: 'bad' });

    expect(table(page, 'failures').rows).toHaveLength(6);
    expect(table(page, 'leaderboard').rows).toHaveLength(20);
    expect(blocks(page, 'leaderboard').some((b) => b.kind === 'note' && /more COMPLETE trials/.test(b.text))).toBe(true);

    // The leaderboard marks b as the attribution flags it, in the same words as the CLI's leaderboards,
    // and the flags are those of `tasksieve sources` (its defaults, not a seed of the report's own).
    const shown = table(page, 'leaderboard').rows.map((r) => String(r[3]));
    for (const sources of shown) {
      const names = sources === 'target only' ? [] : sources.split(', ');
      for (const name of names) expect(name.endsWith('!')).toBe(name.replace(/!$/, '') === 'b');
    }
    expect(shown.some((text) => text.split(', ').includes('b!'))).toBe(true);
    expect(blocks(page, 'leaderboard').some((x) => x.kind === 'text' && x.text.startsWith('!: flagged harmful in Source attribution below (b)'))).toBe(true);
    const snapshot = data({ name: 'rich2', trials: 60, failEvery: 10, rungs: true });
    const cli = attributeSources(snapshot.trialTable as TrialTable).overall.effects.map((e) => [e.source, fmtSigned(e.effect), e.flag]);
    const shownFlags = table(buildPage(snapshot), 'attribution').rows.map((r) => [r[0], r[1], (r[3] as { text: string }).text]);
    expect(shownFlags).toEqual(cli);
  });

  it('says so instead of drawing when there is nothing to draw', () => {
    const page = buildPage(data(null, 'empty'));
    expect(chartIds(page)).toEqual([]);
    const notes = page.sections.map((s) => s.blocks.find((b) => b.kind === 'note'));
    expect(notes.filter(Boolean)).toHaveLength(page.sections.length - 1);
    expect(blocks(page, 'rungs')).toEqual([
      { kind: 'note', text: 'No intermediate values are stored for this study: it ran without a scheduler, or no trial has reported one yet.' },
    ]);
    expect(blocks(page, 'importance')[0]).toEqual({ kind: 'note', text: 'No importance: needs at least 5 finished trials with a value (has 0).' });
  });

  it('shows a running study as running, with its wall time so far', () => {
    const page = buildPage(data({ name: 'live', trials: 8, leaveRunning: true }));
    const kv = new Map((blocks(page, 'summary')[0] as Extract<Block, { kind: 'kv' }>).rows);
    expect(kv.get('trials')).toBe('7 COMPLETE, 1 RUNNING (budget 8)');
    expect(kv.get('wall time')).toContain('so far (the study is still running)');
  });
});

describe('source inclusion statistics', () => {
  it('Welch interval matches a hand computation', () => {
    const a = [1, 2, 3, 4];
    const b = [2, 4, 6, 8, 10];
    // means 2.5 and 6; variances 5/3 and 10; se^2 = 5/12 + 2; df = (29/12)^2 / ((5/12)^2/3 + 4/4)
    const se = Math.sqrt(5 / 12 + 2);
    const df = (29 / 12) ** 2 / ((5 / 12) ** 2 / 3 + 4 / 4);
    expect(df).toBeGreaterThan(5);
    expect(df).toBeLessThan(6);
    const [lo, hi] = welchInterval(a, b)!;
    expect(lo).toBeCloseTo(-3.5 - 2.571 * se, 9);
    expect(hi).toBeCloseTo(-3.5 + 2.571 * se, 9);
    expect(welchInterval([1], b)).toBeNull();
    expect(welchInterval([1, 1], [2, 2])).toBeNull();
  });

  it('t quantiles: table values, then the expansion close to the exact ones', () => {
    expect(tQuantile975(1)).toBe(12.706);
    expect(tQuantile975(10.7)).toBe(2.228);
    expect(tQuantile975(40)).toBeCloseTo(2.0211, 3);
    expect(tQuantile975(120)).toBeCloseTo(1.9799, 3);
  });

  it('flags a source by the direction: worse with it when maximising is better with it when minimising', () => {
    const trials = Array.from({ length: 20 }, (_, i) => ({ number: i, sources: i % 2 === 0 ? ['x'] : [], value: (i % 2 === 0 ? 0.5 : 0.8) + (i % 4) * 0.01 }));
    const [max] = sourceInclusion(trials, ['x'], 'maximize');
    expect(max).toMatchObject({ worse: true, better: false, with: { n: 10 }, without: { n: 10 } });
    expect(max!.difference).toBeCloseTo(-0.31, 9);
    const [min] = sourceInclusion(trials, ['x'], 'minimize');
    expect(min).toMatchObject({ worse: false, better: true });
  });
});
