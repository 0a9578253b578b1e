// The report's sections, from a ReportData snapshot to a PageModel: summary, optimisation history,
// leaderboard, parameter importance, source inclusion, source attribution, per-target gains, scheduler
// rungs, failures. Main thread; pure (the snapshot is already read); must not import the store or CLI.
import { describeModel } from '../spec/study.js';
import { describeObjective } from '../metrics/objective.js';
import { attributeSources, HARMFUL_MARK, harmfulNotes, rankSubsets, type Attribution, type EffectFlag, type HarmfulNotes } from '../selection/index.js';
import { fmtDuration, fmtNumber, fmtSigned, fmtSubset } from '../util/format.js';
import { testRowsText, testValue } from '../study/leaderboard.js';
import type { ReportData, ReportTrial } from './collect.js';
import {
  gainsChart,
  historyChart,
  importanceChart,
  inclusionChart,
  intervalChart,
  paramsText,
  rungsChart,
  type IntervalRow,
} from './charts.js';
import { fmtCount, fmtPercent, iso } from './format.js';
import { paramImportance } from './importance.js';
import type { Block, Cell, PageModel, Section } from './page-model.js';
import { sourceInclusion } from './source-inclusion.js';
import { paretoSection } from './pareto-section.js';

export interface SectionOptions {
  /** Leaderboard rows shown (all COMPLETE trials are ranked). */
  readonly top?: number;
  /** Most trials drawn as lines in the rungs chart. */
  readonly maxRungLines?: number;
  readonly importanceSeed?: number;
}

const STATES = ['COMPLETE', 'PRUNED', 'FAIL', 'RUNNING', 'WAITING'] as const;

export function buildPage(data: ReportData, options: SectionOptions = {}): PageModel {
  const metric = data.spec.objective.metric;
  // One attribution for the page, with the defaults of `tasksieve sources`: the report, the CLI's
  // flags and the leaderboards' harmful marks must agree, so no seed of the report's own.
  const table = data.trialTable;
  const attribution = 'error' in table || table.sources.length === 0 || table.trials.length === 0 ? null : attributeSources(table);
  const notes = attribution && !('error' in table) ? harmfulNotes(table, attribution) : null;
  const pareto = paretoSection(data);
  return {
    title: `tasksieve report: ${data.name}`,
    subtitle: `snapshot of ${iso(data.takenAt)}; ${data.trials.length} trial(s); objective ${describeObjective(data.spec.objective)} (${data.direction})`,
    sections: [
      summarySection(data),
      historySection(data, metric),
      // Multi-objective studies only: a single-objective report keeps its sections.
      ...(pareto !== null ? [pareto] : []),
      leaderboardSection(data, options.top ?? 20, notes),
      importanceSection(data, options.importanceSeed ?? data.spec.seed ?? 0),
      inclusionSection(data, metric),
      attributionSection(data, metric, attribution),
      gainsSection(data, metric),
      rungsSection(data, options.maxRungLines ?? 300),
      failuresSection(data),
    ],
  };
}

function complete(data: ReportData): ReportTrial[] {
  return data.trials.filter((t) => t.state === 'COMPLETE' && t.value !== null);
}

