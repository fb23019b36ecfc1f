// One path: its figures, the history chart over a chosen range (1 h .. 30 d, zoomable by dragging), the
// hop list and the state changes and tickets in range. Live: a round or a transition of this path
// re-reads the chart when the range ends now.
import { api, liveEvents, throttle } from './api.js';
import { ago, escapeHtml, ms, pct, time } from './format.js';
import { HistoryChart } from './chart.js';

const $ = (id) => document.getElementById(id);
const id = new URLSearchParams(location.search).get('id') ?? '';
let rangeMs = 6 * 3600e3;
let zoom = null;
const chart = new HistoryChart($('chart'), $('tip'), (since, until) => {
  zoom = { since, until };
  $('reset').hidden = false;
  loadHistory();
});

async function loadPath() {
  const path = await api(`/api/paths/${encodeURIComponent(id)}`);
  document.title = `pathmon: ${path.names.join(' › ')}`;
  $('title').textContent = path.names.join(' › ');
  const last = path.last;
  $('cards').innerHTML = [
    `<div class="card">state<b><span class="state ${path.state}" id="state">${path.state}</span></b><span class="muted">for ${ago(path.stateSinceMs)}</span></div>`,
    `<div class="card">last round p50 / p95<b>${ms(last?.p50Ms)} / ${ms(last?.p95Ms)} ms</b><span class="muted">loss ${pct(last?.lossPct)} %, jitter ${ms(last?.jitterMs)} ms</span></div>`,
    `<div class="card">last hour p50 / p95<b>${ms(path.hour?.p50Ms)} / ${ms(path.hour?.p95Ms)} ms</b><span class="muted">loss ${pct(path.hour?.lossPct)} %</span></div>`,
    `<div class="card">thresholds<b>${path.thresholds.delayMs} ms · ${path.thresholds.lossPct} %</b><span class="muted">group ${escapeHtml(path.group)}</span></div>`,
    `<div class="card">ticket<b>${path.openTicket ? `#${path.openTicket.ticketId}` : 'none open'}</b><span class="muted">id ${escapeHtml(path.id)}</span></div>`,
    // A link incident that explains this path: the path's trouble (and ticket) is that link's.
    ...(path.incidents ?? []).map(
      (i) => `<div class="card">explained by<b><span class="kind ${i.kind}">${i.kind}</span> ${escapeHtml(i.label)}</b><span class="muted"><a href="/incidents#${encodeURIComponent(i.id)}">${escapeHtml(i.summary)}</a></span></div>`,
    ),
  ].join('');
  $('hops').querySelector('tbody').innerHTML = path.record.hops
    .map((hop, i) => `<tr><td>${i + 1}</td><td>${escapeHtml(path.record.hopNames[i] ?? '')}</td><td>${escapeHtml(hop)}</td></tr>`)
    .join('');
}

async function loadHistory() {
  const until = zoom ? zoom.until : Date.now();
  const since = zoom ? zoom.since : until - rangeMs;
  const maxPoints = Math.max(50, Math.min(2000, Math.round($('chart').clientWidth / 2)));
  const history = await api(`/api/paths/${encodeURIComponent(id)}/history?since=${since}&until=${until}&maxPoints=${maxPoints}`);
  chart.show(history);
  const rows = [
    ...history.transitions.map((t) => ({ atMs: t.atMs, html: `<td>${t.from ?? '–'} → <span class="state ${t.to}">${t.to}</span></td><td>${escapeHtml(t.reason)}</td>` })),
    ...history.tickets.map((t) => ({ atMs: t.openedAtMs, html: `<td>ticket #${t.ticketId} opened</td><td>state ${t.lastState}</td>` })),
  ].sort((a, b) => b.atMs - a.atMs);
  $('events').querySelector('tbody').innerHTML = rows.map((r) => `<tr><td>${time(r.atMs)}</td>${r.html}</tr>`).join('') || '<tr><td colspan="3" class="muted">none</td></tr>';
}

for (const button of document.querySelectorAll('#ranges button[data-range]')) {
  button.addEventListener('click', () => {
    rangeMs = Number(button.dataset.range);
    zoom = null;
    $('reset').hidden = true;
    markRange();
    loadHistory().catch(showError);
  });
}
$('reset').addEventListener('click', () => {
  zoom = null;
  $('reset').hidden = true;
  loadHistory().catch(showError);
});
function markRange() {
  for (const button of document.querySelectorAll('#ranges button[data-range]')) button.classList.toggle('current', Number(button.dataset.range) === rangeMs);
}
function showError(error) {
  $('title').textContent = error.message;
}

markRange();
loadPath().then(loadHistory).catch(showError);
const refresh = throttle(() => {
  loadPath().catch(showError);
  if (!zoom) loadHistory().catch(showError);
}, 2000);
liveEvents({
  round: refresh,
  transition: (update) => update.pathId === id && refresh(),
});
