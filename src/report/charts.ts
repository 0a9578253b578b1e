// Chart.js configurations (plain JSON) for the report's charts: optimisation history, importance,
// source inclusion, differences with intervals, per-target gains and scheduler rungs. Main thread;
// pure; must not import the store or the CLI.
import type { Json } from '../spec/records.js';
import { Rng, mixSeed } from '../util/rng.js';
import type { ReportTrial } from './collect.js';
import { fmtNumber, fmtParam, fmtSigned, fmtSubset } from '../util/format.js';
import type { ImportanceResult } from './importance.js';

export const COLORS = {
  blue: '#2563eb',
  orange: '#ea580c',
  gray: '#9ca3af',
  darkGray: '#4b5563',
  red: '#dc2626',
  green: '#16a34a',
};
const SERIES = ['#2563eb', '#ea580c', '#16a34a', '#9333ea', '#0891b2', '#ca8a04', '#db2777', '#4b5563'];

export function seriesColor(i: number): string {
  return SERIES[i % SERIES.length]!;
}

/** `#rrggbb` with an alpha in [0, 1]. */
function alpha(color: string, a: number): string {
  return `${color}${Math.round(a * 255).toString(16).padStart(2, '0')}`;
}

interface Axis {
  readonly title: string;
  readonly min?: number;
  readonly max?: number;
  readonly tickLabels?: readonly string[];
  readonly integer?: boolean;
}

function axis(a: Axis, grace = false): Json {
  return {
    title: { display: true, text: a.title },
    // Room above and below the data, so points on the extremes and reference lines stay visible.
    ...(grace && a.min === undefined && a.max === undefined ? { grace: '5%' } : {}),
    ...(a.min !== undefined ? { min: a.min } : {}),
    ...(a.max !== undefined ? { max: a.max } : {}),
    ...(a.tickLabels ? { tickLabels: [...a.tickLabels], ticks: { stepSize: 1, autoSkip: false } } : {}),
    ...(a.integer && !a.tickLabels ? { ticks: { precision: 0 } } : {}),
  };
}

function options(x: Axis, y: Axis, extra: { legend?: boolean; indexAxis?: 'y' } = {}): Json {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    ...(extra.indexAxis ? { indexAxis: extra.indexAxis } : {}),
    plugins: { legend: { display: extra.legend ?? true, position: 'bottom' } },
    // Points on the edge of the plot area are drawn whole instead of cut in half.
    datasets: { scatter: { clip: 6 }, line: { clip: 6 } },
    scales: { x: axis(x, extra.indexAxis === 'y'), y: axis(y, extra.indexAxis !== 'y') },
  };
}

function trialTip(trial: ReportTrial): string {
  const sources = fmtSubset(trial.sources, ', ');
  // Not in parentheses: the empty subset is written `(target only)`.
  return `#${trial.number}: ${fmtNumber(trial.value)} — ${sources}`;
}

/** Each finished trial's value by trial number, and the best value so far. */
export function historyChart(trials: readonly ReportTrial[], direction: 'maximize' | 'minimize', metric: string): Json {
  const complete = trials.filter((t) => t.state === 'COMPLETE' && t.value !== null);
  const pruned = trials.filter((t) => t.state === 'PRUNED' && t.value !== null);
  const best: { x: number; y: number }[] = [];
  let current: number | null = null;
  for (const t of complete) {
    if (current === null || (direction === 'maximize' ? t.value! > current : t.value! < current)) current = t.value!;
    best.push({ x: t.number, y: current });
  }
  // The best value holds until the last finished trial, COMPLETE or not.
  const lastFinished = Math.max(-1, ...trials.filter((t) => t.state !== 'RUNNING' && t.state !== 'WAITING').map((t) => t.number));
  if (best.length > 0 && lastFinished > best[best.length - 1]!.x) best.push({ x: lastFinished, y: current! });
  const points = (list: readonly ReportTrial[]) => list.map((t) => ({ x: t.number, y: t.value! }));
  const datasets: Json[] = [
    {
      label: 'COMPLETE trial',
      data: points(complete),
      tips: complete.map(trialTip),
      backgroundColor: alpha(COLORS.blue, 0.6),
      borderColor: COLORS.blue,
      pointRadius: complete.length > 300 ? 2 : 3.5,
    },
    {
      label: 'best so far',
      data: best,
      tips: best.map((p) => `best after #${p.x}: ${fmtNumber(p.y)}`),
      showLine: true,
      stepped: 'after',
      borderColor: COLORS.orange,
      backgroundColor: COLORS.orange,
      borderWidth: 2,
      pointRadius: 0,
    },
  ];
  if (pruned.length > 0) {
    datasets.push({
      label: 'PRUNED trial (value when stopped)',
      data: points(pruned),
      tips: pruned.map(trialTip),
      backgroundColor: alpha(COLORS.gray, 0.7),
      borderColor: COLORS.gray,
      pointRadius: 2.5,
    });
  }
  return {
    type: 'scatter',
    data: { datasets },
    options: options({ title: 'trial number', integer: true }, { title: `objective (${metric}, ${direction})` }),
  };
}

