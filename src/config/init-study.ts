// A first study file for a CSV whose rows come from several domains (`tasksieve init`): one dataset
// per value of the domain column (per quantile bin of a numeric one, per year of a date column)
// through `where`, or one per file of a folder; text columns of a few values one-hot encoded, other
// text columns (names, ids) dropped, missing values imputed inside the unit, the smallest domain
// (the newest year) the target and the others its candidate sources. Pure: the caller profiles the files and
// checks the text as a study.
// Main thread. Must not import tfjs, the worker or the store.
import { StudyConfigError } from '../errors.js';
import { MAX_DISTINCT, type ClassRange, type ColumnProfile, type CsvProfile } from '../data/csv-profile.js';
import { categoryOf, orderedCategories } from '../data/categories.js';
import type { CsvDelimiter } from '../spec/tasks.js';
import { fmtPercent } from '../util/format.js';
import { nextYear } from '../data/dates.js';

export interface InitOptions {
  /** The CSV's path as the study file will name it (relative to the study file's folder). */
  readonly csv: string;
  readonly label: string;
  readonly domain: string;
  /** The target domain: a value of the domain column, or a dataset name (q1..); default the smallest (the newest year). */
  readonly target?: string;
  /** Quantile bins of a numeric domain column with many values. */
  readonly bins: number;
  readonly name: string;
}

export interface InitDomain {
  readonly name: string;
  /** The domain column's value (as written) for a domain by value, the file's name for a file; null for a quantile bin. */
  readonly value: string | null;
  readonly rows: number;
  /** Its CSV, as the study file names it. */
  readonly csv: string;
  /** Its CSV's field delimiter, and how it writes decimals. */
  readonly delimiter: ',' | CsvDelimiter;
  readonly decimal: '.' | ',';
  /** The `where` condition, as YAML; null: every row of its file. */
  readonly where: string | null;
}

export interface InitPlan {
  readonly text: string;
  readonly domains: readonly InitDomain[];
  readonly target: string;
  readonly dropped: readonly string[];
  /** Text columns encoded one-hot: their values listed (a folder's files must agree), or null: the whole file's. */
  readonly categorical: readonly InitCategorical[];
  /**
   * Feature columns that alone decide the label (a label made from the column, say): a numeric one
   * whose classes each take values in a range of their own, or a one-hot encoded one each of whose
   * values is seen with one class only. Kept as features: the user is told, and decides.
   */
  readonly decisive: readonly string[];
  readonly missing: 'impute' | 'drop' | null;
  /** Domains left out because their rows hold one class only (a dataset needs two), with that class. */
  readonly skipped: readonly { readonly name: string; readonly value: string | null; readonly label: string }[];
  /** The smallest class's share of the labelled rows when under IMBALANCED_SHARE (the objective is then macro-F1); null: balanced enough for accuracy. */
  readonly smallestClass: { readonly name: string; readonly share: number } | null;
}

export interface InitCategorical {
  readonly name: string;
  readonly values: readonly string[] | null;
}

/** A numeric column with at most this many values is a set of domains by value; with more, it is binned. */
const MAX_VALUE_DOMAINS = 12;
/** The target's labelled rows: a fifth of its rows, between two per class and this many. */
const MAX_LABELLED = 30;
/** Targets with at least this many rows hold a quarter of them out as test rows. */
const TEST_FROM_ROWS = 60;
/** A text column is one-hot encoded when it has at most this many values (all the profile keeps; UCI Adult's native-country has 41)... */
const MAX_CATEGORIES = MAX_DISTINCT;
/** ...and at least this many rows per value on average (else it is a name or an id, and dropped). */
const ROWS_PER_CATEGORY = 5;

/** A text column of few values, each in several rows: a category (a job, a region), not a name. */
function isCategorical(column: ColumnProfile, rows: number): boolean {
  return !column.numeric && column.values !== null && column.values.size <= MAX_CATEGORIES && column.values.size * ROWS_PER_CATEGORY <= rows - column.missing;
}

