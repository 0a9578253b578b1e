// The report's Pareto section, for multi-objective studies only: the front of the first two
// objectives among every COMPLETE trial, the hypervolume of the feasible trials as they came in, and
// the non-dominated trials as a table. Main thread; pure given the snapshot.
import { describeTerm } from '../metrics/objective.js';
import type { Json } from '../spec/records.js';
import { hypervolumeCurve, isFeasible, paretoView } from '../study/pareto.js';
import { fmtNumber, fmtParam, fmtSubset } from '../util/format.js';
import { COLORS } from './charts.js';
import type { ReportData, ReportTrial } from './collect.js';
import type { Block, Section } from './page-model.js';

const tip = (t: ReportTrial) => `#${t.number}: ${t.values!.map((v) => fmtNumber(v)).join(' / ')} — ${fmtSubset(t.sources, ', ')}`;

function scatter(label: string, list: readonly ReportTrial[], color: string, radius: number, line = false): Json {
  return {
    label,
    data: list.map((t) => ({ x: t.values![0]!, y: t.values![1]! })),
    tips: list.map(tip),
    backgroundColor: color,
    borderColor: color,
    pointRadius: radius,
    ...(line ? { showLine: true, borderWidth: 1.5 } : {}),
  };
}

const axis = (title: string, min?: number): Json => ({ title: { display: true, text: title }, grace: '5%', ...(min !== undefined ? { min } : {}) });

function chartOptions(x: string, y: string, xMin?: number): Json {
  return {
    animation: false,
    responsive: true,
    maintainAspectRatio: false,
    plugins: { legend: { display: true, position: 'bottom' } },
    datasets: { scatter: { clip: 6 } },
    scales: { x: axis(x, xMin), y: axis(y) },
  };
}

export function paretoSection(data: ReportData): Section | null {
  const objectives = data.spec.objectives;
  if (objectives === undefined) return null;
  const trials = data.trials;
  const view = paretoView(data.spec, trials);
  const onFront = new Set(view.front.map((r) => r.number));
  const complete = trials.filter((t) => t.state === 'COMPLETE' && t.values !== undefined);
  if (complete.length === 0) return { id: 'pareto', title: 'Pareto front', blocks: [{ kind: 'note', text: 'No COMPLETE trial yet.' }] };
  const front = complete.filter((t) => onFront.has(t.number)).sort((a, b) => a.values![0]! - b.values![0]!);
  const dominated = complete.filter((t) => !onFront.has(t.number) && isFeasible(t));
  const infeasible = complete.filter((t) => !isFeasible(t));
  const names = objectives.map(describeTerm);
  const blocks: Block[] = [
    {
      kind: 'text',
      text:
        `${view.front.length} non-dominated trial(s) of ${view.feasible} feasible COMPLETE one(s) over ${names.join(' vs ')}` +
        (data.spec.constraints !== undefined ? `; ${infeasible.length} break a constraint and are left out of the front.` : '.') +
        (objectives.length > 2 ? ' The chart shows the first two objectives; the front is over all of them.' : ''),
    },
    {
      kind: 'chart',
      id: 'pareto-front',
      height: 340,
      config: {
        type: 'scatter',
        data: {
          datasets: [
            scatter('non-dominated', front, COLORS.orange, 4.5, objectives.length === 2),
            scatter('dominated', dominated, `${COLORS.blue}99`, 3),
            ...(infeasible.length > 0 ? [scatter('breaks a constraint', infeasible, `${COLORS.red}99`, 3)] : []),
          ],
        },
        options: chartOptions(names[0]!, names[1]!),
      },
    },
  ];
  const curve = hypervolumeCurve(data.spec, trials);
  if (curve !== null) {
    blocks.push(
      {
        kind: 'text',
        text:
          `Hypervolume of the feasible COMPLETE trials up to each trial number: the area (volume) they dominate up to the reference point ` +
          `${objectives.map((o, k) => `${o.metric} ${fmtNumber(o.direction === 'maximize' ? -curve.reference[k]! : curve.reference[k]!)}`).join(', ')}, ` +
          `a tenth of each objective's range beyond its worst value. It only rises; flat stretches are trials that did not move the front.`,
      },
      {
        kind: 'chart',
        id: 'pareto-hypervolume',
        height: 260,
        config: {
          type: 'scatter',
          data: {
            datasets: [
              {
                label: 'hypervolume',
                data: curve.points.map((p) => ({ x: p.trial, y: p.hypervolume })),
                tips: curve.points.map((p) => `after #${p.trial}: ${fmtNumber(p.hypervolume)}`),
                showLine: true,
                stepped: 'after',
                borderColor: COLORS.orange,
                backgroundColor: COLORS.orange,
                pointRadius: 0,
                borderWidth: 2,
              },
            ],
          },
          options: chartOptions('trial number', 'hypervolume', 0),
        },
      },
    );
  }
  blocks.push({
    kind: 'table',
    headers: ['trial', ...objectives.map((o) => o.metric), 'sources', 'params'],
    rows: view.front.map((r) => [
      `#${r.number}`,
      ...r.values!.map((v) => fmtNumber(v)),
      fmtSubset(r.sources, ' '),
      Object.entries(r.params)
        .map(([k, v]) => `${k}=${fmtParam(v)}`)
        .join(' '),
    ]),
  });
  return { id: 'pareto', title: 'Pareto front', blocks };
}
