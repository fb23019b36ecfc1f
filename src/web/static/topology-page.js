// The topology map: routers and hosts at the server's deterministic layered positions, each link
// direction as its own line offset to its right with an arrowhead. The colour is the localizer's answer:
// a direction an open incident blames is red (down, loss) or amber (delay), its reverse keeps its own
// colour; other probed links are green, unprobed ones grey and dashed. Failing paths that no incident
// explains add only a faint halo under their links. Clicking a link shows its estimate, its incident,
// the paths crossing it and a link to its chart. Live: re-read on any incident, transition or topology
// change.
import { api, liveEvents, throttle } from './api.js';
import { ago, escapeHtml, ms, pct } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';
const X_STEP = 170;
const Y_STEP = 90;
const $ = (id) => document.getElementById(id);
let selected = new URLSearchParams(location.search).get('link');
let current = null;

function element(name, attributes) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  return node;
}

function draw(map) {
  current = map;
  const svg = $('map');
  svg.replaceChildren();
  const place = new Map(map.nodes.map((n) => [n.id, { x: 60 + n.x * X_STEP, y: n.y * Y_STEP }]));
  const xs = [...place.values()].map((p) => p.x);
  const ys = [...place.values()].map((p) => p.y);
  const pad = 50;
  if (xs.length) svg.setAttribute('viewBox', `${Math.min(...xs) - pad} ${Math.min(...ys) - pad} ${Math.max(...xs) - Math.min(...xs) + 2 * pad} ${Math.max(...ys) - Math.min(...ys) + 2 * pad}`);

  const cues = element('g', { class: 'cues' });
  const lines = element('g', { class: 'links' });
  svg.append(cues, lines);
  // Parallel links between the same pair get increasing offsets, so each stays clickable.
  const seen = new Map();
  for (const link of map.links) {
    const a = place.get(link.from);
    const b = place.get(link.to);
    if (!a || !b) continue;
    const pair = `${link.from}|${link.to}`;
    const rank = seen.get(pair) ?? 0;
    seen.set(pair, rank + 1);
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const length = Math.hypot(dx, dy) || 1;
    const offset = 5 + rank * 10;
    const nx = (-dy / length) * offset;
    const ny = (dx / length) * offset;
    const trim = 20 / length;
    const ends = { x1: a.x + dx * trim + nx, y1: a.y + dy * trim + ny, x2: b.x - dx * trim + nx, y2: b.y - dy * trim + ny };
    if (link.pathCue) cues.append(element('line', { class: `cue ${link.pathCue}`, ...ends }));
    const group = element('g', { class: `link-dir paint-${link.paint}${selected === link.key ? ' selected' : ''}`, 'data-link-key': link.key });
    const line = element('line', {
      class: `link paint-${link.paint}${link.paint === 'grey' ? ' unprobed' : ''}`,
      ...ends,
      'data-link-key': link.key,
      'data-from': nameOf(map, link.from),
      'data-to': nameOf(map, link.to),
      'data-state': link.state ?? 'none',
      'data-paint': link.paint,
      'data-incident': link.incident?.id ?? '',
    });
    // An arrowhead past the middle shows which direction this line is.
    const ux = dx / length;
    const uy = dy / length;
    const mx = ends.x1 + (ends.x2 - ends.x1) * 0.6;
    const my = ends.y1 + (ends.y2 - ends.y1) * 0.6;
    const arrow = element('polygon', {
      class: `arrow paint-${link.paint}`,
      points: `${mx + ux * 7},${my + uy * 7} ${mx - ux * 5 - uy * 5},${my - uy * 5 + ux * 5} ${mx - ux * 5 + uy * 5},${my - uy * 5 - ux * 5}`,
    });
    const title = element('title', {});
    title.textContent = `${nameOf(map, link.from)} → ${nameOf(map, link.to)}: ${link.incident ? link.incident.summary : estimateText(link.estimate)}`;
    group.append(line, arrow, title);
    group.addEventListener('click', () => {
      selected = link.key;
      draw(current);
    });
    lines.append(group);
  }
  for (const node of map.nodes) {
    const p = place.get(node.id);
    svg.append(element('circle', { cx: p.x, cy: p.y, r: 18, class: node.kind, 'data-node': node.id }));
    const label = element('text', { x: p.x, y: p.y });
    label.textContent = node.name;
    svg.append(label);
  }
  showPanel(map).catch((e) => ($('panel').textContent = e.message));
}

