import { chartRuntime, chartStyles } from '@tensorfleet/coordinator';

const styles = `
body{font-family:system-ui,sans-serif;margin:1.5em 2em;color:#222}
header{display:flex;align-items:baseline;gap:1.5em;flex-wrap:wrap}
h1{margin:0 0 0.2em} #status{color:#444} #live{font-size:0.85em;color:#888}
.step{font-size:1.4em;font-weight:600} .step span{font-variant-numeric:tabular-nums}
table{border-collapse:collapse;font-size:0.85em;margin:0.6em 1.5em 0.6em 0;vertical-align:top}
td,th{border:1px solid #ccc;padding:2px 8px;text-align:left} th{background:#f4f4f4}
td.num{text-align:right;font-variant-numeric:tabular-nums}
tr.straggler td{background:#fff3cd} .mark{color:#b8860b;font-weight:600}
tr[data-state=running] td{background:#eef8ee} tr[data-state=crashed] td,tr[data-state=failed] td{color:#a33}
#tables{display:flex;flex-wrap:wrap;align-items:flex-start}
#alerts{font-size:0.85em;color:#8a4b00;background:#fff8e6;border:1px solid #f0d8a8;padding:0.4em 0.4em 0.4em 1.6em;margin:0.4em 0;font-family:ui-monospace,monospace}
.hidden{display:none}
`;

/** The browser side: one EventSource; each `state` event redraws the tables and every chart whose spec changed. */
const script = `(() => {
  const $ = (s) => document.querySelector(s);
  const el = (tag, text, cls) => { const e = document.createElement(tag); if (text !== undefined) e.textContent = text; if (cls) e.className = cls; return e; };
  const fmt = (v, d = 1) => (v === null || v === undefined || Number.isNaN(v) ? '–' : Number(v).toFixed(d));
  const drawn = new Map();
  function table(target, headers, rows) {
    const t = $(target);
    t.textContent = '';
    if (headers.length) {
      const head = el('tr');
      for (const h of headers) head.append(el('th', h));
      const thead = el('thead'); thead.append(head); t.append(thead);
    }
    const body = el('tbody');
    for (const r of rows) body.append(r);
    t.append(body);
  }
  function render(s) {
    document.title = s.title;
    $('#title').textContent = s.title;
    $('#status').textContent = s.status;
    $('#step-box').classList.toggle('hidden', s.step === null);
    $('#step').textContent = s.step === null ? '' : String(s.step);
    table('#facts', [], s.facts.map(([k, v]) => { const tr = el('tr'); tr.append(el('th', k), el('td', v)); return tr; }));
    $('#workers').classList.toggle('hidden', !s.workers || s.workers.length === 0);
    if (s.workers) table('#workers', ['rank', 'worker', 'host', 'step', 'last heard', 'compute ms', 'late ms', 'staleness', 'straggler?'], s.workers.map((w) => {
      const tr = el('tr', undefined, w.straggler ? 'straggler' : '');
      tr.dataset.rank = String(w.rank);
      tr.append(el('td', String(w.rank), 'num'), el('td', w.worker), el('td', w.host), el('td', String(w.step), 'num'),
        el('td', w.heardAgo === null ? '–' : fmt(w.heardAgo) + ' s ago', 'num'), el('td', fmt(w.computeMs), 'num'),
        el('td', fmt(w.lateMs), 'num'), el('td', fmt(w.staleness, 0), 'num'), el('td', w.straggler ? 'straggler' : 'no', w.straggler ? 'mark' : ''));
      return tr;
    }));
    $('#trials').classList.toggle('hidden', !s.trials);
    if (s.trials) table('#trials', s.trials.headers, s.trials.rows.map((r) => {
      const tr = el('tr'); tr.dataset.trial = String(r.trial); tr.dataset.state = r.state;
      for (const c of r.cells) tr.append(el('td', c));
      return tr;
    }));
    const alerts = $('#alerts');
    alerts.classList.toggle('hidden', s.alerts.length === 0);
    alerts.textContent = '';
    for (const a of s.alerts) alerts.append(el('li', a));
    const box = $('#charts');
    for (const p of s.charts) {
      let fig = document.getElementById('chart-' + p.id);
      if (!fig) {
        fig = el('figure', undefined, 'chart'); fig.id = 'chart-' + p.id; fig.dataset.chart = p.id;
        fig.append(el('figcaption', p.title), el('div', undefined, 'view'));
        box.append(fig);
      }
      const json = JSON.stringify(p);
      if (drawn.get(p.id) !== json) { drawn.set(p.id, json); window.tensorfleetCharts.render(fig, p); }
    }
    $('#live').textContent = 'updated ' + new Date().toLocaleTimeString();
  }
  const events = new EventSource('events');
  events.addEventListener('state', (e) => render(JSON.parse(e.data)));
  events.onerror = () => { $('#live').textContent = 'disconnected; retrying…'; };
})();`;

/** The dashboard page: an empty frame that the first server-sent `state` event fills. */
export function dashboardPage(): string {
  return [
    '<!doctype html><html><head><meta charset="utf-8"><title>tensorfleet dashboard</title>',
    `<style>${styles}\n${chartStyles}</style></head><body>`,
    '<header><h1 id="title">tensorfleet</h1><div id="step-box" class="step hidden">step <span id="step"></span></div><div id="live">connecting…</div></header>',
    '<p id="status"></p>',
    '<div id="tables"><table id="facts"></table><table id="workers" class="hidden"></table></div>',
    '<ul id="alerts" class="hidden"></ul>',
    '<table id="trials" class="hidden"></table>',
    '<div id="charts"></div>',
    chartRuntime(),
    `<script>${script}</script>`,
    '</body></html>',
  ].join('\n');
}