function summarySection(data: ReportData): Section {
  const spec = data.spec;
  const counts = new Map<string, number>();
  for (const t of data.trials) counts.set(t.state, (counts.get(t.state) ?? 0) + 1);
  const states = STATES.filter((s) => counts.has(s)).map((s) => `${counts.get(s)} ${s}`);
  const backends = new Map<string, number>();
  for (const t of data.trials) if (t.backend) backends.set(t.backend, (backends.get(t.backend) ?? 0) + 1);
  const units = data.trials.flatMap((t) => t.units);
  const sum = (pick: (u: (typeof units)[number]) => number | null) => units.reduce((a, u) => a + (pick(u) ?? 0), 0);
  const starts = data.trials.flatMap((t) => (t.startedAt === null ? [] : [t.startedAt]));
  const ends = data.trials.flatMap((t) => (t.finishedAt === null ? [] : [t.finishedAt]));
  const running = data.trials.some((t) => t.state === 'RUNNING' || t.state === 'WAITING');
  const wallEnd = running ? data.takenAt : ends.length > 0 ? Math.max(...ends) : null;
  const wall = starts.length > 0 && wallEnd !== null ? wallEnd - Math.min(...starts) : null;
  const best = data.leaderboard[0];
  const scheduler = spec.scheduler;
  const rows: [string, string][] = [
    ['study', data.name],
    ['objective', `${describeObjective(spec.objective)}, ${data.direction}`],
    ['targets', spec.targets.map((t) => t.name).join(', ')],
    ['candidate sources', spec.sources.length > 0 ? spec.sources.map((s) => s.name).join(', ') : 'none'],
    ['seeds per target', String(spec.budget.seeds)],
    ['model', describeModel(spec.model)],
    ['sampler', spec.sampler.kind],
    ['scheduler', describeScheduler(scheduler)],
    ['trials', `${states.length > 0 ? states.join(', ') : 'none yet'} (budget ${spec.budget.trials})`],
    ['best', best ? `${fmtNumber(best.value)} (trial #${best.number}); sources: ${fmtSubset(best.sources, ', ')}` : 'no COMPLETE trial yet'],
    ...(best && testValue(best) !== null
      ? ([['best on test rows', `${spec.objective.metric} ${fmtNumber(testValue(best))} on the held-out test rows (mean over targets and seeds; the best value above is on the validation rows it was selected on)`]] as [string, string][])
      : []),
    ...recommendedRows(data),
    ['backend', backends.size > 0 ? [...backends].map(([b, n]) => `${b} (${n} trials)`).join(', ') : '-'],
    ['wall time', `${fmtDuration(wall)}${running ? ' so far (the study is still running)' : ''} (first trial start to last finish)`],
    [
      'cost (stored units)',
      `${fmtCount(units.length)} units, ${fmtCount(sum((u) => u.epochs))} epochs, ${fmtCount(sum((u) => u.samples))} samples, ` +
        `${fmtDuration(sum((u) => u.ms))} of training (summed over units)`,
    ],
    ['created', iso(data.createdAt)],
    ['snapshot', iso(data.takenAt)],
  ];
  return {
    id: 'summary',
    title: 'Study summary',
    blocks: [
      { kind: 'kv', rows },
      { kind: 'details', summary: 'Study spec (as stored with the study)', text: JSON.stringify(spec, null, 2) },
    ],
  };
}

/** `asha (min_epochs 1, eta 3, min_reports 3)`, from whatever the stored spec has. */
function describeScheduler(scheduler: unknown): string {
  if (scheduler === undefined || scheduler === null) return 'none';
  if (typeof scheduler !== 'object') return String(scheduler);
  const { kind, ...rest } = scheduler as Record<string, unknown>;
  const settings = Object.entries(rest).map(([k, v]) => `${k} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`);
  return `${String(kind ?? 'scheduler')}${settings.length > 0 ? ` (${settings.join(', ')})` : ''}`;
}

function historySection(data: ReportData, metric: string): Section {
  const hasValues = data.trials.some((t) => t.value !== null && (t.state === 'COMPLETE' || t.state === 'PRUNED'));
  return {
    id: 'history',
    title: 'Optimisation history',
    blocks: hasValues
      ? [
          { kind: 'text', text: "Each finished trial's objective value by trial number, and the best value so far." },
          { kind: 'chart', id: 'history', height: 340, config: historyChart(data.trials, data.direction, metric) },
        ]
      : [{ kind: 'note', text: 'No finished trial with a value yet.' }],
  };
}

