// The incidents page: open incidents first (what is broken now, which link and which direction), then
// the ones resolved in the chosen range. Each row expands to the incident's changes and the routes
// (cover walks and paths) whose figures support the blame. Live: re-read on every incident change.
import { api, liveEvents, throttle } from './api.js';
import { ago, escapeHtml, ms, pct, time } from './format.js';

const $ = (id) => document.getElementById(id);
let rangeMs = 7 * 86400e3;
const expanded = new Set(decodeURIComponent(location.hash.slice(1)) ? [decodeURIComponent(location.hash.slice(1))] : []);

function estimate(incident) {
  const parts = [];
  if (incident.lossPct != null) parts.push(`${pct(incident.lossPct)} % loss`);
  if (incident.addedDelayMs != null) parts.push(`+${ms(incident.addedDelayMs)} ms`);
  return parts.join(', ') || '–';
}

function direction(incident) {
  const subject = incident.subject;
  return subject.kind === 'link' ? subject.direction : subject.kind === 'group' ? 'group (cannot tell)' : 'path';
}

function subjectCell(incident) {
  const charts = incident.charts.map((c) => `<a class="chart-link" href="/link?subject=${encodeURIComponent(c.subjectKey)}" title="chart of ${escapeHtml(c.label)}">${escapeHtml(c.label)}</a>`);
  const first = incident.subject.linkKeys?.[0];
  const map = first ? ` <a class="map-link" href="/topology?link=${encodeURIComponent(first)}">map</a>` : '';
  return `<b>${escapeHtml(incident.subject.label)}</b>${charts.length ? ` <span class="muted">chart: ${charts.join(' ')}</span>` : ''}${map}`;
}

function row(incident, nowMs) {
  const open = incident.state === 'open';
  const cells = [
    subjectCell(incident),
    `<span class="kind ${incident.kind}">${incident.kind}</span>`,
    escapeHtml(direction(incident)),
    estimate(incident),
    `${Math.round(incident.confidence * 100)} %`,
    `<span title="${time(incident.openedAtMs)}">${ago(incident.openedAtMs, nowMs)} ago</span>`,
    open
      ? `<span title="${time(incident.updatedAtMs)}">${ago(incident.updatedAtMs, nowMs)} ago</span>`
      : `<span title="${time(incident.resolvedAtMs)}">${ago(incident.resolvedAtMs, nowMs)} ago</span>`,
    String(incident.explainedPaths.length),
    open ? (incident.ticket ? `#${incident.ticket.ticketId}` : '–') : ago(incident.openedAtMs, incident.resolvedAtMs),
  ];
  const numeric = new Set([3, 4, 7]);
  return `<tr class="incident ${incident.state}" data-incident-id="${escapeHtml(incident.id)}" data-kind="${incident.kind}" title="${escapeHtml(incident.summary)}">${cells.map((c, i) => `<td${numeric.has(i) ? ' class="num"' : ''}>${c}</td>`).join('')}</tr>`;
}

function routeList(routes) {
  if (!routes.length) return '<p class="muted">none</p>';
  return `<ul>${routes
    .map((r) =>
      r.kind === 'path'
        ? `<li>path <a href="/path?id=${encodeURIComponent(r.id)}">${escapeHtml(r.names.join(' › '))}</a></li>`
        : `<li>${r.kind} <code>${escapeHtml(r.id)}</code> ${escapeHtml(r.names.join(' › '))}</li>`,
    )
    .join('')}</ul>`;
}

async function detail(id) {
  const body = await api(`/api/incidents/${encodeURIComponent(id)}`);
  const changes = body.changes
    .map(
      (c) =>
        `<tr><td>${time(c.atMs)}</td><td><span class="kind ${c.change === 'resolved' ? 'resolved' : c.kind}">${c.change}</span></td><td>${escapeHtml(c.reason)}</td><td>${escapeHtml(c.summary)}</td></tr>`,
    )
    .join('');
  const walks = body.evidence.filter((r) => r.kind !== 'path');
  const paths = body.evidence.filter((r) => r.kind === 'path');
  return (
    `<p>${escapeHtml(body.incident.summary)}${body.incident.controlPlaneUp && !/control plane up/.test(body.incident.summary) ? ' <b>(data plane down, control plane up)</b>' : ''}</p>` +
    `<h4>Changes</h4><table class="list changes"><tbody>${changes || '<tr><td class="muted">none stored</td></tr>'}</tbody></table>` +
    `<div class="columns"><section><h4>Evidence walks (${walks.length})</h4>${routeList(walks)}</section>` +
    `<section><h4>Evidence paths (${paths.length}), explained paths (${body.explained.length})</h4>${routeList(body.explained.length ? body.explained : paths)}</section></div>`
  );
}

async function toggle(tr) {
  const id = tr.dataset.incidentId;
  const next = tr.nextElementSibling;
  if (next?.classList.contains('detail')) {
    next.remove();
    expanded.delete(id);
    return;
  }
  expanded.add(id);
  const cell = document.createElement('tr');
  cell.className = 'detail';
  cell.dataset.incidentId = id;
  cell.innerHTML = `<td colspan="9" class="muted">loading…</td>`;
  tr.after(cell);
  try {
    cell.firstElementChild.classList.remove('muted');
    cell.firstElementChild.innerHTML = await detail(id);
  } catch (error) {
    cell.firstElementChild.textContent = error.message;
  }
}

async function load() {
  const body = await api(`/api/incidents?state=all&since=-${Math.round(rangeMs / 3600e3)}h`);
  const open = body.incidents.filter((i) => i.state === 'open');
  const resolved = body.incidents.filter((i) => i.state !== 'open');
  $('open-incidents').querySelector('tbody').innerHTML =
    open.map((i) => row(i, body.nowMs)).join('') || '<tr><td colspan="9" class="muted">No open incident: every probed link looks healthy.</td></tr>';
  $('resolved-incidents').querySelector('tbody').innerHTML = resolved.map((i) => row(i, body.nowMs)).join('') || '<tr><td colspan="9" class="muted">none in range</td></tr>';
  $('summary').textContent = `${open.length} open · ${resolved.length} resolved in range`;
  document.body.dataset.open = String(open.length);
  for (const tr of document.querySelectorAll('tr.incident')) if (expanded.has(tr.dataset.incidentId)) await toggle(tr);
  const status = await api('/api/status');
  const plan = status.plan;
  $('plan').textContent = plan
    ? `cover plan: ${plan.walks} walks, ${plan.identifiable} of ${plan.links} directed links identifiable, ${plan.groups.length} group(s), ${plan.unreachable} unreachable`
    : 'link localization is off';
  document.body.dataset.version = String(Number(document.body.dataset.version ?? 0) + 1);
}

for (const table of ['open-incidents', 'resolved-incidents']) {
  $(table).addEventListener('click', (event) => {
    if (event.target.closest('a')) return;
    const tr = event.target.closest('tr.incident');
    if (tr) toggle(tr);
  });
}
for (const button of document.querySelectorAll('#ranges button[data-range]')) {
  button.addEventListener('click', () => {
    rangeMs = Number(button.dataset.range);
    markRange();
    load().catch(showError);
  });
}
function markRange() {
  for (const button of document.querySelectorAll('#ranges button[data-range]')) button.classList.toggle('current', Number(button.dataset.range) === rangeMs);
}
function showError(error) {
  $('summary').textContent = `cannot load incidents: ${error.message}`;
}

markRange();
load().catch(showError);
const reload = throttle(() => load().catch(showError), 1000);
liveEvents({ incident: reload });
