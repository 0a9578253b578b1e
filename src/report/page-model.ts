// The report page as plain JSON data: sections of blocks (text, key-value lists, tables, charts) that
// the page's own script turns into DOM nodes with textContent and into Chart.js charts. Types only;
// imported by the main-thread builders; the browser sees the same shapes as JSON.
import type { Json } from '../spec/records.js';

/** A table cell: text, or text with a tone the page colours (good / bad / muted). */
export type Cell = string | { readonly text: string; readonly tone: 'good' | 'bad' | 'muted' };

export type Block =
  | { readonly kind: 'text'; readonly text: string }
  /** An empty state or a caveat, set apart from the text. */
  | { readonly kind: 'note'; readonly text: string }
  | { readonly kind: 'kv'; readonly rows: readonly (readonly [string, string])[] }
  | { readonly kind: 'table'; readonly headers: readonly string[]; readonly rows: readonly (readonly Cell[])[] }
  /**
   * A Chart.js chart. `config` is plain JSON; two conventions stand in for callbacks: a dataset's
   * `tips` (one string per point) becomes its tooltip text, and `tickLabels` on a linear axis names
   * its integer ticks.
   */
  | { readonly kind: 'chart'; readonly id: string; readonly height: number; readonly config: Json }
  | { readonly kind: 'details'; readonly summary: string; readonly text: string };

export interface Section {
  readonly id: string;
  readonly title: string;
  readonly blocks: readonly Block[];
}

export interface PageModel {
  readonly title: string;
  readonly subtitle: string;
  readonly sections: readonly Section[];
}