/** `notes`: the harmful sources, marked as the CLI's leaderboards mark them; null without attribution. */
function leaderboardSection(data: ReportData, top: number, notes: HarmfulNotes | null): Section {
  const rows = data.leaderboard.slice(0, top);
  if (rows.length === 0) return { id: 'leaderboard', title: 'Leaderboard', blocks: [{ kind: 'note', text: 'No COMPLETE trial yet.' }] };
  const targets = data.spec.targets.map((t) => t.name);
  const tested = data.spec.targets.every((t) => t.test !== undefined);
  const body = rows.map((row): Cell[] => [
    String(row.rank),
    `#${row.number}`,
    fmtNumber(row.value),
    ...(tested ? [fmtNumber(testValue(row))] : []),
    notes ? notes.subsetText(row.sources, ', ') : fmtSubset(row.sources, ', '),
    ...targets.map((target) => {
      const s = row.targets.find((x) => x.target === target);
      return s ? gainCell(s.gain) : '-';
    }),
    paramsText(row.params),
  ]);
  const blocks: Block[] = [
    {
      kind: 'table',
      headers: [
        'rank',
        'trial',
        tested ? `${data.spec.objective.metric} (validation)` : data.spec.objective.metric,
        ...(tested ? [`test ${data.spec.objective.metric}`] : []),
        'sources',
        ...targets.map((t) => `gain ${t}`),
        'params',
      ],
      rows: body,
    },
    { kind: 'text', text: 'gain: the objective metric minus the target-only baseline trained with the same recipe, target and seed (mean over seeds).' },
    ...(tested
      ? [{ kind: 'text' as const, text: `test: the metric on each target's held-out test rows (${testRowsText(rows)}; mean over targets and seeds), never trained, ranked or stopped on; the validation column ranked the trials, so the best one's is optimistic.` }]
      : []),
  ];
  if (notes !== null && notes.harmful.length > 0) {
    blocks.push({
      kind: 'text',
      text: `${HARMFUL_MARK}: flagged harmful in Source attribution below (${notes.harmful.map((e) => e.source).join(', ')}); a trial with it that ranks high does so in spite of it (its recipe, the sources next to it, or seed noise).`,
    });
  }
  if (data.leaderboard.length > rows.length) {
    blocks.push({ kind: 'note', text: `${data.leaderboard.length - rows.length} more COMPLETE trials are not shown (tasksieve export lists every trial).` });
  }
  return { id: 'leaderboard', title: 'Leaderboard', blocks };
}

function importanceSection(data: ReportData, seed: number): Section {
  const trials = complete(data).map((t) => ({ params: t.rawParams, value: t.value! }));
  const result = paramImportance(data.spec.space, trials, { seed });
  if ('reason' in result) {
    return { id: 'importance', title: 'Parameter importance', blocks: [{ kind: 'note', text: `No importance: ${result.reason}.` }] };
  }
  return {
    id: 'importance',
    title: 'Parameter importance',
    blocks: [
      {
        kind: 'text',
        text:
          `How much each searched parameter explains of the variation of the objective over ${result.trials} COMPLETE trials: ` +
          `${result.method} (${result.trees} trees). The source subset counts as one parameter. With few trials this is rough.`,
      },
      { kind: 'chart', id: 'importance', height: Math.max(160, 60 + 34 * result.params.length), config: importanceChart(result) },
      {
        kind: 'table',
        headers: ['parameter', 'share', 'out-of-bag MSE increase when shuffled'],
        rows: result.params.map((p) => [p.param, fmtPercent(p.share), fmtNumber(p.mseIncrease, 6)]),
      },
    ],
  };
}

