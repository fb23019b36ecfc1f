// The events page: device syslog events from the store, newest first, with the filters the API takes
// (host, severity, code, status, text, unparsed only) kept in the URL's query so a filtered view can be
// shared. Rows expand to the raw line and what was read from it. Re-read every 10 s: the live stream
// carries monitor updates, not syslog.
import { api } from './api.js';
import { ago, escapeHtml, time } from './format.js';

const $ = (id) => document.getElementById(id);
const form = $('filters');
const SEVERITY = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
const FIELDS = ['host', 'severity', 'code', 'status', 'q'];
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
  const range = Number(params.get('range'));
  if (range > 0) rangeMs = range;
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
  return `<tr class="event${event.parsed ? '' : ' unparsed'}" data-event-id="${event.id}"><td><span title="${time(event.receivedAtMs)}">${ago(event.receivedAtMs, nowMs)} ago</span></td><td>${host}</td><td>${severity}</td><td>${code}</td><td>${escapeHtml(event.status)}</td><td>${incident}</td><td class="message">${escapeHtml(event.message)}${flags}</td></tr>`;
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
  tbody.innerHTML = shown.map((e) => row(e, nowMs)).join('') || '<tr><td colspan="7" class="muted">No event matches in this range.</td></tr>';
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
  cell.innerHTML = `<td colspan="7">${detail(event)}</td>`;
  tr.after(cell);
}

let nextBefore = null;
async function load() {
  const params = queryFromForm();
  history.replaceState(null, '', `?${new URLSearchParams([...params].filter(([k]) => FIELDS.includes(k) || k === 'parsed')).toString()}${rangeMs !== 86400e3 ? `&range=${rangeMs}` : ''}`);
  const body = await api(`/api/syslog-events?${params}`);
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
