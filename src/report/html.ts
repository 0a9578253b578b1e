// Renders a PageModel into one self-contained HTML file: the model as JSON in a non-executed
// <script type="application/json"> block, Chart.js and the page script inlined, and a Content
// Security Policy that allows only those two scripts (by hash) and no network at all. Main thread; pure.
import { createHash } from 'node:crypto';
import type { ChartLibrary } from './chart-library.js';
import type { PageModel } from './page-model.js';
import { PAGE_SCRIPT } from './page-script.js';

/** Text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * JSON that can sit inside a <script> element: `<`, `>` and `&` become \u escapes, so no string in it
 * can close the element (`</script>`) or open a comment (`<!--`); JSON.parse reads it back unchanged.
 * U+2028/U+2029 are escaped too, for readers that treat the block as JavaScript.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Script source made safe to inline: an HTML parser must not see a closing tag or a comment opener. */
export function inlineScript(source: string): string {
  return source.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

const STYLE = `
:root { color-scheme: light; --fg: #111827; --muted: #6b7280; --line: #e5e7eb; --bg: #ffffff; --panel: #f9fafb; }
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 14px/1.5 "DejaVu Sans", "Liberation Sans", Arial, sans-serif; }
main { max-width: 1120px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; overflow-wrap: anywhere; }
h2 { font-size: 17px; margin: 0 0 10px; padding-bottom: 4px; border-bottom: 1px solid var(--line); }
.subtitle { color: var(--muted); margin: 0 0 12px; }
nav { display: flex; flex-wrap: wrap; gap: 6px 14px; margin: 0 0 18px; padding: 8px 12px; background: var(--panel); border: 1px solid var(--line); border-radius: 6px; }
nav a { color: #1d4ed8; text-decoration: none; font-size: 13px; }
section { margin: 0 0 28px; }
p { margin: 6px 0 10px; }
.note { color: #374151; background: #fffbeb; border: 1px solid #fde68a; border-radius: 6px; padding: 8px 12px; }
.chart { position: relative; width: 100%; margin: 8px 0 14px; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; }
table.kv th { text-align: left; font-weight: 600; padding: 3px 16px 3px 0; vertical-align: top; white-space: nowrap; }
table.kv td { padding: 3px 0; overflow-wrap: anywhere; }
table.grid { width: 100%; font-size: 13px; }
table.grid th, table.grid td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
table.grid th { background: var(--panel); font-weight: 600; white-space: nowrap; }
table.grid td { overflow-wrap: anywhere; }
.tone-good { color: #15803d; font-weight: 600; }
.tone-bad { color: #b91c1c; font-weight: 600; }
.tone-muted { color: var(--muted); }
details { margin: 8px 0; }
summary { cursor: pointer; color: #1d4ed8; }
pre { background: var(--panel); border: 1px solid var(--line); border-radius: 6px; padding: 10px; overflow: auto; max-height: 420px; font-size: 12px; }
footer { color: var(--muted); font-size: 12px; border-top: 1px solid var(--line); padding-top: 8px; }
`;

export function renderHtml(model: PageModel, library: ChartLibrary): string {
  const chartJs = inlineScript(library.source);
  const page = inlineScript(PAGE_SCRIPT);
  const csp = [
    "default-src 'none'",
    `script-src ${sha256(chartJs)} ${sha256(page)}`,
    `style-src ${sha256(STYLE)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(model.title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main id="report"><noscript>This report draws its content with JavaScript; open it in a browser with scripts enabled.</noscript></main>
<main><footer>Made by tasksieve; charts by ${escapeHtml(library.name)} ${escapeHtml(library.version)} (MIT licence), inlined: the file needs no network.</footer></main>
<script type="application/json" id="report-data">${jsonForScript(model)}</script>
<script>${chartJs}</script>
<script>${page}</script>
</body>
</html>
`;
}