function inclusionSection(data: ReportData, metric: string): Section {
  const sources = data.spec.sources.map((s) => s.name);
  const done = complete(data);
  if (sources.length === 0) {
    return { id: 'sources', title: 'Source inclusion vs objective', blocks: [{ kind: 'note', text: 'The study has no candidate source.' }] };
  }
  if (done.length === 0) {
    return { id: 'sources', title: 'Source inclusion vs objective', blocks: [{ kind: 'note', text: 'No COMPLETE trial yet.' }] };
  }
  const stats = sourceInclusion(
    done.map((t) => ({ number: t.number, value: t.value!, sources: t.sources })),
    sources,
    data.direction,
  );
  const rows: IntervalRow[] = stats.map((s) => ({
    label: s.source,
    estimate: s.difference,
    interval: s.interval,
    tone: s.worse ? 'bad' : s.better ? 'good' : 'muted',
  }));
  return {
    id: 'sources',
    title: 'Source inclusion vs objective',
    blocks: [
      {
        kind: 'text',
        text:
          'For each candidate source: the objective of the COMPLETE trials that transferred from it (left) and of those that did not (right), with their means. ' +
          'This is an association: sources chosen together share the credit, and the recipe parameters vary too.',
      },
      { kind: 'chart', id: 'sources-inclusion', height: 340, config: inclusionChart(done, sources, metric) },
      ...(stats.some((s) => s.difference !== null)
        ? ([
            {
              kind: 'text',
              text: 'Mean objective with the source minus without it, with a 95% Welch interval; red: worse with the source, green: better (the interval excludes 0).',
            },
            { kind: 'chart', id: 'sources-difference', height: 300, config: intervalChart(rows, `difference in mean ${metric}`) },
          ] as const)
        : ([{ kind: 'note', text: 'No difference yet: every source is in all COMPLETE trials or in none.' }] as const)),
      {
        kind: 'table',
        headers: ['source', 'trials with', 'mean with', 'trials without', 'mean without', 'difference', '95% interval', ''],
        rows: stats.map((s): Cell[] => [
          s.source,
          String(s.with.n),
          fmtNumber(s.with.mean),
          String(s.without.n),
          fmtNumber(s.without.mean),
          fmtSigned(s.difference),
          s.interval ? `${fmtSigned(s.interval[0])} to ${fmtSigned(s.interval[1])}` : '-',
          s.worse ? { text: 'worse with it', tone: 'bad' } : s.better ? { text: 'better with it', tone: 'good' } : { text: 'unclear', tone: 'muted' },
        ]),
      },
    ],
  };
}

function attributionSection(data: ReportData, metric: string, attribution: Attribution | null): Section {
  const title = 'Source attribution';
  const note = (text: string): Section => ({ id: 'attribution', title, blocks: [{ kind: 'note', text }] });
  const table = data.trialTable;
  if ('error' in table) return note(`No attribution: the stored units cannot be read for it (${table.error}).`);
  if (table.sources.length === 0) return note('The study has no candidate source.');
  if (table.trials.length === 0 || attribution === null) return note('No attribution yet: no COMPLETE trial with units.');
  const tone = (flag: EffectFlag): IntervalRow['tone'] => (flag === 'harmful' ? 'bad' : flag === 'helpful' ? 'good' : 'muted');
  const interval = (i: { low: number; high: number } | null) => (i ? `${fmtSigned(i.low)} to ${fmtSigned(i.high)}` : '-');
  const rows: IntervalRow[] = attribution.overall.effects.map((e) => ({
    label: e.source,
    estimate: e.effect,
    interval: [e.interval.low, e.interval.high],
    tone: tone(e.flag),
  }));
  const level = `${Math.round(attribution.level * 100)}%`;
  const blocks: Block[] = [
    {
      kind: 'text',
      text:
        `Each source's effect on the ${metric} gain over the baseline, from a ridge surrogate on source-inclusion indicators with the recipe as covariates ` +
        `(${attribution.overall.trials} COMPLETE trials, ${attribution.overall.units} units), with ${level} cluster-bootstrap intervals over trials ` +
        `(${attribution.resamples} resamples). Harmful (red): the whole interval is on the worsening side of 0; helpful (green): on the improving side.`,
    },
    { kind: 'chart', id: 'attribution', height: 300, config: intervalChart(rows, `effect on the ${metric} gain`) },
    {
      kind: 'table',
      headers: ['source', 'effect', `${level} interval`, 'flag', 'trials with it', 'one-source pairs', 'pair effect'],
      rows: attribution.overall.effects.map((e): Cell[] => [
        e.source,
        fmtSigned(e.effect),
        interval(e.interval),
        { text: e.flag, tone: tone(e.flag) },
        String(e.includedIn),
        e.loo ? String(e.loo.pairs) : '0',
        e.loo ? `${fmtSigned(e.loo.effect)}${e.loo.interval ? ` (${interval(e.loo.interval)})` : ''}` : '-',
      ]),
    },
  ];
  if (attribution.targets.length > 1) {
    blocks.push({ kind: 'text', text: 'Per target:' });
    blocks.push({
      kind: 'table',
      headers: ['target', 'source', 'effect', `${level} interval`, 'flag', 'trials'],
      rows: attribution.targets.flatMap((scope) =>
        scope.effects.map((e): Cell[] => [
          scope.target ?? '-',
          e.source,
          fmtSigned(e.effect),
          interval(e.interval),
          { text: e.flag, tone: tone(e.flag) },
          String(scope.trials),
        ]),
      ),
    });
  }
  return { id: 'attribution', title, blocks };
}

