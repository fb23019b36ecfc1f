// The paths page: every path in one sortable, filterable, virtualised table, kept live by the event
// stream (a transition recolours its row at once; a round re-reads the table, at most every 2 s).
import { api, liveEvents, throttle } from './api.js';
import { ago, escapeHtml, ms, pct, severity, stateColour } from './format.js';
import { drawSparkline } from './sparkline.js';
import { VirtualTable } from './virtual-table.js';

const $ = (id) => document.getElementById(id);
const byId = new Map();
let rows = [];
let sort = { key: 'state', dir: 'desc' };
let nowMs = Date.now();

const keys = {
  state: (r) => severity[r.state],
  path: (r) => r.label,
  group: (r) => r.group,
  lastP50: (r) => r.last?.p50Ms,
  lastP95: (r) => r.last?.p95Ms,
  lastLoss: (r) => r.last?.lossPct,
  hourP50: (r) => r.hour?.p50Ms,
  hourP95: (r) => r.hour?.p95Ms,
  hourLoss: (r) => r.hour?.lossPct,
  spark: (r) => r.last?.p50Ms,
  since: (r) => -r.stateSinceMs,
};

const table = new VirtualTable({
  scroll: $('scroll'),
  spacer: $('spacer'),
  body: $('body'),
  renderRow(element, row) {
    if (element.dataset.pathId === row.id && element.dataset.version === String(row.version)) return;
    element.dataset.pathId = row.id;
    element.dataset.state = row.state;
    element.dataset.version = String(row.version);
    element.innerHTML =
      `<span><span class="state ${row.state}">${row.state}</span></span><span title="${escapeHtml(row.label)}">${escapeHtml(row.label)}</span>` +
      `<span>${escapeHtml(row.group)}</span><span class="num">${ms(row.last?.p50Ms)}</span><span class="num">${ms(row.last?.p95Ms)}</span>` +
      `<span class="num">${pct(row.last?.lossPct)}</span><span class="num">${ms(row.hour?.p50Ms)}</span><span class="num">${ms(row.hour?.p95Ms)}</span>` +
      `<span class="num">${pct(row.hour?.lossPct)}</span><span><canvas class="spark"></canvas></span><span class="muted">${ago(row.stateSinceMs, nowMs)}</span>`;
    drawSparkline(element.querySelector('canvas'), row.spark, stateColour[row.state]);
  },
});
$('body').addEventListener('click', (event) => {
  const row = event.target.closest('.vt-row');
  if (row) location.href = `/path?id=${encodeURIComponent(row.dataset.pathId)}`;
});

function refresh() {
  const words = searchWords($('filter').value);
  const states = new Set([...document.querySelectorAll('.state-filter:checked')].map((box) => box.value));
  const group = $('group').value;
  const order = [];
  for (let i = 0; i < rows.length; i++) {
    const row = rows[i];
    if (!states.has(row.state) || (group && row.group !== group)) continue;
    if (words.length && !matches(row, words)) continue;
    order.push(i);
  }
  const key = keys[sort.key];
  const sign = sort.dir === 'asc' ? 1 : -1;
  const values = rows.map(key);
  order.sort((a, b) => {
    const x = values[a];
    const y = values[b];
    if (x == null || y == null) return x == null ? (y == null ? a - b : 1) : -1; // missing figures last
    return (x < y ? -1 : x > y ? 1 : 0) * sign || a - b;
  });
  table.show(rows, order);
  $('count').textContent = `${order.length} of ${rows.length} paths`;
  // Counted here, not at load, so a live transition updates the header too.
  const counts = rows.reduce((acc, row) => ((acc[row.state] = (acc[row.state] ?? 0) + 1), acc), {});
  $('summary').textContent = ['DOWN', 'DEGRADED', 'UP', 'GONE'].map((s) => `${counts[s] ?? 0} ${s}`).join(' · ');
  $('empty').hidden = order.length > 0 || rows.length === 0;
  for (const head of document.querySelectorAll('#head span')) head.dataset.dir = head.dataset.key === sort.key ? sort.dir : '';
  $('table').dataset.sorted = `${sort.key}:${sort.dir}`;
  $('table').dataset.rows = String(order.length);
}

/**
 * Search is over what the table shows: the path as its names joined by ›, the group, the state, and the
 * id. Arrows are spelled in several ways (`R1 › R3`, `R1>R3`, `R1 -> R3`, `dev1->dev2`), so all of them
 * are folded to one `>` with no spaces around it; words separated by spaces must all match, in any order.
 */
function searchText(text) {
  return text
    .toLowerCase()
    .replace(/\s*(›|->|>)\s*/g, '>')
    .replace(/\s+/g, ' ')
    .trim();
}
function searchWords(query) {
  const text = searchText(query);
  return text ? text.split(' ') : [];
}
function matches(row, words) {
  const state = row.state.toLowerCase();
  return words.every((word) => row.search.includes(word) || state.includes(word));
}

let refreshPending = false;
/** One refresh per frame however many transitions arrive in it. */
function refreshSoon() {
  if (refreshPending) return;
  refreshPending = true;
  requestAnimationFrame(() => {
    refreshPending = false;
    refresh();
  });
}

let version = 0;
async function load() {
  const body = await api('/api/paths');
  nowMs = body.nowMs;
  version++;
  rows = body.paths.map((row) => {
    const label = row.names.join(' › ');
    return { ...row, version, label, search: searchText(`${label} ${row.group} ${row.id}`) };
  });
  byId.clear();
  for (const row of rows) byId.set(row.id, row);
  const groups = [...new Set(rows.map((row) => row.group))].sort();
  const select = $('group');
  if (select.options.length - 1 !== groups.length) {
    const chosen = select.value;
    select.innerHTML = '<option value="">all groups</option>' + groups.map((g) => `<option>${escapeHtml(g)}</option>`).join('');
    select.value = chosen;
  }
  refresh();
}

document.getElementById('head').addEventListener('click', (event) => {
  const key = event.target.closest('span')?.dataset.key;
  if (!key) return;
  sort = sort.key === key ? { key, dir: sort.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: key === 'state' ? 'desc' : 'asc' };
  refresh();
});
$('filter').addEventListener('input', refresh);
$('group').addEventListener('change', refresh);
for (const box of document.querySelectorAll('.state-filter')) box.addEventListener('change', refresh);

const reload = throttle(() => load().catch(showError), 2000);
function showError(error) {
  $('count').textContent = `cannot load paths: ${error.message}`;
}

load().catch(showError);
liveEvents({
  round: reload,
  topology: reload,
  transition(update) {
    const row = byId.get(update.pathId);
    if (!row) return reload();
    row.state = update.to;
    row.stateSinceMs = update.atMs;
    row.version = ++version;
    // The new state may move the row in or out of the state filter, the search or the sort order.
    refreshSoon();
  },
});
