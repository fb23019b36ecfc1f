// The topology map: routers and hosts at the server's deterministic layered positions, each link
// direction as its own line offset to its right, coloured by the worst state of the paths that cross it.
// Clicking a link lists those paths. Live: re-read on any transition or topology change.
import { api, liveEvents, throttle } from './api.js';
import { escapeHtml, stateColour } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';
const X_STEP = 170;
const Y_STEP = 90;
const $ = (id) => document.getElementById(id);
let selected = null;
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
    const offset = 4 + rank * 8;
    const nx = (-dy / length) * offset;
    const ny = (dx / length) * offset;
    const trim = 20 / length;
    const line = element('line', {
      class: `link${link.state ? '' : ' unprobed'}${selected === link.key ? ' selected' : ''}`,
      x1: a.x + dx * trim + nx, y1: a.y + dy * trim + ny, x2: b.x - dx * trim + nx, y2: b.y - dy * trim + ny,
      stroke: link.state ? stateColour[link.state] : '#c9ced6',
      'data-link-key': link.key, 'data-from': link.from, 'data-to': link.to, 'data-state': link.state ?? 'none',
    });
    const title = element('title', {});
    title.textContent = `${nameOf(map, link.from)} → ${nameOf(map, link.to)} ${link.state ?? 'no monitored path'} (${link.pathIds.length} paths)`;
    line.append(title);
    line.addEventListener('click', () => {
      selected = link.key;
      draw(current);
    });
    svg.append(line);
  }
  for (const node of map.nodes) {
    const p = place.get(node.id);
    svg.append(element('circle', { cx: p.x, cy: p.y, r: 18, class: node.kind, 'data-node': node.id }));
    const label = element('text', { x: p.x, y: p.y });
    label.textContent = node.name;
    svg.append(label);
  }
  showPanel(map);
}

function nameOf(map, id) {
  return map.nodes.find((n) => n.id === id)?.name ?? id;
}

async function showPanel(map) {
  const link = map.links.find((l) => l.key === selected);
  if (!link) return;
  const paths = (await api('/api/paths')).paths;
  const byId = new Map(paths.map((p) => [p.id, p]));
  const rows = link.pathIds
    .map((id) => byId.get(id))
    .filter(Boolean)
    .map((p) => `<tr data-path-id="${escapeHtml(p.id)}"><td><span class="state ${p.state}">${p.state}</span></td><td><a href="/path?id=${encodeURIComponent(p.id)}">${escapeHtml(p.names.join(' › '))}</a></td></tr>`)
    .join('');
  $('panel').innerHTML =
    `<h3>${escapeHtml(nameOf(map, link.from))} → ${escapeHtml(nameOf(map, link.to))}</h3>` +
    `<p class="muted">${escapeHtml(link.localAddress ?? '?')} → ${escapeHtml(link.neighborAddress ?? '?')}, metric ${link.igpMetric ?? '–'}</p>` +
    `<p>${link.pathIds.length} monitored path(s) cross it${link.state ? `; worst state <span class="state ${link.state}">${link.state}</span>` : ''}.</p>` +
    `<table class="list" id="link-paths"><tbody>${rows}</tbody></table>`;
}

async function load() {
  const map = await api('/api/topology');
  const s = map.status;
  $('source').textContent = `${s.spec} · ${s.freshness}${s.freshness === 'stale' && s.staleSinceMs ? ` since ${new Date(s.staleSinceMs).toLocaleTimeString()}` : ''} · ${map.nodes.length} nodes, ${map.links.length} link directions`;
  draw(map);
  $('map').dataset.version = String(Number($('map').dataset.version ?? 0) + 1);
}

const reload = throttle(() => load().catch((e) => ($('source').textContent = e.message)), 1000);
load().catch((e) => ($('source').textContent = e.message));
liveEvents({ transition: reload, topology: reload });