export function importanceChart(result: ImportanceResult): Json {
  return {
    type: 'bar',
    data: {
      labels: result.params.map((p) => p.param),
      datasets: [
        {
          label: 'share of importance (%)',
          data: result.params.map((p) => Number((p.share * 100).toFixed(2))),
          backgroundColor: alpha(COLORS.blue, 0.75),
          tips: result.params.map((p) => `${p.param}: ${(p.share * 100).toFixed(1)}% (MSE +${fmtNumber(p.mseIncrease)})`),
        },
      ],
    },
    options: options({ title: 'share of importance (%)', min: 0, max: 100 }, { title: 'parameter' }, { legend: false, indexAxis: 'y' }),
  };
}

/**
 * A strip plot: for each source, the values of the trials with it (left) and without it (right),
 * jittered, with the two means as bars.
 */
export function inclusionChart(trials: readonly ReportTrial[], sources: readonly string[], metric: string): Json {
  const done = trials.filter((t) => t.state === 'COMPLETE' && t.value !== null);
  const withPoints: Json[] = [];
  const withoutPoints: Json[] = [];
  const withTips: string[] = [];
  const withoutTips: string[] = [];
  const withMeans: Json[] = [];
  const withoutMeans: Json[] = [];
  sources.forEach((source, i) => {
    const sums = { with: [0, 0], without: [0, 0] };
    for (const t of done) {
      const included = t.sources.includes(source);
      // Jitter is seeded by trial and source: the same study draws the same picture.
      const jitter = (new Rng(mixSeed(t.number, i, 0x5177)).next() - 0.5) * 0.22;
      const x = i + (included ? -0.2 : 0.2) + jitter;
      (included ? withPoints : withoutPoints).push({ x, y: t.value! });
      (included ? withTips : withoutTips).push(`${source} ${included ? 'in' : 'not in'} #${t.number}: ${fmtNumber(t.value)}`);
      const s = included ? sums.with : sums.without;
      s[0]! += t.value!;
      s[1]! += 1;
    }
    if (sums.with[1]! > 0) withMeans.push({ x: i - 0.2, y: sums.with[0]! / sums.with[1]! });
    if (sums.without[1]! > 0) withoutMeans.push({ x: i + 0.2, y: sums.without[0]! / sums.without[1]! });
  });
  // Means are drawn on top (lower `order`), wide and dark, so they stay visible in dense clouds.
  const meanStyle = { pointStyle: 'line', pointRadius: 20, pointBorderWidth: 4, pointHoverRadius: 20, order: 0 };
  const dense = done.length > 200;
  const dot = { pointRadius: dense ? 2 : 3, order: 1 };
  return {
    type: 'scatter',
    data: {
      datasets: [
        { label: 'trials with the source', data: withPoints, tips: withTips, backgroundColor: alpha(COLORS.blue, dense ? 0.3 : 0.55), borderColor: alpha(COLORS.blue, dense ? 0.4 : 0.8), ...dot },
        { label: 'trials without it', data: withoutPoints, tips: withoutTips, backgroundColor: alpha(COLORS.gray, dense ? 0.35 : 0.6), borderColor: alpha(COLORS.gray, dense ? 0.5 : 1), ...dot },
        { label: 'mean with', data: withMeans, tips: withMeans.map((p) => `mean with: ${fmtNumber((p as { y: number }).y)}`), borderColor: '#172554', backgroundColor: '#172554', ...meanStyle },
        { label: 'mean without', data: withoutMeans, tips: withoutMeans.map((p) => `mean without: ${fmtNumber((p as { y: number }).y)}`), borderColor: '#111827', backgroundColor: '#111827', ...meanStyle },
      ],
    },
    options: options({ title: 'source', min: -0.5, max: sources.length - 0.5, tickLabels: sources }, { title: `objective (${metric})` }),
  };
}

export interface IntervalRow {
  readonly label: string;
  readonly estimate: number | null;
  readonly interval: readonly [number, number] | null;
  readonly tone: 'good' | 'bad' | 'muted';
}

