// The events page: device syslog events from the store, newest first, with the filters the API takes
// (host, severity, code, status, text, unparsed only) kept in the URL's query so a filtered view can be
// shared. Rows expand to the raw line and what was read from it. Re-read every 10 s: the live stream
// carries monitor updates, not syslog.
//
// Below, the action runs the remediation rules queued (GET /api/action-runs), with their own filters
// (status, rule, event) kept in the URL too. A run's output is untrusted text (a device's message, a
// command's print): it is only ever put in the page escaped, collapsed until opened, and a run whose
// output was longer than the list carries is read whole (GET /api/action-runs/ID) when opened. Each
// event row shows its runs' states; clicking one lists that event's runs.
import { api } from './api.js';
import { ago, escapeHtml, time } from './format.js';

const $ = (id) => document.getElementById(id);
const form = $('filters');
const SEVERITY = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
const FIELDS = ['host', 'severity', 'code', 'status', 'q'];
const runForm = $('run-filters');
const RUN_FIELDS = ['runStatus', 'runRule', 'runEvent'];
const RUN_PARAM = { runStatus: 'status', runRule: 'rule', runEvent: 'event' };
let runs = [];
let nextRunBefore = null;
const openOutputs = new Set();
const fullOutputs = new Map();
let rangeMs = 86400e3;
let shown = [];
const expanded = new Set();

function queryFromForm(before) {
  const params = new URLSearchParams({ since: `-${Math.round(rangeMs / 3600e3)}h`, limit: '500' });
  for (const name of FIELDS) {
    const value = form.elements[name].value.trim();
    if (value) params.set(name, value);
  }
  if (form.elements.unparsed.checked) params.set('parsed', 'false');
  if (before) params.set('before', String(before));
  return params;
}

function formFromUrl() {
  const params = new URLSearchParams(location.search);
  for (const name of FIELDS) if (params.has(name)) form.elements[name].value = params.get(name);
  form.elements.unparsed.checked = params.get('parsed') === 'false';
  for (const name of RUN_FIELDS) if (params.has(name)) runForm.elements[name].value = params.get(name);
  const range = Number(params.get('range'));
  if (range > 0) rangeMs = range;
}

function runQuery(before) {
  const params = new URLSearchParams({ since: `-${Math.round(rangeMs / 3600e3)}h`, limit: '100' });
  for (const name of RUN_FIELDS) {
    const value = runForm.elements[name].value.trim();
    if (value) params.set(RUN_PARAM[name], value);
  }
  if (before) params.set('before', String(before));
  return params;
}

function runBadges(eventRuns) {
  if (!eventRuns?.length) return '<span class="muted">–</span>';
  return eventRuns.map((r) => `<a href="#action-runs" class="run ${escapeHtml(r.state)}" data-run-event title="run ${r.id} (rule ${escapeHtml(r.rule)})">${escapeHtml(r.state)}</a>`).join('');
}

function duration(run) {
  if (run.durationMs == null) return '<span class="muted">–</span>';
  return run.durationMs < 1000 ? `${run.durationMs.toFixed(0)} ms` : `${(run.durationMs / 1000).toFixed(1)} s`;
}

function trigger(run) {
  const parts = [];
  if (run.eventId != null) parts.push(`<a href="#event-${run.eventId}" data-event-link="${run.eventId}">event ${run.eventId}</a>`);
  if (run.incidentId) parts.push(`<a href="/incidents#${encodeURIComponent(run.incidentId)}">incident ${escapeHtml(run.incidentId)}</a>`);
  if (run.isolationId != null) parts.push(`<span class="muted">isolation ${run.isolationId}</span>`);
  return parts.join('<br>') || '<span class="muted">–</span>';
}

function outputCell(run) {
  const text = fullOutputs.get(run.id) ?? run.output ?? '';
  const error = run.error ? `<div class="flag">${escapeHtml(run.error)}</div>` : '';
  if (!text) return `${error}<span class="muted">${run.state === 'QUEUED' || run.state === 'RUNNING' ? 'not yet' : 'no output'}</span>`;
  const more = !fullOutputs.has(run.id) && run.outputChars > text.length ? ` (${run.outputChars} characters; opening reads them all)` : '';
  const lines = text.split('\n').length;
  return `${error}<details data-run-id="${run.id}"${openOutputs.has(run.id) ? ' open' : ''}><summary>${lines} line(s)${more}</summary><pre class="output">${escapeHtml(text)}</pre></details>`;
}

