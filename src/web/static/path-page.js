// One path: its figures, the history chart over a chosen range (zoomable by dragging), the hop list
// and the state changes and tickets in range. The default range is fitted to the data: from the first
// stored point (at most FIT_MAX_MS back) to now, with a little room before it, so five minutes of data
// fill the chart instead of a sliver of a fixed six hours. Live: a round or a transition of this path
// re-reads the chart when the range ends now.
//
// Under it, SmokePing's view: the last 3 hours, 30 hours and 10 days at once, each with its RTT smoke
// and loss, so a short spike and a slow drift are both in sight without choosing a range; a drag on one
// shows that stretch in the main chart.
import { api, liveEvents, throttle } from './api.js';
import { ago, escapeHtml, ms, pct, time } from './format.js';
import { HistoryChart } from './chart.js';
import { timeZone } from './chart-time.js';

const $ = (id) => document.getElementById(id);
const id = new URLSearchParams(location.search).get('id') ?? '';
const FIT_MAX_MS = 7 * 86400e3;
/** 'fit' (the data's own span) or a fixed span in ms ending now. */
let rangeMs = 'fit';
let zoom = null;
let firstSeenMs = null;
const chart = new HistoryChart($('chart'), $('tip'), (since, until) => {
  zoom = { since, until };
  $('reset').hidden = false;
  loadHistory();
});

/** The three fixed ranges, each a HistoryChart over its own canvas (path.html's `.range-chart`). */
const rangeCharts = [...document.querySelectorAll('canvas.range-chart')].map((canvas) => ({
  canvas,
  spanMs: Number(canvas.dataset.spanMs),
  chart: new HistoryChart(
    canvas,
    canvas.parentElement.querySelector('.tip'),
    (since, until) => {
      zoom = { since, until };
      $('reset').hidden = false;
      loadHistory().catch(showError);
      $('chart').scrollIntoView({ block: 'center' });
    },
    { lanes: 2, fitToData: true },
  ),
}));

/** Reads and draws each fixed range, ending now; one failing leaves the others drawn. */
async function loadRanges() {
  const nowMs = Date.now();
  await Promise.all(
    rangeCharts.map(async ({ canvas, spanMs, chart }) => {
      const since = nowMs - spanMs;
      const maxPoints = Math.max(50, Math.min(1000, Math.round(canvas.clientWidth / 2)));
      const history = await api(`/api/paths/${encodeURIComponent(id)}/history?since=${since}&until=${nowMs}&maxPoints=${maxPoints}`);
      chart.show({ ...history, maxPoints }, { sinceMs: since, untilMs: nowMs });
    }),
  );
}

async function loadPath() {
  const path = await api(`/api/paths/${encodeURIComponent(id)}`);
  document.title = `pathmon: ${path.names.join(' › ')}`;
  firstSeenMs = path.record.firstSeenMs ?? null;
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
      (i) =>
        `<div class="card">explained by<b><span class="kind ${i.kind}">${i.kind}</span> ${escapeHtml(i.label)}</b><span class="muted"><a href="/incidents#${encodeURIComponent(i.id)}">${escapeHtml(i.summary)}</a></span></div>`,
    ),
  ].join('');
  $('hops').querySelector('tbody').innerHTML = path.record.hops.map((hop, i) => `<tr><td>${i + 1}</td><td>${escapeHtml(path.record.hopNames[i] ?? '')}</td><td>${escapeHtml(hop)}</td></tr>`).join('');
}

/**
 * When this path's data begins, within FIT_MAX_MS: the first point of a two-point history (the store
 * dates a point by its earliest member), and never before the path was first planned.
 */
async function firstDataMs(nowMs) {
  const since = Math.max(nowMs - FIT_MAX_MS, firstSeenMs ?? 0);
  if (since >= nowMs) return null;
  const probe = await api(`/api/paths/${encodeURIComponent(id)}/history?since=${since}&until=${nowMs}&maxPoints=2`);
  const first = probe.points[0]?.atMs;
  return first == null ? null : Math.max(first, firstSeenMs ?? first);
}

