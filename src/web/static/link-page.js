// One directed link (or link group): its latest estimate, the chart of estimated loss and added delay
// over a chosen range, and the incidents that touched it. Reached from the map's link panel and the
// incidents page (`/link?subject=link:FROM|TO|LOCAL|NEIGHBOR` or `group:ID`). Live: a round or an
// incident change re-reads it when the range ends now.
import { api, liveEvents, throttle } from './api.js';
import { ago, escapeHtml, ms, pct, time } from './format.js';
import { LinkChart } from './link-chart.js';

const $ = (id) => document.getElementById(id);
const subject = new URLSearchParams(location.search).get('subject') ?? '';
let rangeMs = 6 * 3600e3;
const chart = new LinkChart($('link-chart-canvas'), $('tip'));

async function load() {
  const until = Date.now();
  const since = until - rangeMs;
  const maxPoints = Math.max(50, Math.min(2000, Math.round($('link-chart-canvas').clientWidth / 2)));
  const body = await api(`/api/links/${encodeURIComponent(subject)}/history?since=${since}&until=${until}&maxPoints=${maxPoints}`);
  document.title = `pathmon: ${body.label}`;
  $('title').textContent = body.label;
  const link = body.link;
  const open = body.incidents.find((i) => i.state === 'open');
  $('cards').innerHTML = [
    link
      ? `<div class="card">latest estimate<b>${pct(link.lossRatio * 100)} % loss · +${ms(link.addedDelayMs)} ms</b><span class="muted">${link.down ? 'down · ' : ''}${ago(link.atMs)} ago</span></div>` +
        `<div class="card">confidence<b>${Math.round(link.confidence * 100)} %</b><span class="muted">${link.support} walks and paths cross it</span></div>`
      : `<div class="card">latest estimate<b>not in the current plan</b><span class="muted">history only</span></div>`,
    `<div class="card">incident<b>${open ? `<span class="kind ${open.kind}">${open.kind}</span>` : 'none open'}</b><span class="muted">${open ? `<a href="/incidents#${encodeURIComponent(open.id)}">${escapeHtml(open.summary)}</a>` : ''}</span></div>`,
    `<div class="card">subject<b>${escapeHtml(body.label)}</b><span class="muted">${escapeHtml(body.subjectKey)}</span></div>`,
  ].join('');
  chart.show(body);
  $('link-incidents').querySelector('tbody').innerHTML =
    body.incidents
      .map(
        (i) =>
          `<tr><td>${time(i.openedAtMs)}</td><td><span class="kind ${i.kind}">${i.kind}</span></td><td>${escapeHtml(i.label)}</td><td><a href="/incidents#${encodeURIComponent(i.id)}">${escapeHtml(i.summary)}</a></td><td>${i.resolvedAtMs ? time(i.resolvedAtMs) : 'open'}</td></tr>`,
      )
      .join('') || '<tr><td colspan="5" class="muted">none in range</td></tr>';
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
  $('title').textContent = error.message;
}

markRange();
load().catch(showError);
const reload = throttle(() => load().catch(showError), 2000);
liveEvents({ round: reload, incident: reload });
