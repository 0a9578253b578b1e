// The benchmarks `npm run bench -- NAME` knows. Add yours here.
import { adaptation } from './adaptation.js';
import { agreement } from './agreement.js';
import { artifacts } from './artifacts.js';
import { crashResume } from './crash-resume.js';
import { halving } from './halving.js';
import { memory } from './memory.js';
import { multiobjective } from './multiobjective.js';
import { overhead } from './overhead.js';
import { overheadPg } from './overhead-pg.js';
import { recommendation } from './recommendation.js';
import { reportBench } from './report.js';
import { samplers } from './samplers.js';
import { subsets } from './subsets.js';
import { selection } from './selection.js';
import { soakBench } from './soak.js';
import { training } from './training.js';
import { warmstart } from './warmstart.js';
import type { Benchmark } from './benchmark.js';

export const BENCHMARKS: Record<string, Benchmark> = {
  adaptation,
  agreement,
  artifacts,
  'crash-resume': crashResume,
  halving,
  memory,
  multiobjective,
  overhead,
  'overhead-pg': overheadPg,
  recommendation,
  report: reportBench,
  samplers,
  subsets,
  selection,
  soak: soakBench,
  training,
  warmstart,
};