function gainsSection(data: ReportData, metric: string): Section {
  const targets = data.spec.targets.map((t) => t.name);
  // A target-only trial is its own baseline (gain 0 by construction): it would only dilute the picture.
  const done = complete(data).filter((t) => t.sources.length > 0);
  if (done.length === 0) {
    return { id: 'gains', title: 'Per-target gains over the baseline', blocks: [{ kind: 'note', text: 'No COMPLETE trial with sources yet.' }] };
  }
  const best = data.leaderboard[0];
  const rows = targets.map((target): Cell[] => {
    const gains = done.flatMap((t) => t.targets.filter((s) => s.target === target && Number.isFinite(s.gain)).map((s) => ({ t, gain: s.gain })));
    const baselines = done.flatMap((t) => t.units.filter((u) => u.target === target && u.baseline !== null).map((u) => u.baseline!));
    if (gains.length === 0) return [target, '-', '-', '-', '-', '-', '-'];
    const top = gains.reduce((a, b) => (b.gain > a.gain ? b : a));
    const negative = gains.filter((g) => g.gain < 0).length / gains.length;
    const bestGain = best?.targets.find((s) => s.target === target)?.gain ?? null;
    const meanGain = gains.reduce((a, g) => a + g.gain, 0) / gains.length;
    return [
      target,
      baselines.length > 0 ? fmtNumber(baselines.reduce((a, b) => a + b, 0) / baselines.length) : '-',
      String(gains.length),
      gainCell(meanGain),
      `${fmtSigned(top.gain)} (#${top.t.number})`,
      { text: fmtPercent(negative), tone: negative > 0.5 ? 'bad' : 'muted' },
      bestGain === null ? '-' : `${fmtSigned(bestGain)} (#${best!.number})`,
    ];
  });
  return {
    id: 'gains',
    title: 'Per-target gains over the baseline',
    blocks: [
      {
        kind: 'text',
        text:
          `Each COMPLETE trial's ${metric} minus the target-only baseline's (same recipe, target and seed; mean over seeds). ` +
          'Below 0 is negative transfer. Target-only trials (gain 0 by construction) are left out.',
      },
      { kind: 'chart', id: 'gains', height: 320, config: gainsChart(done, targets, metric) },
      {
        kind: 'table',
        headers: ['target', `baseline ${metric} (mean)`, 'trials', 'mean gain', 'largest gain', 'negative transfer', 'gain of the best trial'],
        rows,
      },
    ],
  };
}