function nameOf(map, id) {
  return map.nodes.find((n) => n.id === id)?.name ?? id;
}

function estimateText(estimate) {
  if (!estimate) return 'not estimated (no walk or path crosses it)';
  return `loss ${pct(estimate.lossRatio * 100)} %, +${ms(estimate.addedDelayMs)} ms`;
}

async function showPanel(map) {
  const link = map.links.find((l) => l.key === selected);
  if (!link) return;
  const paths = (await api('/api/paths')).paths;
  const byId = new Map(paths.map((p) => [p.id, p]));
  const rows = link.pathIds
    .map((id) => byId.get(id))
    .filter(Boolean)
    .map(
      (p) =>
        `<tr data-path-id="${escapeHtml(p.id)}"><td><span class="state ${p.state}">${p.state}</span></td><td><a href="/path?id=${encodeURIComponent(p.id)}">${escapeHtml(p.names.join(' › '))}</a></td></tr>`,
    )
    .join('');
  const e = link.estimate;
  const chartSubject = e?.subjectKey ?? `link:${link.key}`;
  const incident = link.incident;
  $('panel').innerHTML =
    `<h3>${escapeHtml(nameOf(map, link.from))} → ${escapeHtml(nameOf(map, link.to))}</h3>` +
    `<p class="muted">${escapeHtml(link.localAddress ?? '?')} → ${escapeHtml(link.neighborAddress ?? '?')}, metric ${link.igpMetric ?? '–'}</p>` +
    (e
      ? `<table class="list" id="link-estimate"><tbody>` +
        `<tr><th>loss</th><td>${pct(e.lossRatio * 100)} %${e.down ? ' (down)' : ''}</td></tr>` +
        `<tr><th>added delay</th><td>${ms(e.addedDelayMs)} ms</td></tr>` +
        `<tr><th>confidence</th><td>${Math.round(e.confidence * 100)} %</td></tr>` +
        `<tr><th>support</th><td>${e.support} walks and paths</td></tr>` +
        `<tr><th>estimated</th><td>${ago(e.atMs)} ago${e.label.includes(',') ? ` as group ${escapeHtml(e.label)}` : ''}</td></tr>` +
        `</tbody></table>`
      : '<p class="muted">Not estimated: no cover walk or path crosses this direction.</p>') +
    (incident
      ? `<p id="link-incident" class="incident ${incident.kind}"><span class="kind ${incident.kind}">${incident.kind}</span> ` +
        `<a href="/incidents#${encodeURIComponent(incident.id)}">${escapeHtml(incident.summary)}</a>` +
        `${incident.direction ? ` <span class="muted">(${incident.direction})</span>` : ''}</p>`
      : '<p class="muted" id="link-incident">No open incident on this direction.</p>') +
    `<p><a id="link-chart" href="/link?subject=${encodeURIComponent(chartSubject)}">Chart of estimated loss and delay</a></p>` +
    `<p>${link.pathIds.length} monitored path(s) cross it${link.state ? `; worst state <span class="state ${link.state}">${link.state}</span>` : ''}.</p>` +
    `<table class="list" id="link-paths"><tbody>${rows}</tbody></table>`;
}

async function load() {
  const map = await api('/api/topology');
  const s = map.status;
  const blamed = map.links.filter((l) => l.incident).length;
  $('source').textContent =
    `${s.spec} · ${s.freshness}${s.freshness === 'stale' && s.staleSinceMs ? ` since ${new Date(s.staleSinceMs).toLocaleTimeString()}` : ''} · ${map.nodes.length} nodes, ${map.links.length} link directions · ${blamed} blamed`;
  draw(map);
  $('map').dataset.version = String(Number($('map').dataset.version ?? 0) + 1);
}

const reload = throttle(() => load().catch((e) => ($('source').textContent = e.message)), 1000);
load().catch((e) => ($('source').textContent = e.message));
liveEvents({ incident: reload, transition: reload, topology: reload });
