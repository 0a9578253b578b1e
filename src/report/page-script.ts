// The report page's own script (runs in the browser, inlined by html.ts): reads the page model from
// the JSON data block, builds the DOM with textContent only (never innerHTML: every string may be
// user-provided) and draws the Chart.js charts. Plain ES2017 in a string; imports nothing.

export const PAGE_SCRIPT = String.raw`(function () {
  'use strict';
  var TONES = { good: 1, bad: 1, muted: 1 };
  var model = JSON.parse(document.getElementById('report-data').textContent);
  var root = document.getElementById('report');

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function cell(tag, value) {
    if (value !== null && typeof value === 'object') {
      return el(tag, TONES[value.tone] ? 'tone-' + value.tone : null, value.text);
    }
    return el(tag, null, value);
  }

  var charts = [];

  function block(b) {
    switch (b.kind) {
      case 'text': return el('p', null, b.text);
      case 'note': return el('p', 'note', b.text);
      case 'kv': {
        var kv = el('table', 'kv');
        b.rows.forEach(function (row) {
          var tr = el('tr');
          tr.appendChild(el('th', null, row[0]));
          tr.appendChild(el('td', null, row[1]));
          kv.appendChild(tr);
        });
        return kv;
      }
      case 'table': {
        var wrap = el('div', 'table-wrap');
        var table = el('table', 'grid');
        var head = el('tr');
        b.headers.forEach(function (h) { head.appendChild(el('th', null, h)); });
        var thead = el('thead');
        thead.appendChild(head);
        table.appendChild(thead);
        var tbody = el('tbody');
        b.rows.forEach(function (row) {
          var tr = el('tr');
          row.forEach(function (c) { tr.appendChild(cell('td', c)); });
          tbody.appendChild(tr);
        });
        table.appendChild(tbody);
        wrap.appendChild(table);
        return wrap;
      }
      case 'chart': {
        var box = el('div', 'chart');
        box.style.height = Number(b.height) + 'px';
        var canvas = el('canvas');
        canvas.setAttribute('data-chart', b.id);
        box.appendChild(canvas);
        charts.push({ id: b.id, canvas: canvas, box: box, config: b.config });
        return box;
      }
      case 'details': {
        var details = el('details');
        details.appendChild(el('summary', null, b.summary));
        details.appendChild(el('pre', null, b.text));
        return details;
      }
      default: return el('p', 'note', 'unknown block ' + b.kind);
    }
  }

  root.appendChild(el('h1', null, model.title));
  root.appendChild(el('p', 'subtitle', model.subtitle));
  var nav = el('nav');
  model.sections.forEach(function (s) {
    var a = el('a', null, s.title);
    a.href = '#' + encodeURIComponent(s.id);
    nav.appendChild(a);
  });
  root.appendChild(nav);
  model.sections.forEach(function (s) {
    var section = el('section');
    section.id = s.id;
    section.appendChild(el('h2', null, s.title));
    s.blocks.forEach(function (b) { section.appendChild(block(b)); });
    root.appendChild(section);
  });

  // The two JSON conventions of the page model that stand in for Chart.js callbacks.
  function prepare(config) {
    var options = config.options || (config.options = {});
    var plugins = options.plugins || (options.plugins = {});
    var tooltip = plugins.tooltip || (plugins.tooltip = {});
    tooltip.callbacks = {
      label: function (ctx) {
        var tips = ctx.dataset.tips;
        if (tips && tips[ctx.dataIndex] !== undefined && tips[ctx.dataIndex] !== null) return String(tips[ctx.dataIndex]);
        return (ctx.dataset.label || '') + ': ' + ctx.formattedValue;
      }
    };
    var scales = options.scales || {};
    Object.keys(scales).forEach(function (key) {
      var labels = scales[key].tickLabels;
      if (!labels) return;
      // One tick per label at 0, 1, 2, ... whatever the axis range (which is padded by half a step).
      scales[key].afterBuildTicks = function (scale) {
        scale.ticks = labels.map(function (_, i) { return { value: i }; });
      };
      scales[key].ticks = scales[key].ticks || {};
      scales[key].ticks.callback = function (value) {
        var label = labels[Math.round(value)];
        return label === undefined ? '' : label;
      };
    });
    return config;
  }

  var drawn = 0;
  charts.forEach(function (c) {
    try {
      var started = performance.now();
      new Chart(c.canvas, prepare(c.config));
      // How long each chart took to draw, for the report benchmark.
      c.canvas.setAttribute('data-ms', String(Math.round(performance.now() - started)));
      drawn++;
    } catch (error) {
      c.box.appendChild(el('p', 'note', 'This chart could not be drawn: ' + (error && error.message)));
      console.error('chart ' + c.id + ' failed', error);
    }
  });
  document.documentElement.setAttribute('data-charts', String(drawn));
  document.documentElement.setAttribute('data-ready', 'true');
})();
`;