function rungsSection(data: ReportData, maxLines: number): Section {
  const reporting = data.trials.filter((t) => t.intermediates.length > 0);
  if (reporting.length === 0) {
    return {
      id: 'rungs',
      title: 'Scheduler rungs',
      blocks: [
        {
          kind: 'note',
          text: 'No intermediate values are stored for this study: it ran without a scheduler, or no trial has reported one yet.',
        },
      ],
    };
  }
  // Every pruned trial is drawn (they show where the scheduler cut), then kept ones by number.
  const pruned = reporting.filter((t) => t.state === 'PRUNED');
  const others = reporting.filter((t) => t.state !== 'PRUNED');
  const drawn = [...pruned, ...others].slice(0, maxLines).sort((a, b) => a.number - b.number);
  const steps = [...new Set(reporting.flatMap((t) => t.intermediates.map(([s]) => s)))].sort((a, b) => a - b);
  const table = steps.map((step): Cell[] => {
    const values = reporting.flatMap((t) => t.intermediates.filter(([s]) => s === step).map(([, v]) => v)).sort((a, b) => a - b);
    const stoppedHere = pruned.filter((t) => t.intermediates[t.intermediates.length - 1]![0] === step).length;
    const best = data.direction === 'maximize' ? values[values.length - 1]! : values[0]!;
    const median = values.length % 2 === 1 ? values[values.length >> 1]! : (values[values.length / 2 - 1]! + values[values.length / 2]!) / 2;
    return [String(step), String(values.length), fmtNumber(best), fmtNumber(median), stoppedHere > 0 ? { text: String(stoppedHere), tone: 'bad' } : '0'];
  });
  const blocks: Block[] = [
    {
      kind: 'text',
      text:
        `Intermediate values reported by ${reporting.length} trial(s), one line per trial: red lines were pruned, blue ones ran to completion ` +
        '(ending at their final value), grey ones are still running or failed.',
    },
    {
      kind: 'chart',
      id: 'rungs',
      height: 340,
      config:
        data.spec.scheduler?.kind === 'race'
          ? rungsChart(drawn, () => data.spec.targets.length * data.spec.budget.seeds, 'units')
          : rungsChart(drawn, (t) => finalEpoch(data, t)),
    },
  ];
  if (drawn.length < reporting.length) {
    blocks.push({ kind: 'note', text: `${drawn.length} of ${reporting.length} trials are drawn (every pruned trial first).` });
  }
  blocks.push({ kind: 'table', headers: ['step', 'trials reporting', 'best value', 'median value', 'pruned after this step'], rows: table });
  return { id: 'rungs', title: 'Scheduler rungs', blocks };
}

/** The fine-tuning epochs a trial ran to the end: its own `epochs` parameter or the recipe's. */
function finalEpoch(data: ReportData, trial: ReportTrial): number | null {
  const own = trial.rawParams['epochs'];
  if (typeof own === 'number') return own;
  const recipe = (data.spec.recipe as { epochs?: unknown } | undefined)?.epochs;
  return typeof recipe === 'number' ? recipe : null;
}

function failuresSection(data: ReportData): Section {
  const failed = data.trials.filter((t) => t.state === 'FAIL');
  if (failed.length === 0) return { id: 'failures', title: 'Failed trials', blocks: [{ kind: 'note', text: 'No trial failed.' }] };
  const shown = failed.slice(0, 50);
  const blocks: Block[] = [
    {
      kind: 'table',
      headers: ['trial', 'attempts', 'sources', 'error'],
      rows: shown.map((t) => [`#${t.number}`, String(t.attempts), fmtSubset(t.sources, ', '), truncate(t.error ?? 'unknown error', 400)]),
    },
  ];
  if (failed.length > shown.length) blocks.push({ kind: 'note', text: `${failed.length - shown.length} more failed trials (tasksieve export lists all).` });
  return { id: 'failures', title: `Failed trials (${failed.length})`, blocks };
}

function gainCell(gain: number): Cell {
  return { text: fmtSigned(gain), tone: gain > 0 ? 'good' : gain < 0 ? 'bad' : 'muted' };
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/**
 * The subset `leaderboard --subsets` and `sources` recommend, as the report's summary states it, with
 * the recipe it is scored on and its test metric where the targets hold test rows out.
 */
function recommendedRows(data: ReportData): [string, string][] {
  if ('error' in data.trialTable || data.trialTable.trials.length === 0) return [];
  const rec = rankSubsets(data.trialTable).recommended;
  const metric = data.spec.objective.metric;
  if (rec === null) return [['recommended sources', 'none yet (no subset has 2 units on every target)']];
  const recipe = rec.recipe === null ? `over all its ${rec.trialsAnyRecipe} trials` : `trial${rec.trialNumbers.length > 1 ? 's' : ''} ${rec.trialNumbers.map((n) => `#${n}`).join(', ')}`;
  return [
    ['recommended sources', `${fmtSubset(rec.sources, ', ')}: ${fmtNumber(rec.score)} over ${rec.units} units (${recipe})`],
    ...(rec.test !== null
      ? ([['recommended on test rows', `${metric} ${fmtNumber(rec.test)} on the held-out test rows (the same units; the figure above is on validation rows)`]] as [string, string][])
      : []),
  ];
}
