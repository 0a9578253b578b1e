// The domains of one CSV (one `where` each, as `tasksieve init` writes them) read in one pass:
// preloadCsvDatasets gives every dataset exactly what loadCsv gives it alone, from one parse.
import { expect, it } from 'vitest';
import { csvParsesForTests, loadCsv, preloadCsvDatasets } from '../../src/data/csv.js';
import type { CsvDatasetSpec, RowCondition } from '../../src/spec/tasks.js';
import type { Dataset } from '../../src/data/types.js';
import { csvFixtures, eachChunkSize } from './helpers.js';

const fixture = csvFixtures('parts');

/** 120 rows: a site (text, one "Zürich" row a line the fast path leaves to the text path), a date, a job (categorical), x, y (holes), label. */
function domainsFile(): string {
  const lines = ['site,date,job,x,y,label'];
  for (let r = 0; r < 120; r++) {
    const site = r === 7 ? 'Zürich' : ['north', 'south', 'east'][r % 3];
    const date = `${2014 + (r % 4)}-${String(1 + (r % 12)).padStart(2, '0')}-01`;
    const y = r % 11 === 5 ? 'NA' : ((r * 53) % 100) / 10;
    // The last site's rows have a class of their own, so the parts' class sets differ.
    const label = site === 'east' && r % 2 === 0 ? 'rare' : (r * 37) % 100 > 50 ? 'high' : 'low';
    lines.push(`${site},${date},${['nurse', 'clerk'][r % 2]},${((r * 37) % 100) / 10},${y},${label}`);
  }
  return lines.join('\n');
}

const same = (a: Dataset, b: Dataset) => {
  expect(Array.from(a.features)).toEqual(Array.from(b.features));
  expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
  const { features: _f, labels: _l, ...restA } = a;
  const { features: _g, labels: _m, ...restB } = b;
  expect(restA).toEqual(restB);
  expect(a.features.buffer).toBeInstanceOf(SharedArrayBuffer);
};

eachChunkSize(() => {

  it('gives each domain of one file what loadCsv gives it alone, from one parse', () => {
    const path = fixture(domainsFile());
    const wheres: RowCondition[][] = [
      [{ kind: 'in', column: 'site', values: ['north', 'Zürich'] }],
      [{ kind: 'in', column: 'site', values: ['east'] }],
      [{ kind: 'range', column: 'date', min: '2015', max: '2016' }],
      [{ kind: 'range', column: 'x', min: 2, max: 7 }],
      [{ kind: 'quantile', column: 'x', low: 0.5, high: 1 }],
      [{ kind: 'quantile', column: 'y', low: 0, high: 0.5 }, { kind: 'in', column: 'site', values: ['south', 'east'] }],
    ];
    const common = { kind: 'csv', path, label: 'label', drop: ['site', 'date'], missing: 'impute', categorical: [{ column: 'job' }] } as const;
    const specs: CsvDatasetSpec[] = wheres.map((where) => ({ ...common, where }));
    // Alone first (each its own parse), then as parts of one file; the cache is keyed by the spec,
    // so an edited file (a new version) is parsed again by both.
    const alone = specs.map((spec) => loadCsv(spec.path, spec.label, spec));
    const edited = fixture(`${domainsFile()}\n`);
    const parts = specs.map((spec) => ({ ...spec, path: edited }));
    const before = csvParsesForTests();
    preloadCsvDatasets(parts);
    expect(csvParsesForTests() - before).toBe(1);
    const together = parts.map((spec) => loadCsv(spec.path, spec.label, spec));
    expect(csvParsesForTests() - before).toBe(1);
    together.forEach((ds, k) => same(ds, alone[k]!));
    // The parts' classes are their own: east has "rare", north does not.
    expect(together[0]!.classNames).toEqual(['high', 'low']);
    expect(together[1]!.classNames).toEqual(['high', 'low', 'rare']);
    // Cached parts are not parsed again.
    preloadCsvDatasets(parts);
    expect(csvParsesForTests() - before).toBe(1);
  });

  it('leaves a group whose parse fails to loadCsv, which words the problem for its own dataset', () => {
    const path = fixture(domainsFile());
    const ok: CsvDatasetSpec = { kind: 'csv', path, label: 'label', drop: ['site', 'date', 'job'], missing: 'drop', where: [{ kind: 'in', column: 'site', values: ['north'] }] };
    const none: CsvDatasetSpec = { ...ok, where: [{ kind: 'in', column: 'site', values: ['west'] }] };
    const before = csvParsesForTests();
    preloadCsvDatasets([ok, none]);
    expect(csvParsesForTests() - before).toBe(1);
    expect(loadCsv(ok.path, ok.label, ok).rows).toBeGreaterThan(0);
    expect(() => loadCsv(none.path, none.label, none)).toThrow(`${path}: where: no row has "site" in ["west"]`);
  });
});
