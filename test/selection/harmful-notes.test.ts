// The leaderboard's marks on harmful sources: the same flags as `tasksieve sources`, on a trial table
// whose effects are known (one source hurts by construction, one helps, one does nothing).
import { describe, expect, test } from 'vitest';
import { harmfulNotes } from '../../src/selection/harmful-notes.js';
import { attributeSources, harmfulSources } from '../../src/selection/attribution.js';
import { allSubsets, table } from '../selection/tables.js';

describe('harmful source notes', () => {
  const sources = ['good', 'bad', 'idle'];
  const known = table({ sources, effects: { good: 0.08, bad: -0.12, idle: 0 }, subsets: allSubsets(sources), noise: 0.01 });

  test('marks exactly the sources the attribution flags harmful, wherever a subset is shown', () => {
    const harmful = harmfulSources(known);
    expect(harmful.map((e) => e.source)).toEqual(['bad']);
    const flagged = attributeSources(known).overall.effects.filter((e) => e.flag === 'harmful');
    expect(harmful).toEqual(flagged);
    const notes = harmfulNotes(known);
    expect(notes.subsetText(['good', 'bad'])).toBe('good,bad!');
    expect(notes.subsetText(['good', 'idle'])).toBe('good,idle');
    expect(notes.subsetText([])).toBe('(target only)');
    expect(notes.footer).toHaveLength(1);
    expect(notes.footer[0]).toMatch(/^! harmful \(tasksieve sources\): .* bad -0\.1\d* \[-0\.\d+, -0\.\d+\]/);
    expect(notes.json).toEqual({ harmful_sources: [{ source: 'bad', effect: harmful[0]!.effect, interval: harmful[0]!.interval }] });
  });

  test('says nothing when no source is harmful, or when every trial used the same subset', () => {
    const fine = table({ sources, effects: { good: 0.08, bad: 0.02, idle: 0 }, subsets: allSubsets(sources), noise: 0.01 });
    expect(harmfulNotes(fine).footer).toEqual([]);
    expect(harmfulNotes(fine).subsetText(['bad'])).toBe('bad');
    const one = table({ sources, effects: { good: 0.08, bad: -0.12, idle: 0 }, subsets: [['good', 'bad']], noise: 0.01 });
    expect(harmfulSources(one)).toEqual([]);
  });

  test('names the harmful effects, takes an attribution already computed, and joins as the caller asks (the report)', () => {
    const attribution = attributeSources(known);
    const notes = harmfulNotes(known, attribution);
    expect(notes.harmful).toEqual(harmfulSources(known, attribution));
    expect(notes.harmful.map((e) => e.source)).toEqual(['bad']);
    expect(notes.subsetText(['good', 'bad'], ', ')).toBe('good, bad!');
    expect(notes.subsetText([], ', ')).toBe('(target only)');
  });
});