function runRow(run, nowMs) {
  const started = run.startedAtMs == null ? '<span class="muted">–</span>' : `<span title="${time(run.startedAtMs)}">${ago(run.startedAtMs, nowMs)} ago</span>`;
  return (
    `<tr class="action-run" data-run-id="${run.id}"><td>${run.id}</td><td>${escapeHtml(run.rule)}</td><td>${escapeHtml(run.actionKind)}<div class="muted">${escapeHtml(run.target)}</div></td>` +
    `<td>${trigger(run)}</td><td><span class="run ${escapeHtml(run.state)}">${escapeHtml(run.state)}</span></td><td>${started}</td>` +
    `<td class="num">${duration(run)}</td><td class="num">${run.exitCode ?? '<span class="muted">–</span>'}</td><td class="output">${outputCell(run)}</td></tr>`
  );
}

function renderRuns(nowMs) {
  $('runs').querySelector('tbody').innerHTML = runs.map((r) => runRow(r, nowMs)).join('') || '<tr><td colspan="9" class="muted">No action run matches in this range.</td></tr>';
  $('more-runs').hidden = nextRunBefore === null;
}

async function loadRuns() {
  const body = await api(`/api/action-runs?${runQuery()}`);
  runs = body.runs;
  nextRunBefore = body.nextBefore;
  renderRuns(body.nowMs);
  $('run-summary').textContent = body.available ? `${runs.length}${nextRunBefore ? '+' : ''} run(s) in range` : 'this store keeps no action runs';
  document.body.dataset.runsVersion = String(Number(document.body.dataset.runsVersion ?? 0) + 1);
}

async function moreRuns() {
  const body = await api(`/api/action-runs?${runQuery(nextRunBefore)}`);
  runs = [...runs, ...body.runs];
  nextRunBefore = body.nextBefore;
  renderRuns(body.nowMs);
}

/** An opened output longer than the list carried is read whole, once. */
async function readWholeOutput(details) {
  const id = Number(details.dataset.runId);
  const run = runs.find((r) => r.id === id);
  if (!run || fullOutputs.has(id) || run.outputChars <= (run.output ?? '').length) return;
  const body = await api(`/api/action-runs/${id}`);
  fullOutputs.set(id, body.run.output ?? '');
  details.querySelector('pre').textContent = body.run.output ?? '';
  details.querySelector('summary').textContent = `${(body.run.output ?? '').split('\n').length} line(s)`;
}

function row(event, nowMs) {
  const flags = [event.truncated ? 'truncated' : '', event.invalidUtf8 ? 'bad UTF-8' : '']
    .filter(Boolean)
    .map((f) => `<span class="flag">${f}</span>`)
    .join('');
  const host = event.host === event.sourceAddress ? escapeHtml(event.host) : `${escapeHtml(event.host)} <span class="muted">${escapeHtml(event.sourceAddress)}</span>`;
  const severity = event.severity == null ? '<span class="muted">–</span>' : `<span class="sev s${event.severity}">${SEVERITY[event.severity]}</span>`;
  const code = event.parsed ? (event.errorCode ? `<code>${escapeHtml(event.errorCode)}</code>` : '<span class="muted">–</span>') : '<span class="muted">unparsed</span>';
  const incident = event.incidentId ? `<a href="/incidents#${encodeURIComponent(event.incidentId)}">${escapeHtml(event.incidentId)}</a>` : '<span class="muted">–</span>';
  return `<tr class="event${event.parsed ? '' : ' unparsed'}" id="event-${event.id}" data-event-id="${event.id}"><td><span title="${time(event.receivedAtMs)}">${ago(event.receivedAtMs, nowMs)} ago</span></td><td>${host}</td><td>${severity}</td><td>${code}</td><td>${escapeHtml(event.status)}</td><td class="runs">${runBadges(event.runs)}</td><td>${incident}</td><td class="message">${escapeHtml(event.message)}${flags}</td></tr>`;
}

function detail(event) {
  const facts = Object.entries(event.facts ?? {})
    .map(([k, v]) => `${escapeHtml(k)}=${escapeHtml(v)}`)
    .join(', ');
  const sd = Object.keys(event.structuredData ?? {}).length ? `<h4>Structured data</h4><pre>${escapeHtml(JSON.stringify(event.structuredData, null, 1))}</pre>` : '';
  return (
    `<h4>Raw line</h4><pre>${escapeHtml(event.raw)}</pre>` +
    `<p class="muted">event ${event.id} · ${event.transport} from ${escapeHtml(event.sourceAddress)} · received ${time(event.receivedAtMs)}` +
    `${event.deviceTimeMs != null ? ` · device time ${time(event.deviceTimeMs)}` : ''}${event.program ? ` · program ${escapeHtml(event.program)}` : ''}` +
    `${event.facility != null ? ` · facility ${event.facility}` : ''}${event.node ? ` · node ${escapeHtml(event.node)}` : ''}${event.linkKey ? ` · link ${escapeHtml(event.linkKey)}` : ''}</p>` +
    (facts ? `<p>read from it: ${facts}</p>` : '') +
    sd
  );
}