/** A plain YAML scalar where it reads back as the same string, else a double-quoted one (JSON's quoting is YAML's). */
const yaml = (value: string | number) =>
  typeof value === 'number' ? String(value) : /^[A-Za-z_][A-Za-z0-9_.\/-]*$/.test(value) && !YAML_WORDS.test(value) ? value : JSON.stringify(value);
/** Plain words YAML reads as something other than a string. */
const YAML_WORDS = /^(?:true|false|null|yes|no|on|off|y|n)$/i;

export function planStudy(profile: CsvProfile, options: InitOptions): InitPlan {
  const column = (option: string, name: string): ColumnProfile => {
    const found = profile.columns.find((c) => c.name === name);
    if (found === undefined) throw new StudyConfigError(`--${option}: column ${JSON.stringify(name)} not found (columns: ${profile.columns.map((c) => c.name).join(', ')})`);
    return found;
  };
  const label = column('label', options.label);
  const domain = column('domain', options.domain);
  if (label === domain) throw new StudyConfigError('--domain: the label column cannot also be the domain column');
  const classes = classCount(label);

  // Dates written year first over two years or more: a domain per year (the newest the target).
  const byYear = !domain.numeric && domain.years !== null && domain.years.size >= 2;
  const byValue = !byYear && domain.values !== null && (!domain.numeric || domain.values.size <= MAX_VALUE_DOMAINS);
  let domains: InitDomain[];
  if (byYear) {
    const years = [...domain.years!.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    domains = years.map(([year, { rows }]) => ({ name: year, value: year, rows, csv: options.csv, delimiter: profile.delimiter, decimal: profile.decimal, where: `{ ${yaml(domain.name)}: { min: ${JSON.stringify(year)}, max: ${JSON.stringify(nextYear(year))} } }` }));
  } else if (byValue) {
    const values = [...domain.values!.entries()].sort(([a], [b]) => (domain.numeric ? Number(a) - Number(b) : a < b ? -1 : a > b ? 1 : 0));
    const names = uniqueNames(values.map(([v]) => v));
    domains = values.map(([value, rows], i) => ({ name: names[i]!, value, rows, csv: options.csv, delimiter: profile.delimiter, decimal: profile.decimal, where: `{ ${yaml(domain.name)}: ${yaml(domain.numeric ? Number(value) : value)} }` }));
  } else if (domain.numeric) {
    const sorted = Float64Array.from(domain.numbers).sort();
    const at = (q: number) => (q <= 0 ? -Infinity : q >= 1 ? Infinity : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!);
    domains = Array.from({ length: options.bins }, (_, k) => {
      const [low, high] = [k / options.bins, (k + 1) / options.bins];
      const rows = domain.numbers.filter((v) => v >= at(low) && v < at(high)).length;
      return { name: `q${k + 1}`, value: null, rows, csv: options.csv, delimiter: profile.delimiter, decimal: profile.decimal, where: `{ ${yaml(domain.name)}: { quantile: [${round(low)}, ${round(high)}] } }` };
    });
  } else {
    const oneYear = domain.years !== null ? ` (its dates are all of ${[...domain.years.keys()][0]}: a domain per year needs two years)` : '';
    throw new StudyConfigError(`--domain: column ${JSON.stringify(domain.name)} holds more than ${MAX_DISTINCT} distinct texts: not a column of domains${oneYear}`);
  }
  domains = domains.filter((d) => d.rows > 0);
  // A domain of one class cannot be a dataset (its label needs two): left out, and said.
  const skipped = byYear
    ? singleClassDomains(domains, (d) => domain.years!.get(d.value!)?.classes)
    : byValue
      ? singleClassDomains(domains, (d) => domain.classesByValue?.get(d.value!))
      : [];
  domains = domains.filter((d) => !skipped.some((s) => s.name === d.name));
  refuseSkippedTarget(skipped, options.target);
  if (domains.length < 2) throw new StudyConfigError(`--domain: column ${JSON.stringify(domain.name)} gives ${domains.length} domain(s): a transfer study needs a target and at least one source`);
  // A domain column split by value or year says which domain a row is in: not a feature.
  const split = byValue || byYear;
  const encoded = profile.columns.filter((c) => c !== label && !(c === domain && split) && isCategorical(c, profile.rows));
  const dropped = profile.columns.filter((c) => c !== label && !encoded.includes(c) && (!c.numeric || (c === domain && split))).map((c) => c.name);
  // Every domain is a part of one file, whose whole column gives the values: no list is needed.
  const categorical = encoded.map((c) => ({ name: c.name, values: null }));
  const origin = `${options.csv} (${profile.rows} rows): one domain per ${byYear ? 'year' : byValue ? 'value' : 'quantile bin'} of ${JSON.stringify(domain.name)}`;
  return studyPlan(domains, skipped, profile.columns, label, dropped, categorical, classes, origin, options, byYear ? NEWEST : SMALLEST);
}

/**
 * A study whose domains are the CSV files of one folder (one hospital per file): every file must have
 * the same columns in the same order (a task's features are read by position), the label among them.
 */
export function planFolderStudy(files: readonly { readonly csv: string; readonly profile: CsvProfile }[], options: Omit<InitOptions, 'csv' | 'domain' | 'bins'>): InitPlan {
  if (files.length < 2) throw new StudyConfigError(`the folder holds ${files.length} CSV file(s): a transfer study needs a target and at least one source`);
  const first = files[0]!;
  const names = first.profile.columns.map((c) => c.name);
  for (const { csv, profile } of files.slice(1)) {
    const own = profile.columns.map((c) => c.name);
    if (own.join('\u0000') !== names.join('\u0000')) throw new StudyConfigError(`${csv}: its columns (${own.join(', ')}) are not ${first.csv}'s (${names.join(', ')}), in the same order`);
  }
  if (!names.includes(options.label)) throw new StudyConfigError(`--label: column ${JSON.stringify(options.label)} not found (columns: ${names.join(', ')})`);
  // Each column over every file: numeric only if numeric in all, its missing cells summed, the label's values joined.
  const columns: ColumnProfile[] = names.map((name, c) => {
    const all = files.map((f) => f.profile.columns[c]!);
    const values = new Map<string, number>();
    for (const column of all) for (const [v, n] of column.values ?? []) values.set(v, (values.get(v) ?? 0) + n);
    const numeric = all.every((x) => x.numeric);
    const few = all.every((x) => x.values !== null);
    return {
      name,
      numeric,
      missing: all.reduce((n, x) => n + x.missing, 0),
      values: few ? values : null,
      numbers: [],
      classRanges: numeric ? joinedRanges(all) : null,
      classesByValue: few ? joinedClasses(all) : null,
      years: null,
    };
  });
  const label = columns.find((c) => c.name === options.label)!;
  const fileNames = uniqueNames(files.map((f) => f.csv.replace(/^.*[\\/]/, '').replace(/(\.csv)?(\.gz)?$/i, '')));
  const all = files.map(({ csv, profile }, i): InitDomain => ({ name: fileNames[i]!, value: csv, rows: profile.rows, csv, delimiter: profile.delimiter, decimal: profile.decimal, where: null }));
  const labelAt = names.indexOf(options.label);
  const skipped = singleClassDomains(all, (d) => {
    const values = files[all.indexOf(d)]!.profile.columns[labelAt]!.values;
    return values === null ? undefined : new Set(values.keys());
  });
  const domains = all.filter((d) => !skipped.some((s) => s.name === d.name));
  refuseSkippedTarget(skipped, options.target);
  if (domains.length < 2) throw new StudyConfigError(`the folder holds ${domains.length} CSV file(s) of two classes or more: a transfer study needs a target and at least one source`);
  const rows = files.reduce((n, f) => n + f.profile.rows, 0);
  const encoded = columns.filter((c) => c !== label && isCategorical(c, rows));
  const dropped = columns.filter((c) => c !== label && !c.numeric && !encoded.includes(c)).map((c) => c.name);
  // The files' values joined and listed, so that every file encodes the column alike.
  const categorical = encoded.map((c) => ({ name: c.name, values: orderedCategories([...c.values!.keys()].map(categoryOf)) }));
  return studyPlan(domains, skipped, columns, label, dropped, categorical, classCount(label), `${files.length} files (${rows} rows): one domain per file`, options, SMALLEST);
}

function studyPlan(
  domains: readonly InitDomain[],
  skipped: InitPlan['skipped'],
  columns: readonly ColumnProfile[],
  label: ColumnProfile,
  dropped: readonly string[],
  categorical: readonly InitCategorical[],
  classes: number,
  origin: string,
  options: Pick<InitOptions, 'target' | 'name'>,
  byDefault: DefaultTarget,
): InitPlan {
  const picked = options.target === undefined ? byDefault.pick(domains, classes) : null;
  const target = picked !== null ? picked.domain : domains.find((d) => d.name === options.target || d.value === options.target);
  if (target === undefined) throw new StudyConfigError(`--target: no domain ${JSON.stringify(options.target)} (domains: ${domains.map((d) => d.name).join(', ')})`);

  const features = columns.filter((c) => c !== label && !dropped.includes(c.name));
  if (features.length === 0) throw new StudyConfigError(`${domains[0]!.csv}: no numeric feature column besides the label and the domain`);
  const missing = features.some((c) => c.missing > 0) ? 'impute' : label.missing > 0 ? 'drop' : null;
  const rowsWithLabel = domains.reduce((n, d) => n + d.rows, 0) - label.missing;
  const smallestClass = smallestClassOf(label);
  const decisive = rowsWithLabel < DECISIVE_MIN_ROWS ? [] : features.filter((c) => decidesAlone(c, categorical.some((e) => e.name === c.name))).map((c) => c.name);

  const labelled = labelledRows(target.rows, classes);
  const test = target.rows >= TEST_FROM_ROWS ? ', test: 0.25' : '';
  const sources = domains.filter((d) => d !== target);
  const common = (d: InitDomain) =>
    [
      `csv: ${yaml(d.csv)}`,
      `label: ${yaml(label.name)}`,
      ...(dropped.length > 0 ? [`drop: [${dropped.map(yaml).join(', ')}]`] : []),
      ...(categorical.length > 0 ? [`categorical: ${categoricalYaml(categorical)}`] : []),
      ...(missing !== null ? [`missing: ${missing}`] : []),
      ...(d.delimiter !== ',' ? [`delimiter: ${JSON.stringify(d.delimiter)}`] : []),
      ...(d.decimal === ',' ? ['decimal: ","'] : []),
      ...(d.where !== null ? [`where: ${d.where}`] : []),
    ].join(', ');
  const width = Math.max(...domains.map((d) => d.name.length));
  const lines = [
    `# Written by tasksieve init from ${origin}.`,
    `# Target: ${target.name} (${target.rows} rows, the ${picked !== null ? picked.what : 'one asked for'}); sources: the others. Edit freely:`,
    '# docs/study-file.md says what every key does (`tasksieve schema -o study.schema.json` for editor completion).',
    ...(dropped.length > 0 ? [`# Not features (text, or the domain column): ${dropped.join(', ')}.`] : []),
    ...(skipped.length > 0 ? [`# Left out, one class only: ${skipped.map((d) => `${d.name} (${d.label})`).join(', ')}.`] : []),
    ...(categorical.length > 0 ? [`# One-hot encoded (a feature per value): ${categorical.map((c) => c.name).join(', ')}.`] : []),
    ...decisive.map((name) => `# ${name} alone separates the classes (each class in values of its own): if the label was made from it, add it to drop.`),
    ...(missing === 'impute' ? ['# Missing feature values are filled inside each unit with its training rows\' mean (missing: impute).'] : []),
    `name: ${yaml(options.name)}`,
    'seed: 1',
    '',
    'datasets:',
    ...domains.map((d) => `  ${`${yaml(d.name)}:`.padEnd(width + 3)} { ${common(d)} }`),
    '',
    'sources:',
    ...sources.map((d) => `  - { name: ${yaml(d.name)}, dataset: ${yaml(d.name)} }`),
    '',
    'targets:',
    `  - { name: ${yaml(target.name)}, dataset: ${yaml(target.name)}, labelled: ${labelled}${test} }`,
    '',
    'model: { hidden: [64] }',
    '',
    ...(smallestClass !== null
      ? [
          `# The label is imbalanced (${yaml(smallestClass.name)}: ${fmtPercent(smallestClass.share)} of the rows): macro-F1 weighs every class alike, accuracy would not.`,
          'objective: { metric: macro_f1 }',
          '',
        ]
      : []),
    'space:',
    '  learning_rate: { type: float, low: 0.001, high: 0.05, log: true }',
    '  sources: { type: subset }',
    '',
    'budget: { trials: 30, seeds: 2, workers: 2 }',
    '',
  ];
  return { text: lines.join('\n'), domains, target: target.name, dropped, categorical, decisive, missing, smallestClass, skipped };
}


/** Below this share of the rows for its smallest class, a label is imbalanced: accuracy would reward ignoring that class. */
const IMBALANCED_SHARE = 0.2;

/** The smallest class and its share of the labelled rows, when under IMBALANCED_SHARE. */
function smallestClassOf(label: ColumnProfile): InitPlan['smallestClass'] {
  const counts = [...(label.values ?? [])];
  const total = counts.reduce((n, [, c]) => n + c, 0);
  if (counts.length < 2 || total === 0) return null;
  const [name, count] = counts.reduce((a, b) => (b[1] < a[1] ? b : a));
  return count / total < IMBALANCED_SHARE ? { name, share: count / total } : null;
}

/** Fewest rows with a label before a column's class ranges say anything. */
const DECISIVE_MIN_ROWS = 20;

/**
 * A numeric column whose classes (two or more) each take values in a range no other class reaches;
 * or a one-hot encoded one (`encoded`) each of whose values is seen with one class only, two or more
 * classes in all.
 */
function decidesAlone(column: ColumnProfile, encoded: boolean): boolean {
  if (encoded) {
    const byValue = [...(column.classesByValue?.values() ?? [])];
    return byValue.length >= 2 && byValue.every((classes) => classes.size === 1) && new Set(byValue.flatMap((c) => [...c])).size >= 2;
  }
  const ranges = [...(column.classRanges?.values() ?? [])].sort((a, b) => a.min - b.min);
  return ranges.length >= 2 && ranges.every((r, i) => i === 0 || ranges[i - 1]!.max < r.min);
}

/** Per value, the classes seen with it in any file. */
function joinedClasses(columns: readonly ColumnProfile[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const column of columns) for (const [value, classes] of column.classesByValue ?? []) out.set(value, new Set([...(out.get(value) ?? []), ...classes]));
  return out;
}

/** Per class, the range over every file's rows. */
function joinedRanges(columns: readonly ColumnProfile[]): Map<string, ClassRange> {
  const out = new Map<string, ClassRange>();
  for (const column of columns) {
    for (const [label, r] of column.classRanges ?? []) {
      const seen = out.get(label);
      out.set(label, seen === undefined ? r : { min: Math.min(seen.min, r.min), max: Math.max(seen.max, r.max) });
    }
  }
  return out;
}

function categoricalYaml(categorical: readonly InitCategorical[]): string {
  if (categorical.every((c) => c.values === null)) return `[${categorical.map((c) => yaml(c.name)).join(', ')}]`;
  return `{ ${categorical.map((c) => `${yaml(c.name)}: [${(c.values ?? []).map(yaml).join(', ')}]`).join(', ')} }`;
}

/** The label's classes; a label of more values than the profile keeps is refused (a number to predict, or an id). */
function classCount(label: ColumnProfile): number {
  if (label.values !== null) return label.values.size;
  const what = label.numeric ? 'a number to predict (regression is not supported)' : 'an id or free text';
  throw new StudyConfigError(
    `--label: column ${JSON.stringify(label.name)} has more than ${MAX_DISTINCT} distinct values: tasksieve learns classes, and this looks like ${what}; make a column of a few classes first (e.g. above and below the median)`,
  );
}

/** The domains whose labels (`classesOf`) are one class only. */
function singleClassDomains(domains: readonly InitDomain[], classesOf: (d: InitDomain) => ReadonlySet<string> | undefined): InitPlan['skipped'][number][] {
  return domains.flatMap((d) => {
    const classes = classesOf(d);
    return classes !== undefined && classes.size === 1 ? [{ name: d.name, value: d.value, label: [...classes][0]! }] : [];
  });
}

function refuseSkippedTarget(skipped: InitPlan['skipped'], target: string | undefined): void {
  const hit = target === undefined ? undefined : skipped.find((d) => d.name === target || d.value === target);
  if (hit !== undefined) throw new StudyConfigError(`--target: domain ${JSON.stringify(hit.name)} holds one class only (${JSON.stringify(hit.label)}): a target needs two`);
}

/** The target's labelled rows: a fifth of its rows, between two per class and MAX_LABELLED. */
function labelledRows(rows: number, classes: number): number {
  return Math.min(MAX_LABELLED, Math.max(2 * classes, Math.floor(rows / 5)));
}

/** A domain that can be the target: its labelled rows leave at least as many to validate on. */
function canTarget(domain: InitDomain, classes: number): boolean {
  return 2 * labelledRows(domain.rows, classes) <= domain.rows;
}

/** How the target is chosen when --target is not given, with the words the study file says it in. */
interface DefaultTarget {
  pick(domains: readonly InitDomain[], classes: number): { readonly domain: InitDomain; readonly what: string };
}

/**
 * The smallest domain: the one with the fewest rows to learn from alone; of those that can be a
 * target (a clinic of 3 patients cannot: it stays a source), unless none can.
 */
const SMALLEST: DefaultTarget = {
  pick: (domains, classes) => {
    const smallestOf = (ds: readonly InitDomain[]) => ds.reduce((a, d) => (d.rows <= a.rows ? d : a));
    const able = domains.filter((d) => canTarget(d, classes));
    const all = smallestOf(domains);
    if (able.length === 0 || smallestOf(able) === all) return { domain: all, what: 'smallest domain' };
    return { domain: smallestOf(able), what: 'smallest domain that can be a target' };
  },
};

/**
 * The newest year (domains in time order): what a model trained on the years before meets next; of
 * those with TEST_FROM_ROWS rows or more, so a file that ends a few days into a year still gets a
 * target with labelled, validation and test rows (the few days stay a source).
 */
const NEWEST: DefaultTarget = {
  pick: (domains) => {
    const newest = domains[domains.length - 1]!;
    const full = [...domains].reverse().find((d) => d.rows >= TEST_FROM_ROWS);
    if (full === undefined || full === newest) return { domain: newest, what: 'newest year' };
    return { domain: full, what: `newest year of ${TEST_FROM_ROWS} rows or more` };
  },
};

function round(q: number): number {
  return Math.round(q * 1e6) / 1e6;
}

/** Task names from domain values: a letter or digit, then letters, digits, _ . - (at most 64), unique. */
function uniqueNames(values: readonly string[]): string[] {
  const used = new Set<string>();
  return values.map((value) => {
    const base = value.replace(/[^A-Za-z0-9_.-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 60) || 'domain';
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}-${k}`;
    used.add(name);
    return name;
  });
}
