// Escaping: user strings reach the page only as escaped HTML text or as JSON that cannot close its
// <script> element; the page allows only its own two scripts (CSP hashes) and no network.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { chartLibrary } from '../../src/report/chart-library.js';
import { escapeHtml, inlineScript, jsonForScript, renderHtml } from '../../src/report/html.js';
import type { PageModel } from '../../src/report/page-model.js';

const EVIL = [
  '<script>alert(1)</script>',
  '</script><script>alert(2)</script>',
  '<!--<script>',
  '<img src=x onerror=alert(3)>',
  '" onmouseover="alert(4)',
  "'&amp;\u2028\u2029",
];

describe('escaping', () => {
  it('escapeHtml leaves no markup character', () => {
    for (const text of EVIL) {
      const escaped = escapeHtml(text);
      expect(escaped).not.toMatch(/[<>"']/);
      expect(escaped.replace(/&#(\d+);/g, (_, code) => String.fromCharCode(Number(code)))).toBe(text);
    }
    expect(escapeHtml('<script>alert(1)</script>')).toBe('&#60;script&#62;alert(1)&#60;/script&#62;');
  });

  it('jsonForScript has no "<", ">" or "&" and parses back to the same value', () => {
    const value = { names: EVIL, nested: { [EVIL[0]!]: EVIL[1] } };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });

  it('inlineScript breaks closing tags and comment openers without changing what the code means', () => {
    const source = 'var s = "</script><!--"; var r = /<\\/SCRIPT>/;';
    const safe = inlineScript(source);
    expect(safe).not.toMatch(/<\/script/i);
    expect(safe).not.toContain('<!--');
    // eslint-disable-next-line no-new-func
    expect(new Function(`${safe}; return s;`)()).toBe('</script><!--');
  });

  it('renderHtml: the evil strings appear only escaped, exactly three scripts, and a CSP pinning their hashes', () => {
    const model: PageModel = {
      title: `tasksieve report: ${EVIL[0]}`,
      subtitle: EVIL[1]!,
      sections: [{ id: 's', title: EVIL[2]!, blocks: EVIL.map((text) => ({ kind: 'text' as const, text })) }],
    };
    const html = renderHtml(model, chartLibrary());
    for (const text of EVIL.slice(0, 4)) expect(html).not.toContain(text);
    expect(html.match(/<script\b/g)).toHaveLength(3);
    expect(html.match(/<\/script>/g)).toHaveLength(3);
    expect(html).toContain('<title>tasksieve report: &#60;script&#62;alert(1)&#60;/script&#62;</title>');
    const data = /<script type="application\/json" id="report-data">([^]*?)<\/script>/.exec(html)![1]!;
    expect(JSON.parse(data)).toEqual(model);
    const csp = /http-equiv="Content-Security-Policy" content="([^"]*)"/.exec(html)![1]!.replaceAll('&#39;', "'");
    expect(csp).toContain("default-src 'none'");
    const scripts = [...html.matchAll(/<script>([^]*?)<\/script>/g)].map((m) => m[1]!);
    expect(scripts).toHaveLength(2);
    for (const source of scripts) {
      expect(csp).toContain(`'sha256-${createHash('sha256').update(source, 'utf8').digest('base64')}'`);
    }
    expect(scripts[0]).toContain('Chart.js v4');
  });
});