/** Point estimates with their intervals as floating bars, coloured by what the interval says. */
export function intervalChart(rows: readonly IntervalRow[], title: string): Json {
  const color = (tone: IntervalRow['tone']) => (tone === 'bad' ? COLORS.red : tone === 'good' ? COLORS.green : COLORS.gray);
  return {
    type: 'bar',
    data: {
      labels: rows.map((r) => r.label),
      datasets: [
        {
          type: 'bar',
          label: '95% interval',
          data: rows.map((r) => (r.interval ? [r.interval[0], r.interval[1]] : null)),
          backgroundColor: rows.map((r) => alpha(color(r.tone), 0.35)),
          borderColor: rows.map((r) => color(r.tone)),
          borderWidth: 1,
          barPercentage: 0.5,
          tips: rows.map((r) => (r.interval ? `${r.label}: ${fmtSigned(r.interval[0])} to ${fmtSigned(r.interval[1])}` : `${r.label}: no interval`)),
        },
        {
          type: 'line',
          showLine: false,
          label: 'estimate',
          data: rows.map((r) => r.estimate),
          tips: rows.map((r) => `${r.label}: ${fmtSigned(r.estimate)}`),
          backgroundColor: '#111827',
          borderColor: '#111827',
          pointStyle: 'crossRot',
          pointRadius: 7,
          pointBorderWidth: 2,
        },
      ],
    },
    options: options({ title: 'source' }, { title }),
  };
}

/** Per target, each COMPLETE trial's gain over the target-only baseline (mean over seeds). */
export function gainsChart(trials: readonly ReportTrial[], targets: readonly string[], metric: string): Json {
  const done = trials.filter((t) => t.state === 'COMPLETE');
  const numbers = done.map((t) => t.number);
  const datasets: Json[] = targets.map((target, i) => {
    const points = done.flatMap((t) => {
      const s = t.targets.find((x) => x.target === target);
      return s && Number.isFinite(s.gain) ? [{ t, gain: s.gain }] : [];
    });
    return {
      label: target,
      data: points.map((p) => ({ x: p.t.number, y: p.gain })),
      tips: points.map((p) => `${target}, #${p.t.number}: ${fmtSigned(p.gain)} (${fmtSubset(p.t.sources, ', ')})`),
      backgroundColor: alpha(seriesColor(i), 0.6),
      borderColor: seriesColor(i),
      pointRadius: done.length > 300 ? 2 : 3.5,
    };
  });
  if (numbers.length > 0) {
    datasets.push({
      label: 'baseline (gain 0)',
      data: [
        { x: Math.min(...numbers), y: 0 },
        { x: Math.max(...numbers), y: 0 },
      ],
      tips: ['baseline', 'baseline'],
      showLine: true,
      borderColor: COLORS.darkGray,
      borderDash: [5, 4],
      borderWidth: 1.5,
      pointRadius: 0,
    });
  }
  return {
    type: 'scatter',
    data: { datasets },
    options: options({ title: 'trial number', integer: true }, { title: `${metric} gain over the target-only baseline` }),
  };
}

/**
 * Intermediate values by step, one line per trial: pruned trials red, kept ones blue. A COMPLETE
 * trial's line ends at its final value at its last epoch (`finalStep`), the same measure the
 * scheduler compared at the rungs.
 */
export function rungsChart(trials: readonly ReportTrial[], finalStep: (trial: ReportTrial) => number | null, unit: 'epoch' | 'units' = 'epoch'): Json {
  const style = (t: ReportTrial) =>
    t.state === 'PRUNED' ? alpha(COLORS.red, 0.55) : t.state === 'COMPLETE' ? alpha(COLORS.blue, 0.7) : alpha(COLORS.gray, 0.8);
  return {
    type: 'scatter',
    data: {
      datasets: trials.map((t) => {
        const points = t.intermediates.map(([x, y]) => ({ x, y, tip: `#${t.number} (${t.state}) step ${x}: ${fmtNumber(y)}` }));
        const last = finalStep(t);
        const lastStep = t.intermediates.length > 0 ? t.intermediates[t.intermediates.length - 1]![0] : -Infinity;
        if (t.state === 'COMPLETE' && t.value !== null && last !== null && last > lastStep) {
          const at = unit === 'epoch' ? `epoch ${last}` : `${last} units`;
          points.push({ x: last, y: t.value, tip: `#${t.number} final value at ${at}: ${fmtNumber(t.value)}` });
        }
        return {
          label: `#${t.number} ${t.state}`,
          data: points.map(({ x, y }) => ({ x, y })),
          tips: points.map((p) => p.tip),
          showLine: true,
          borderColor: style(t),
          backgroundColor: style(t),
          borderWidth: 1.5,
          pointRadius: 2,
        };
      }),
    },
    // A race's steps are the units a trial had at a rung (targets x seeds so far), not epochs.
    options: options({ title: unit === 'epoch' ? 'step (fine-tuning epoch)' : 'step (units trained)', integer: true }, { title: 'intermediate value' }, { legend: false }),
  };
}

export function paramsText(params: Readonly<Record<string, unknown>>): string {
  return Object.entries(params)
    .map(([k, v]) => `${k}=${fmtParam(v, ', ')}`)
    .join(' ');
}
