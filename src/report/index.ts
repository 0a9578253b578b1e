// The HTML report of a study: read a consistent snapshot from the store, build the page, render it
// into one self-contained file. Main thread; public names of src/report.
import type { Store } from '../store/types.js';
import { chartLibrary } from './chart-library.js';
import { collectReport, type ReportData } from './collect.js';
import { renderHtml } from './html.js';
import { buildPage, type SectionOptions } from './sections.js';

export { collectReport, type ReportData, type ReportTrial, type ReportUnit } from './collect.js';
export { paramImportance, type ImportanceResult, type ParamImportance } from './importance.js';
export { sourceInclusion, welchInterval, type SourceInclusion } from './source-inclusion.js';
export { buildPage, type SectionOptions } from './sections.js';
export { escapeHtml, jsonForScript, renderHtml } from './html.js';
export type { Block, Cell, PageModel, Section } from './page-model.js';

/** The report's HTML for a snapshot already read. */
export function renderReport(data: ReportData, options: SectionOptions = {}): string {
  return renderHtml(buildPage(data, options), chartLibrary());
}

/** Reads the study's snapshot and renders it; null when the store has no study of that name. */
export function studyReport(store: Store, name: string, options: SectionOptions = {}): { html: string; data: ReportData } | null {
  const data = collectReport(store, name);
  return data ? { html: renderReport(data, options), data } : null;
}
