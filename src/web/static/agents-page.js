// The agents page: every agent of every fleet in the store (hostname, id, addresses, node, capabilities,
// version, first seen, last seen, status), its leader and the routes no live agent can run. Status is
// decided by the database's clock, so it reads the same from every agent's dashboard. Re-read every 5 s:
// the live stream carries this monitor's rounds, not the fleet's reports.
import { api } from './api.js';
import { ago, escapeHtml, time } from './format.js';

const $ = (id) => document.getElementById(id);

function addresses(agent) {
  return (
    agent.interfaces
      .filter((i) => !i.internal && i.addresses.length > 0)
      .map((i) => `<b>${escapeHtml(i.name)}</b> ${i.addresses.map(escapeHtml).join(' ')}`)
      .join('<br>') || '<span class="muted">–</span>'
  );
}

function capabilities(agent) {
  const c = agent.capabilities;
  const stamps = c.kernelTimestamps === true ? 'kernel timestamps' : c.kernelTimestamps === false ? 'event-loop timestamps' : '';
  return [escapeHtml(c.probeKinds.join(' ')), c.rawSockets ? 'raw sockets' : '<span class="muted">no raw sockets</span>', stamps].filter(Boolean).join('<br>');
}

function status(agent) {
  const label = agent.status === 'expired' ? `expired` : agent.status;
  const skew = Math.abs(agent.clockSkewMs) > 5000 ? `<span class="skew">clock ${(agent.clockSkewMs / 1000).toFixed(0)} s off</span>` : '';
  return `<span class="status ${agent.status}" title="hold time ${agent.holdTimeMs / 1000} s, reports every ${agent.reportIntervalMs / 1000} s">${label}</span>${skew}`;
}

function row(agent, nowMs) {
  return `<tr data-agent="${escapeHtml(agent.agentId)}" class="${agent.status}">
    <td>${escapeHtml(agent.hostname)}</td><td><code>${escapeHtml(agent.agentId)}</code></td><td class="addresses">${addresses(agent)}</td>
    <td>${escapeHtml(agent.node ?? '–')}</td><td>${capabilities(agent)}</td><td>${escapeHtml(agent.version)}</td>
    <td>${time(agent.firstSeenMs)}</td><td>${time(agent.lastSeenMs)} <span class="muted">(${ago(nowMs - agent.silentForMs, nowMs)} ago)</span></td>
    <td>${status(agent)}</td><td class="num">${agent.heldWork}</td></tr>`;
}

function fleetSection(name, body) {
  const agents = body.agents.filter((a) => a.fleet === name);
  const leader = body.leases.find((l) => l.fleet === name && l.name === 'leader' && l.live);
  const work = body.work.find((w) => w.fleet === name);
  const up = agents.filter((a) => a.status === 'up').length;
  const unmonitored =
    work && work.unmonitored > 0
      ? `<p>Unmonitored (no live agent can run them; never DOWN, no ticket): <span class="unmonitored">${work.unmonitoredIds.map(escapeHtml).join(' ')}${work.unmonitored > work.unmonitoredIds.length ? ` and ${work.unmonitored - work.unmonitoredIds.length} more` : ''}</span></p>`
      : '';
  return `<section class="fleet" data-fleet="${escapeHtml(name)}"><h2>Fleet ${escapeHtml(name)}: ${up} of ${agents.length} up · leader ${leader ? escapeHtml(leader.holder) : 'none'}${work ? ` · routes ${work.assigned} assigned, ${work.moving} moving, ${work.unmonitored} unmonitored` : ''}</h2>
    <table class="list agents"><thead><tr><th>hostname</th><th>id</th><th>addresses</th><th>node</th><th>capabilities</th><th>version</th><th>first seen</th><th>last seen</th><th>status</th><th>routes</th></tr></thead>
    <tbody>${agents.map((a) => row(a, body.nowMs)).join('')}</tbody></table>${unmonitored}</section>`;
}

async function load() {
  const body = await api('/api/agents');
  if (!body.available || body.agents.length === 0) {
    $('fleets').innerHTML = '<p class="muted">No fleet agents in this store: agents register when <code>pathmon run</code> has a <code>fleet:</code> section and a PostgreSQL store.</p>';
    $('summary').textContent = '';
  } else {
    const fleets = [...new Set(body.agents.map((a) => a.fleet))];
    $('fleets').innerHTML = fleets.map((name) => fleetSection(name, body)).join('');
    const up = body.agents.filter((a) => a.status === 'up').length;
    $('summary').textContent = `${up} of ${body.agents.length} agent(s) up`;
  }
  document.body.dataset.version = String(Number(document.body.dataset.version ?? 0) + 1);
}

function showError(error) {
  $('summary').textContent = `cannot load agents: ${error.message}`;
}

load().catch(showError);
setInterval(() => load().catch(showError), 5000);
