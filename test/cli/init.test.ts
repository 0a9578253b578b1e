// `tasksieve init`: a study file written from a CSV of several domains loads and runs as it is; a
// numeric domain column is binned by quantiles; bad input is one line, exit 2, and writes nothing.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadStudyFile } from '../../src/config/index.js';
import { cli, tempDir, writeStudy } from '../helpers/cli.js';

let dir: string;

/** Three clinics of different sizes, an id in text, a feature with holes; the label follows x1 + x2. */
function clinicsCsv(): string {
  let s = 3;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const lines = ['patient,clinic,x1,x2,age,outcome'];
  for (let r = 0; r < 240; r++) {
    const clinic = r % 6 === 0 ? 'St. Mary' : r % 2 === 0 ? 'north' : 'south';
    const [x1, x2] = [rand() * 2, rand() * 2];
    const age = 30 + ((r * 37) % 50);
    lines.push(`p${r},${clinic},${x1.toFixed(3)},${r % 9 === 0 ? '?' : x2.toFixed(3)},${age},${x1 + x2 > 0 ? 'sick' : 'well'}`);
  }
  return `${lines.join('\n')}\n`;
}

beforeAll(() => {
  dir = tempDir('tasksieve-init-');
  writeFileSync(join(dir, 'clinics.csv'), clinicsCsv());
});