function render(nowMs) {
  const tbody = $('events').querySelector('tbody');
  tbody.innerHTML = shown.map((e) => row(e, nowMs)).join('') || '<tr><td colspan="8" class="muted">No event matches in this range.</td></tr>';
  for (const tr of tbody.querySelectorAll('tr.event')) if (expanded.has(Number(tr.dataset.eventId))) toggle(tr, true);
}

function renderSenders(senders, nowMs) {
  $('senders').querySelector('tbody').innerHTML =
    senders
      .map(
        (s) =>
          `<tr><td>${escapeHtml(s.sourceAddress)}</td><td>${escapeHtml(s.host)}</td>${[s.received, s.stored, s.unparsed, s.truncated, s.invalidUtf8, s.suppressed, s.dropped]
            .map((n) => `<td class="num">${n}</td>`)
            .join('')}<td>${ago(s.lastSeenMs, nowMs)} ago</td></tr>`,
      )
      .join('') || '<tr><td colspan="10" class="muted">No device has sent syslog to this pathmon yet.</td></tr>';
}

function toggle(tr, open = !tr.nextElementSibling?.classList.contains('detail')) {
  const id = Number(tr.dataset.eventId);
  if (tr.nextElementSibling?.classList.contains('detail')) tr.nextElementSibling.remove();
  if (!open) {
    expanded.delete(id);
    return;
  }
  expanded.add(id);
  const event = shown.find((e) => e.id === id);
  const cell = document.createElement('tr');
  cell.className = 'detail';
  cell.innerHTML = `<td colspan="8">${detail(event)}</td>`;
  tr.after(cell);
}

let nextBefore = null;
async function load() {
  const params = queryFromForm();
  const kept = [...params].filter(([k]) => FIELDS.includes(k) || k === 'parsed');
  for (const name of RUN_FIELDS) if (runForm.elements[name].value.trim()) kept.push([name, runForm.elements[name].value.trim()]);
  history.replaceState(null, '', `?${new URLSearchParams(kept).toString()}${rangeMs !== 86400e3 ? `&range=${rangeMs}` : ''}`);
  const [body] = await Promise.all([api(`/api/syslog-events?${params}`), loadRuns()]);
  shown = body.events;
  nextBefore = body.nextBefore;
  $('more').hidden = nextBefore === null;
  render(body.nowMs);
  renderSenders(body.senders, body.nowMs);
  $('summary').textContent = body.available ? `${shown.length}${nextBefore ? '+' : ''} event(s) in range` : 'this store keeps no syslog events';
  document.body.dataset.version = String(Number(document.body.dataset.version ?? 0) + 1);
}

async function more() {
  const body = await api(`/api/syslog-events?${queryFromForm(nextBefore)}`);
  shown = [...shown, ...body.events];
  nextBefore = body.nextBefore;
  $('more').hidden = nextBefore === null;
  render(body.nowMs);
}

function showError(error) {
  $('summary').textContent = `cannot load events: ${error.message}`;
}

function markRange() {
  for (const button of document.querySelectorAll('#ranges button[data-range]')) button.classList.toggle('current', Number(button.dataset.range) === rangeMs);
}

$('events').addEventListener('click', (event) => {
  const badge = event.target.closest('a[data-run-event]');
  if (badge) {
    runForm.elements.runEvent.value = badge.closest('tr.event').dataset.eventId;
    load().catch(showError);
    return;
  }
  if (event.target.closest('a')) return;
  const tr = event.target.closest('tr.event');
  if (tr) toggle(tr);
});
let typing = null;
form.addEventListener('input', () => {
  clearTimeout(typing);
  typing = setTimeout(() => load().catch(showError), 300);
});
form.addEventListener('submit', (event) => event.preventDefault());
for (const button of document.querySelectorAll('#ranges button[data-range]')) {
  button.addEventListener('click', () => {
    rangeMs = Number(button.dataset.range);
    markRange();
    load().catch(showError);
  });
}
$('more').addEventListener('click', () => more().catch(showError));
$('more-runs').addEventListener('click', () => moreRuns().catch(showError));
runForm.addEventListener('input', () => {
  clearTimeout(typing);
  typing = setTimeout(() => load().catch(showError), 300);
});
runForm.addEventListener('submit', (event) => event.preventDefault());
// toggle does not bubble: caught on the way down.
$('runs').addEventListener(
  'toggle',
  (event) => {
    const details = event.target;
    if (!(details instanceof HTMLDetailsElement) || !details.dataset.runId) return;
    const id = Number(details.dataset.runId);
    if (details.open) {
      openOutputs.add(id);
      readWholeOutput(details).catch(showError);
    } else openOutputs.delete(id);
  },
  true,
);

formFromUrl();
markRange();
const indicator = $('live');
load()
  .then(() => {
    indicator.textContent = 'every 10 s';
    indicator.classList.add('on');
  })
  .catch(showError);
setInterval(() => {
  if (!nextBefore || shown.length <= 500) load().catch(showError);
}, 10_000);