/** The range to read (`since`..`until`, until never past now) and the range to show (`view`). */
async function chosenRange() {
  const nowMs = Date.now();
  if (zoom) return { since: zoom.since, until: Math.max(zoom.since + 1, Math.min(zoom.until, nowMs)), view: { sinceMs: zoom.since, untilMs: zoom.until } };
  if (rangeMs !== 'fit') return { since: nowMs - rangeMs, until: nowMs, view: { sinceMs: nowMs - rangeMs, untilMs: nowMs } };
  const first = await firstDataMs(nowMs);
  if (first == null) return { since: nowMs - 3600e3, until: nowMs, view: { sinceMs: nowMs - 3600e3, untilMs: nowMs } };
  // Room before the first point (3 % of the span, at least 5 s) so it is not drawn against the frame;
  // hardly any after now, which has no data yet and is not a gap in it.
  const padMs = Math.max(5e3, (nowMs - first) * 0.03);
  const since = first - padMs;
  return { since, until: nowMs, view: { sinceMs: since, untilMs: nowMs + Math.min(padMs, 60e3) } };
}

async function loadHistory() {
  const { since, until, view } = await chosenRange();
  const maxPoints = Math.max(50, Math.min(2000, Math.round($('chart').clientWidth / 2)));
  const history = await api(`/api/paths/${encodeURIComponent(id)}/history?since=${Math.round(since)}&until=${Math.round(until)}&maxPoints=${maxPoints}`);
  chart.show({ ...history, maxPoints }, view);
  $('range-note').textContent = `showing ${span(view.untilMs - view.sinceMs)} · drag across the chart to zoom`;
  const rows = [
    ...history.transitions.map((t) => ({ atMs: t.atMs, html: `<td>${t.from ?? '–'} → <span class="state ${t.to}">${t.to}</span></td><td>${escapeHtml(t.reason)}</td>` })),
    ...history.tickets.map((t) => ({ atMs: t.openedAtMs, html: `<td>ticket #${t.ticketId} opened</td><td>state ${t.lastState}</td>` })),
  ].sort((a, b) => b.atMs - a.atMs);
  $('events').querySelector('tbody').innerHTML = rows.map((r) => `<tr><td>${time(r.atMs)}</td>${r.html}</tr>`).join('') || '<tr><td colspan="3" class="muted">none</td></tr>';
}

/** A duration as a person would say it: 5 min 18 s, 6.2 h, 7.4 d. */
function span(durationMs) {
  const s = durationMs / 1000;
  if (s < 600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  if (s < 3 * 3600) return `${Math.round(s / 60)} min`;
  if (s < 3 * 86400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86400).toFixed(1)} d`;
}

/** The legend: what each colour is, and the zone the times are in. */
function legend() {
  const zone = timeZone();
  const swatch = (kind, text) => `<span><i class="${kind}"></i>${text}</span>`;
  $('chart-legend').innerHTML = [
    swatch('p50', 'p50 RTT'),
    swatch('p95', 'p95 RTT'),
    swatch('smoke-p95', 'min–p95'),
    swatch('smoke-p99', 'p95–p99'),
    swatch('smoke-max', 'p99–max'),
    swatch('loss', 'loss'),
    swatch('no-data', 'no data'),
    `<span id="time-zone">times in ${escapeHtml(zone.text)}</span>`,
  ].join('');
  $('events').querySelector('thead th').textContent = `time (${zone.offset})`;
}

for (const button of document.querySelectorAll('#ranges button[data-range]')) {
  button.addEventListener('click', () => {
    rangeMs = button.dataset.range === 'fit' ? 'fit' : Number(button.dataset.range);
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
  for (const button of document.querySelectorAll('#ranges button[data-range]')) {
    button.classList.toggle('current', (button.dataset.range === 'fit' ? 'fit' : Number(button.dataset.range)) === rangeMs);
  }
}
function showError(error) {
  $('title').textContent = error.message;
}

markRange();
legend();
loadPath()
  .then(() => Promise.all([loadHistory(), loadRanges()]))
  .catch(showError);
const refresh = throttle(() => {
  loadPath().catch(showError);
  if (!zoom) loadHistory().catch(showError);
  loadRanges().catch(showError);
}, 2000);
liveEvents({
  round: refresh,
  transition: (update) => update.pathId === id && refresh(),
});