describe('tasksieve init', () => {
  it('writes a study with a dataset per clinic that loads, and runs', () => {
    const out = cli(['init', 'clinics.csv', '--label', 'outcome', '--domain', 'clinic'], dir);
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('wrote clinics.yaml: 3 domains (St.-Mary 40, north 80, south 120), target St.-Mary');
    expect(out.stdout).toContain('not features (text, or the domain column): patient, clinic');
    expect(out.stdout).toContain('missing: impute');
    const study = loadStudyFile(join(dir, 'clinics.yaml'));
    expect(study.targets.map((t) => t.name)).toEqual(['St.-Mary']);
    expect(study.sources.map((t) => t.name)).toEqual(['north', 'south']);
    expect(study.targets[0]).toMatchObject({ labelled: 8, dataset: { drop: ['patient', 'clinic'], missing: 'impute', where: [{ kind: 'in', column: 'clinic', values: ['St. Mary'] }] } });
    const run = cli(['run', 'clinics.yaml', '--db', 'clinics.db', '--trials', '3', '--quiet'], dir);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(cli(['leaderboard', 'clinics.yaml', '--db', 'clinics.db', '--json'], dir).status).toBe(0);
  });

  it('bins a numeric column with many values by quantiles, and takes the target asked for', () => {
    const out = cli(['init', 'clinics.csv', '--label', 'outcome', '--domain', 'age', '--bins', '3', '--target', 'q3', '-o', 'by-age.yaml'], dir);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^wrote by-age\.yaml: 3 domains \(q1 \d+, q2 \d+, q3 \d+\), target q3\n/);
    const study = loadStudyFile(join(dir, 'by-age.yaml'));
    expect(study.targets[0]!.dataset).toMatchObject({ where: [{ kind: 'quantile', column: 'age', low: 0.666667, high: 1 }] });
    // Binned, the column stays a feature; the clinic (3 values) is encoded one-hot; the patient id is dropped.
    expect(study.targets[0]!.dataset).toMatchObject({ drop: ['patient'], categorical: [{ column: 'clinic' }] });
    expect(out.stdout).toContain('one-hot encoded (text of a few values): clinic');
  });

  it('makes a domain of each CSV of a folder, and refuses files whose columns differ', () => {
    const folder = join(dir, 'hospitals');
    mkdirSync(folder);
    const [header, ...rows] = clinicsCsv().trim().split('\n');
    const body = (from: number, to: number) => `${header}\n${rows.slice(from, to).join('\n')}\n`;
    writeFileSync(join(folder, 'hospital-a.csv'), body(0, 100));
    writeFileSync(join(folder, 'hospital-b.csv'), body(100, 180));
    writeFileSync(join(folder, 'hospital-c.csv.gz'), gzipSync(body(180, 240)));
    writeFileSync(join(folder, 'notes.txt'), 'not a CSV');
    const out = cli(['init', 'hospitals', '--label', 'outcome', '-o', 'hospitals.yaml'], dir);
    expect(out.stderr).toBe('');
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('wrote hospitals.yaml: 3 domains (hospital-a 100, hospital-b 80, hospital-c 60), target hospital-c');
    const study = loadStudyFile(join(dir, 'hospitals.yaml'));
    expect(study.sources.map((t) => t.name)).toEqual(['hospital-a', 'hospital-b']);
    // The clinic's values over every file are listed, so that each file encodes it alike.
    expect(study.targets[0]!.dataset).toMatchObject({ path: join(folder, 'hospital-c.csv.gz'), drop: ['patient'], categorical: [{ column: 'clinic', values: ['St. Mary', 'north', 'south'] }], missing: 'impute' });
    expect(study.targets[0]!.dataset).not.toHaveProperty('where');
    expect(cli(['run', 'hospitals.yaml', '--db', 'hospitals.db', '--trials', '2', '--quiet'], dir).status).toBe(0);
    // Features are read by position: a file with its columns in another order is refused, naming it.
    const swapped = body(0, 50).trim().split('\n').map((line) => line.split(',')).map((f) => [f[0], f[1], f[3], f[2], ...f.slice(4)].join(',')).join('\n');
    writeFileSync(join(folder, 'hospital-d.csv'), swapped);
    const refused = cli(['init', 'hospitals', '--label', 'outcome', '-o', 'refused.yaml'], dir);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/^tasksieve init: hospitals\/hospital-d\.csv: its columns \(patient, clinic, x2, x1, age, outcome\) are not hospitals\/hospital-a\.csv's \(patient, clinic, x1, x2, age, outcome\), in the same order\n$/);
    expect(existsSync(join(dir, 'refused.yaml'))).toBe(false);
    expect(cli(['init', 'hospitals', '--label', 'outcome', '--domain', 'clinic', '-o', 'refused.yaml'], dir).stderr).toMatch(/--domain: not with a folder/);
  });

  it('reads a European file (";" between fields, decimal commas) as such, and its model predicts it', () => {
    writeFileSync(join(dir, 'semi.csv'), clinicsCsv().replaceAll(',', ';').replace(/(\d)\.(\d)/g, '$1,$2'));
    const out = cli(['init', 'semi.csv', '--label', 'outcome', '--domain', 'clinic'], dir);
    expect(out.status).toBe(0);
    expect(readFileSync(join(dir, 'semi.yaml'), 'utf8')).toContain('delimiter: ";", decimal: ","');
    expect(loadStudyFile(join(dir, 'semi.yaml')).targets[0]!.dataset).toMatchObject({ delimiter: ';', decimal: ',' });
    // A decimal comma between comma-separated fields is refused at its key.
    writeStudy(dir, readFileSync(join(dir, 'semi.yaml'), 'utf8').replaceAll('delimiter: ";", ', ''), 'ambiguous.yaml');
    const ambiguous = cli(['run', 'ambiguous.yaml', '--db', 'ambiguous.db'], dir);
    expect(ambiguous.status).toBe(2);
    expect(ambiguous.stderr).toMatch(/^tasksieve run: ambiguous\.yaml:\d+:\d+: datasets\["St\.-Mary"\]\.decimal: a decimal comma needs another delimiter/);
    expect(cli(['run', 'semi.yaml', '--db', 'semi.db', '--trials', '2', '--quiet'], dir).status).toBe(0);
    expect(cli(['model', 'semi', '--db', 'semi.db', '--trial', 'best', '-o', 'semi-model'], dir).status).toBe(0);
    const predicted = cli(['predict', 'semi-model', 'semi.csv', '--label', 'outcome', '--json'], dir);
    expect(predicted.stderr).toBe('');
    expect(predicted.status).toBe(0);
    expect(JSON.parse(predicted.stdout).predictions).toHaveLength(240);
    // The same rows as a plain comma file: --delimiter and --decimal say so, and the predictions agree.
    writeFileSync(join(dir, 'plain.csv'), clinicsCsv());
    const plain = cli(['predict', 'semi-model', 'plain.csv', '--label', 'outcome', '--json', '--delimiter', ',', '--decimal', '.'], dir);
    expect(plain.status).toBe(0);
    expect(JSON.parse(plain.stdout).predictions).toEqual(JSON.parse(predicted.stdout).predictions);
    // Without them the comma file's header is one column to a ';' reader, and the error says what it looks like.
    const misread = cli(['predict', 'semi-model', 'plain.csv', '--label', 'outcome'], dir);
    expect(misread.status).toBe(2);
    expect(misread.stderr).toMatch(/^tasksieve predict: plain\.csv: label column "outcome" not found \(columns: .*\) \(its header reads as one column: is the file delimited by ","\?\)\n$/);
    const both = cli(['predict', 'semi-model', 'plain.csv', '--delimiter', ',', '--decimal', ','], dir);
    expect(both.status).toBe(2);
    expect(both.stderr).toBe('tasksieve predict: --decimal: a decimal comma needs another delimiter than the comma (--delimiter ";", tab or "|")\n');
  });

  it('warns of a column that alone separates the classes (a label made from it), keeping it a feature', () => {
    const lines = ['site,score,x,grade'];
    for (let r = 0; r < 60; r++) lines.push(`${r % 2 === 0 ? 'a' : 'b'},${(r * 7) % 60},${(r * 13) % 17},${(r * 7) % 60 >= 30 ? 'high' : 'low'}`);
    writeFileSync(join(dir, 'graded.csv'), `${lines.join('\n')}\n`);
    const out = cli(['init', 'graded.csv', '--label', 'grade', '--domain', 'site', '-o', 'graded.yaml'], dir);
    expect(out.status).toBe(0);
    expect(out.stderr).toBe(
      'tasksieve init: warning: column "score" alone separates the classes of "grade" (each class in values of its own): if the label was made from it, add it to drop\n',
    );
    const text = readFileSync(join(dir, 'graded.yaml'), 'utf8');
    expect(text).toContain('# score alone separates the classes (each class in values of its own): if the label was made from it, add it to drop.');
    expect(loadStudyFile(join(dir, 'graded.yaml')).targets[0]!.dataset).toMatchObject({ drop: ['site'] });
    // A text column of few values, each seen with one class only, is named too (it is encoded one-hot).
    const coded = ['site,band,x,grade', ...lines.slice(1).map((line) => line.replace(/^(\w),(\d+),/, (_, site, score) => `${site},${Number(score) >= 30 ? (Number(score) % 2 ? 'A' : 'B') : Number(score) % 2 ? 'C' : 'D'},`))];
    writeFileSync(join(dir, 'coded.csv'), `${coded.join('\n')}\n`);
    const banded = cli(['init', 'coded.csv', '--label', 'grade', '--domain', 'site', '-o', 'coded.yaml'], dir);
    expect(banded.status).toBe(0);
    expect(banded.stderr).toBe('tasksieve init: warning: column "band" alone separates the classes of "grade" (each class in values of its own): if the label was made from it, add it to drop\n');
    expect(loadStudyFile(join(dir, 'coded.yaml')).targets[0]!.dataset).toMatchObject({ categorical: [{ column: 'band' }] });
  });

  it('leaves out a domain of one class, saying so, and refuses it as the target', () => {
    const lines = ['site,x1,x2,label'];
    for (let r = 0; r < 90; r++) lines.push(`${['a', 'b', 'c'][r % 3]},${((r * 37) % 100) / 100},${((r * 53) % 100) / 100},${r % 3 === 2 || r % 2 === 0 ? 'ok' : 'bad'}`);
    writeFileSync(join(dir, 'one-class.csv'), `${lines.join('\n')}\n`);
    const out = cli(['init', 'one-class.csv', '--label', 'label', '--domain', 'site', '-o', 'one-class.yaml'], dir);
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('left out, one class only: c (ok)');
    const study = loadStudyFile(join(dir, 'one-class.yaml'));
    expect([...study.sources, ...study.targets].map((t) => t.name).sort()).toEqual(['a', 'b']);
    const refused = cli(['init', 'one-class.csv', '--label', 'label', '--domain', 'site', '--target', 'c', '-o', 'bad.yaml'], dir);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe('tasksieve init: --target: domain "c" holds one class only ("ok"): a target needs two\n');
  });

  it('makes a domain per year of a date column, the newest the target; classes a year lacks keep their names', () => {
    // Three years of daily rows, written year first; 2015 has no "snow" (its rows are rain or sun).
    const lines = ['date,x1,x2,weather'];
    for (let r = 0; r < 270; r++) {
      const year = 2013 + Math.floor(r / 90);
      const day = `${year}-${String(1 + (Math.floor(r / 30) % 3)).padStart(2, '0')}-${String(1 + (r % 28)).padStart(2, '0')}`;
      const [x1, x2] = [((r * 37) % 100) / 100, ((r * 53) % 100) / 100];
      const weather = year < 2015 && r % 5 === 0 ? 'snow' : x1 > x2 ? 'rain' : 'sun';
      lines.push(`${day},${x1},${x2},${weather}`);
    }
    writeFileSync(join(dir, 'weather.csv'), `${lines.join('\n')}\n`);
    const out = cli(['init', 'weather.csv', '--label', 'weather', '--domain', 'date', '-o', 'weather.yaml'], dir);
    expect(out.stderr).toBe('');
    expect(out.stdout).toContain('wrote weather.yaml: 3 domains (2013 90, 2014 90, 2015 90), target 2015\n');
    expect(out.stdout).toContain('not features (text, or the domain column): date');
    const text = readFileSync(join(dir, 'weather.yaml'), 'utf8');
    expect(text).toContain('# Target: 2015 (90 rows, the newest year)');
    const study = loadStudyFile(join(dir, 'weather.yaml'));
    expect(study.sources.map((t) => t.name)).toEqual(['2013', '2014']);
    expect(study.targets[0]!.dataset).toMatchObject({ drop: ['date'], where: [{ kind: 'range', column: 'date', min: '2015', max: '2016' }] });
    // Every trial transfers from both years with snow: the model's third class is named, not numbered.
    writeFileSync(join(dir, 'weather.yaml'), text.replace('sources: { type: subset }', 'sources: { type: subset, min: 2 }'));
    expect(cli(['run', 'weather.yaml', '--db', 'weather.db', '--trials', '2', '--quiet'], dir).status).toBe(0);
    const model = cli(['model', 'weather.yaml', '--db', 'weather.db', '--trial', 'best', '-o', 'weather-model'], dir);
    expect(model.status).toBe(0);
    // The study's metric, on validation and on the held-out test rows.
    expect(model.stdout).toMatch(/, validation macro_f1 [\d.]+, test macro_f1 [\d.]+ \(wasm\)\n$/);
    const meta = JSON.parse(readFileSync(join(dir, 'weather-model', 'tasksieve-model.json'), 'utf8')) as { classNames: string[] };
    expect(meta.classNames).toEqual(['rain', 'sun', 'snow']);
    // A file that ends a few days into a year: the newest full year is the target, the few days a source.
    writeFileSync(join(dir, 'partial.csv'), `${[...lines, '2016-01-01,0.5,0.2,rain', '2016-01-02,0.1,0.7,sun', '2016-01-03,0.9,0.4,rain'].join('\n')}\n`);
    const partial = cli(['init', 'partial.csv', '--label', 'weather', '--domain', 'date', '-o', 'partial.yaml'], dir);
    expect(partial.stdout).toContain('wrote partial.yaml: 4 domains (2013 90, 2014 90, 2015 90, 2016 3), target 2015\n');
    expect(readFileSync(join(dir, 'partial.yaml'), 'utf8')).toContain('# Target: 2015 (90 rows, the newest year of 60 rows or more)');
    // Dates of a single year are no years to split by; the message says why.
    writeFileSync(join(dir, 'one-year.csv'), `${['date,x,label', ...Array.from({ length: 80 }, (_, i) => `2020-01-${String(1 + (i % 28)).padStart(2, '0')}T0${i % 10}:00,${i},${i % 2 ? 'a' : 'b'}`)].join('\n')}\n`);
    const refused = cli(['init', 'one-year.csv', '--label', 'label', '--domain', 'date', '-o', 'one-year.yaml'], dir);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe('tasksieve init: --domain: column "date" holds more than 50 distinct texts: not a column of domains (its dates are all of 2020: a domain per year needs two years)\n');
    expect(existsSync(join(dir, 'one-year.yaml'))).toBe(false);
  });

  it('makes the smallest domain that can be a target the target: a clinic of 5 patients stays a source', () => {
    const lines = ['clinic,x1,x2,outcome'];
    for (let r = 0; r < 125; r++) lines.push(`${r < 5 ? 'tiny' : r % 2 ? 'big' : 'mid'},${((r * 37) % 100) / 100},${((r * 53) % 100) / 100},${r % 3 ? 'well' : 'sick'}`);
    writeFileSync(join(dir, 'tiny.csv'), `${lines.join('\n')}\n`);
    const out = cli(['init', 'tiny.csv', '--label', 'outcome', '--domain', 'clinic', '-o', 'tiny.yaml'], dir);
    expect(out.stderr).toBe('');
    expect(out.stdout).toContain('wrote tiny.yaml: 3 domains (big 60, mid 60, tiny 5), target mid\n');
    expect(readFileSync(join(dir, 'tiny.yaml'), 'utf8')).toContain('# Target: mid (60 rows, the smallest domain that can be a target)');
  });

  it('makes macro-F1 the objective when the smallest class is under a fifth of the rows', () => {
    const lines = ['site,x1,x2,label'];
    for (let r = 0; r < 300; r++) lines.push(`${r % 3 ? 'a' : 'b'},${((r * 37) % 100) / 100},${((r * 53) % 100) / 100},${r % 13 === 0 ? 'fraud' : 'ok'}`);
    writeFileSync(join(dir, 'imbalanced.csv'), `${lines.join('\n')}\n`);
    const out = cli(['init', 'imbalanced.csv', '--label', 'label', '--domain', 'site', '-o', 'imbalanced.yaml'], dir);
    expect(out.status).toBe(0);
    expect(out.stdout).toContain('objective: macro-F1 (the smallest class, "fraud", is 8.0% of the rows)');
    expect(loadStudyFile(join(dir, 'imbalanced.yaml')).objective).toMatchObject({ metric: 'macro_f1' });
    // The clinics' classes are balanced: accuracy stays the objective.
    expect(loadStudyFile(join(dir, 'clinics.yaml')).objective).toMatchObject({ metric: 'accuracy' });
  });

  it('refuses bad input in one line, exit 2, writing nothing', () => {
    const cases: [string[], RegExp][] = [
      [['--domain', 'site'], /^tasksieve init: --domain: column "site" not found \(columns: patient, clinic, x1, x2, age, outcome\)\n$/],
      [['--domain', 'patient'], /^tasksieve init: --domain: column "patient" holds more than 50 distinct texts: not a column of domains\n$/],
      [['--domain', 'clinic', '--target', 'west'], /^tasksieve init: --target: no domain "west" \(domains: St\.-Mary, north, south\)\n$/],
      [['--domain', 'outcome'], /^tasksieve init: --domain: the label column cannot also be the domain column\n$/],
    ];
    for (const [args, message] of cases) {
      const out = cli(['init', 'clinics.csv', '--label', 'outcome', ...args, '-o', 'bad.yaml'], dir);
      expect(out.status).toBe(2);
      expect(out.stderr).toMatch(message);
      expect(existsSync(join(dir, 'bad.yaml'))).toBe(false);
    }
    // A problem of the study init would write does not point into that (unwritten) file.
    writeFileSync(join(dir, 'trailing.csv'), 'site,x,label,\na,1,p,\na,2,q,\nb,3,p,\nb,4,q,\n');
    const trailing = cli(['init', 'trailing.csv', '--label', 'label', '--domain', 'site', '-o', 'bad.yaml'], dir);
    expect(trailing.status).toBe(2);
    expect(trailing.stderr).toBe(
      'tasksieve init: the study it would write is refused (nothing written): datasets.a.csv: trailing.csv: header column 4 has no name (a delimiter at the end of every line? remove it, or name the column)\n',
    );
    expect(existsSync(join(dir, 'bad.yaml'))).toBe(false);
    // A label of many numbers is a regression target: refused, saying so.
    const numeric = cli(['init', 'clinics.csv', '--label', 'x1', '--domain', 'clinic', '-o', 'bad.yaml'], dir);
    expect(numeric.status).toBe(2);
    expect(numeric.stderr).toBe(
      'tasksieve init: --label: column "x1" has more than 50 distinct values: tasksieve learns classes, and this looks like a number to predict (regression is not supported); make a column of a few classes first (e.g. above and below the median)\n',
    );
    expect(existsSync(join(dir, 'bad.yaml'))).toBe(false);
    // An existing file is kept unless --force.
    const before = readFileSync(join(dir, 'clinics.yaml'), 'utf8');
    const again = cli(['init', 'clinics.csv', '--label', 'outcome', '--domain', 'age'], dir);
    expect(again.status).toBe(2);
    expect(again.stderr).toBe('tasksieve init: clinics.yaml: exists (--force replaces it)\n');
    expect(readFileSync(join(dir, 'clinics.yaml'), 'utf8')).toBe(before);
    expect(cli(['init', 'clinics.csv', '--label', 'outcome', '--domain', 'age', '--force'], dir).status).toBe(0);
    expect(readFileSync(join(dir, 'clinics.yaml'), 'utf8')).not.toBe(before);
  });
});
