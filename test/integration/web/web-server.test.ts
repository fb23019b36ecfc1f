/**
 * The web server over HTTP on loopback, backed by the real store (PGlite in a temp directory) holding
 * the recorded monitor's history: the JSON API, its validation, the bearer token, live events, the
 * pages and /metrics, and requests that must not crash it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { openStore } from '../../../src/store/index.js';
import { startWebServer, WebError, type WebServer } from '../../../src/web/index.js';
import { INCIDENT_TICKET_ID, LINK_INCIDENT_TICKET_ID, RecordedMonitor } from '../../helpers/recorded-monitor.js';
import { repoRoot } from '../../helpers/repo-root.js';

const NANOG76 = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');
const TOKEN = 'test-token-0123456789abcdef';

let dataDir: string;
let monitor: RecordedMonitor;
let server: WebServer;

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, { headers });
  const text = await response.text();
  const json = response.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : null;
  return { status: response.status, headers: response.headers, text, json };
}

/** Sends raw bytes and returns the raw answer: for requests fetch() refuses to make. */
function raw(request: string): Promise<string> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(request));
    let answer = '';
    socket.on('data', (chunk) => (answer += chunk));
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'pathmon-web-'));
  const store = await openStore(`pglite:${dataDir}`);
  monitor = await RecordedMonitor.fromTopology(NANOG76, 'dev1', 'dev2', { store, historyHours: 3 });
  await monitor.round();
  server = await startWebServer(monitor, { listen: '127.0.0.1:0', log: () => undefined });
});

after(async () => {
  await server?.close();
  await monitor?.store.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('JSON API', () => {
  it('lists every path with its state, last round, last hour and sparkline', async () => {
    const { status, json } = await get('/api/paths');
    assert.equal(status, 200);
    assert.equal(json.paths.length, 8);
    for (const row of json.paths) {
      assert.equal(row.state, 'UP');
      assert.equal(row.last.sent, 10);
      assert.ok(row.hour.rounds >= 50, 'an hour of stored rounds');
      assert.ok(row.hour.p50Ms > 0);
      assert.equal(row.names[0], 'dev1');
    }
    const filtered = await get('/api/paths?state=DOWN');
    assert.equal(filtered.json.paths.length, 0);
  });

  it('answers history over a range, bounded by maxPoints, with transitions and the open ticket', async () => {
    const victim = monitor.paths().at(-1)!.record.id;
    const { status, json } = await get(`/api/paths/${victim}/history?since=-3h&maxPoints=100`);
    assert.equal(status, 200);
    assert.ok(json.points.length > 10 && json.points.length <= 100, `${json.points.length} points`);
    assert.ok(
      json.points.some((point: { lossPct: number }) => point.lossPct > 0),
      'the recorded incident shows as loss',
    );
    assert.deepEqual(
      json.transitions.map((t: { to: string }) => t.to),
      ['DEGRADED', 'UP'],
    );
    assert.deepEqual(
      json.tickets.map((t: { ticketId: number }) => t.ticketId),
      [INCIDENT_TICKET_ID],
    );
    assert.deepEqual(json.thresholds, { delayMs: 10, lossPct: 5 });
    const one = await get(`/api/paths/${victim}`);
    assert.equal(one.json.openTicket.ticketId, INCIDENT_TICKET_ID);
    assert.equal(one.json.record.hops.length, one.json.hopCount);
  });

  it('answers bad input with 400 and a JSON error naming the parameter', async () => {
    const id = monitor.paths()[0]!.record.id;
    for (const [query, parameter] of [
      ['since=tomorrow', 'since'],
      ['since=-40d', 'since'],
      ['since=-1h&until=-2h', 'since'],
      ['maxPoints=0', 'maxPoints'],
      ['maxPoints=abc', 'maxPoints'],
    ] as const) {
      const { status, json } = await get(`/api/paths/${id}/history?${query}`);
      assert.equal(status, 400, query);
      assert.equal(json.error.parameter, parameter, query);
      assert.match(json.error.message, /expected/, query);
    }
    assert.equal((await get('/api/paths?state=SIDEWAYS')).json.error.parameter, 'state');
    assert.equal((await get('/api/paths/%E0%A4%A/history')).status, 400);
    assert.equal((await get('/api/paths/nosuchpath000')).status, 404);
    assert.equal((await get('/api/nothing')).status, 404);
  });

  it('gives the topology with link states and the paths crossing each link', async () => {
    const { json } = await get('/api/topology');
    assert.equal(json.nodes.length, 8);
    assert.equal(json.links.length, 20);
    assert.equal(json.status.freshness, 'static');
    const r1r2 = json.links.find((link: { from: string; to: string }) => link.from === 'R1' && link.to === 'R2');
    assert.equal(r1r2.state, 'UP');
    assert.equal(r1r2.pathIds.length, 4);
  });

  it('reports status and open tickets', async () => {
    const status = (await get('/api/status')).json;
    assert.equal(status.paths.UP, 8);
    assert.match(status.store, /^pglite:/);
    assert.equal(status.topology.nodes, 8);
    const tickets = (await get('/api/tickets')).json.tickets;
    assert.deepEqual(tickets.map((t: { ticketId: number }) => t.ticketId).sort(), [INCIDENT_TICKET_ID, LINK_INCIDENT_TICKET_ID]);
    assert.ok(tickets.every((t: { subjectKey: string }) => /^(path|link):/.test(t.subjectKey)));
    assert.equal(status.incidents.open, 1);
    assert.ok(status.plan.walks > 0);
  });

  it('gzips the big answers for clients that accept it', async () => {
    const response = await fetch(`${server.url}/api/paths`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(response.headers.get('content-encoding'), 'gzip');
    assert.equal((await response.json()).paths.length, 8);
  });
});

/** The recorded one-way R4→R6 link and its reverse, as subject keys. */
function subjectOf(from: string, to: string): string {
  const graph = monitor.graph;
  return `link:${graph.linksBetween(graph.resolveNode(from), graph.resolveNode(to))[0]!.key}`;
}

describe('incidents and links API', () => {
  it('lists open incidents from the monitor, and resolved ones from the store, open first', async () => {
    const open = await get('/api/incidents?state=open');
    assert.equal(open.status, 200);
    assert.equal(open.json.incidents.length, 1);
    const [incident] = open.json.incidents;
    assert.equal(incident.subject.label, 'R4→R6');
    assert.equal(incident.subject.direction, 'one-way');
    assert.equal(incident.kind, 'down');
    assert.equal(incident.ticket.ticketId, LINK_INCIDENT_TICKET_ID);
    assert.deepEqual(
      incident.charts.map((c: { subjectKey: string }) => c.subjectKey),
      [subjectOf('R4', 'R6')],
    );
    assert.equal(incident.explainedPaths.length, monitor.pathsAcross('R4', 'R6').length);
    assert.equal(incident.rounds, undefined, 'the list leaves the per-round detail to /api/incidents/ID');

    const all = await get('/api/incidents?since=-3h');
    assert.deepEqual(
      all.json.incidents.map((i: { state: string; kind: string }) => `${i.state} ${i.kind}`),
      ['open down', 'resolved delay'],
    );
    const resolved = all.json.incidents[1];
    assert.equal(resolved.subject.label, 'R3↔R5');
    assert.deepEqual(resolved.charts.map((c: { label: string }) => c.label).sort(), ['R3→R5', 'R5→R3']);
    // A range that ends before the delay incident began holds only what the monitor has open now.
    assert.equal((await get('/api/incidents?since=-3h&until=-100m')).json.incidents.filter((i: { state: string }) => i.state === 'resolved').length, 0);
  });

  it('gives one incident with its changes and its evidence routes named', async () => {
    const id = monitor.incidents()[0]!.id;
    const { status, json } = await get(`/api/incidents/${encodeURIComponent(id)}`);
    assert.equal(status, 200);
    assert.equal(json.incident.id, id);
    assert.ok(json.incident.rounds.length >= 1);
    assert.deepEqual(
      json.changes.map((c: { change: string }) => c.change),
      ['opened', 'updated'],
    );
    assert.match(json.changes[1].reason, /60 % to 100 %/);
    const walks = json.evidence.filter((r: { kind: string }) => r.kind === 'walk');
    assert.ok(walks.length > 0, 'evidence walks are named from the stored plan');
    for (const walk of walks) assert.equal(walk.names[0], 'dev1');
    assert.deepEqual(
      json.explained.map((r: { id: string }) => r.id).sort(),
      monitor
        .pathsAcross('R4', 'R6')
        .map((p) => p.record.id)
        .sort(),
    );
    assert.equal((await get('/api/incidents/nosuchincident')).status, 404);
    assert.equal((await get('/api/incidents/%ZZ')).json.error.parameter, 'id');
  });

  it('lists every link estimate with the plan, the blamed one first', async () => {
    const { json } = await get('/api/links');
    assert.equal(json.links[0].label, 'R4→R6');
    assert.equal(json.links[0].lossRatio, 1);
    assert.equal(json.links[0].incidentId, monitor.incidents()[0]!.id);
    assert.equal(json.links.find((l: { label: string }) => l.label === 'R6→R4').lossRatio, 0);
    assert.equal(json.plan.walks, monitor.plan()!.walks);
    assert.equal(json.plan.groups.length, 1);
  });

  it("answers a link's history from the store, with the time one point stands for", async () => {
    const subject = subjectOf('R4', 'R6');
    const { status, json } = await get(`/api/links/${encodeURIComponent(subject)}/history?since=-1h`);
    assert.equal(status, 200);
    assert.equal(json.subjectKey, subject);
    assert.equal(json.label, 'R4→R6');
    assert.ok(json.points.length >= 25 && json.points.length <= 32, `${json.points.length} points: one per round over the last 30 minutes`);
    assert.equal(json.stepMs, monitor.roundIntervalMs);
    assert.ok(json.points.every((p: { lossRatio: number }) => p.lossRatio > 0));
    assert.deepEqual(
      json.incidents.map((i: { kind: string; state: string }) => `${i.state} ${i.kind}`),
      ['open down'],
    );
    const reverse = await get(`/api/links/${encodeURIComponent(subjectOf('R6', 'R4'))}/history?since=-1h`);
    assert.equal(reverse.json.points.length, 0, 'the healthy direction has no stored estimate');
    const delay = await get(`/api/links/${encodeURIComponent(subjectOf('R5', 'R3'))}/history?since=-3h&maxPoints=50`);
    assert.ok(delay.json.points.length > 5 && delay.json.points.every((p: { addedDelayMs: number }) => p.addedDelayMs > 10));
    assert.deepEqual(
      delay.json.incidents.map((i: { kind: string }) => i.kind),
      ['delay'],
    );
  });

  it('answers a bad subject key or filter with 400 naming the parameter', async () => {
    for (const bad of ['R4%7CR6', 'link%3AR4', 'link%3AR4%7CR6%7Ca%7Cb%7Cc', '%E0%A4%A', 'group%3Aa%20b', 'nonsense']) {
      const { status, json } = await get(`/api/links/${bad}/history`);
      assert.equal(status, 400, bad);
      assert.equal(json.error.parameter, 'subject', bad);
      assert.match(json.error.message, /expected/, bad);
    }
    const subject = encodeURIComponent(subjectOf('R4', 'R6'));
    assert.equal((await get(`/api/links/${subject}/history?maxPoints=1`)).json.error.parameter, 'maxPoints');
    assert.equal((await get(`/api/links/${subject}/history?since=soon`)).json.error.parameter, 'since');
    assert.equal((await get('/api/incidents?state=closed')).json.error.parameter, 'state');
    assert.equal((await get('/api/incidents?limit=0')).json.error.parameter, 'limit');
  });
});

describe('live events', () => {
  it('streams an incident change as it happens', async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.url}/api/events`, { signal: controller.signal });
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    await reader.read();
    monitor.impairOneWay('R2', 'R5', { delayMs: 15 });
    await monitor.round();
    let text = '';
    while (!text.includes('\n\n', text.indexOf('event: incident'))) text += (await reader.read()).value;
    const block = text.slice(text.indexOf('event: incident'));
    const data = JSON.parse(block.split('\n')[1]!.slice('data: '.length));
    assert.equal(data.change, 'opened');
    const opened = monitor.incidents().find((incident) => incident.id === data.incidentId)!;
    assert.equal(opened.subject.label, 'R2→R5');
    assert.equal(opened.kind, 'delay');
    controller.abort();
    monitor.impairOneWay('R2', 'R5', {});
    await monitor.round();
    assert.equal(monitor.incidents().length, 1);
  });

  it('streams a transition as it happens', async () => {
    const controller = new AbortController();
    const response = await fetch(`${server.url}/api/events`, { signal: controller.signal });
    assert.equal(response.headers.get('content-type'), 'text/event-stream; charset=utf-8');
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    const id = monitor.paths()[2]!.record.id;
    await reader.read(); // the retry line: the stream is attached
    await monitor.setState(id, 'DEGRADED', 'test');
    let text = '';
    while (!text.includes('\n\n', text.indexOf('event: transition'))) text += (await reader.read()).value;
    const block = text.slice(text.indexOf('event: transition'));
    const data = JSON.parse(block.split('\n')[1]!.slice('data: '.length));
    assert.deepEqual({ pathId: data.pathId, from: data.from, to: data.to }, { pathId: id, from: 'UP', to: 'DEGRADED' });
    controller.abort();
    await monitor.setState(id, 'UP', 'test');
  });
});

describe('pages and /metrics', () => {
  it('serves the three pages and their scripts with a strict content security policy', async () => {
    for (const page of ['/', '/path', '/topology', '/incidents', '/link', '/paths-page.js', '/incidents-page.js', '/link-chart.js', '/app.css']) {
      const { status, headers } = await get(page);
      assert.equal(status, 200, page);
      assert.match(headers.get('content-security-policy')!, /default-src 'self'/);
    }
    assert.equal((await get('/../../etc/passwd')).status, 404);
  });

  it('serves /metrics in Prometheus text format', async () => {
    const { status, headers, text } = await get('/metrics');
    assert.equal(status, 200);
    assert.match(headers.get('content-type')!, /^text\/plain; version=0\.0\.4/);
    const names = parsePrometheusTextFormat(text).map((family) => family.name);
    for (const name of [
      'pathmon_path_rtt_seconds',
      'pathmon_path_state',
      'pathmon_path_loss_ratio',
      'pathmon_probes_sent_total',
      'pathmon_topology_age_seconds',
      'pathmon_link_loss_ratio',
      'pathmon_incidents_open',
      'pathmon_cover_walks',
    ]) {
      assert.ok(names.includes(name), name);
    }
  });
});

describe('hostile and malformed requests', () => {
  it('refuses other methods, long URLs, foreign Host headers and broken HTTP, and keeps serving', async () => {
    const post = await fetch(`${server.url}/api/paths`, { method: 'POST', body: 'x' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
    assert.equal((await get(`/api/paths?group=${'x'.repeat(5000)}`)).status, 414);
    assert.match(await raw('GET /api/paths HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n'), /^HTTP\/1\.1 403/);
    assert.match(await raw('GARBAGE\r\n\r\n'), /^HTTP\/1\.1 400/);
    assert.match(await raw('GET /api/paths HTTP/1.1\r\nHost: localhost\r\nContent-Length: -5\r\n\r\n'), /^HTTP\/1\.1 400/);
    assert.equal((await get('/api/status')).status, 200);
  });

  it('answers 500 with a JSON error, not a crash, when the store fails', async () => {
    const id = monitor.paths()[0]!.record.id;
    const original = monitor.store.history.bind(monitor.store);
    monitor.store.history = async () => {
      throw new Error('database went away');
    };
    try {
      const { status, json } = await get(`/api/paths/${id}/history`);
      assert.equal(status, 500);
      assert.equal(json.error.code, 'internal');
      assert.doesNotMatch(json.error.message, /database went away/);
    } finally {
      monitor.store.history = original;
    }
    assert.equal((await get(`/api/paths/${id}/history`)).status, 200);
  });
});

describe('listen address and bearer token', () => {
  it('refuses to listen beyond localhost without a token, and with a weak one', async () => {
    await assert.rejects(startWebServer(monitor, { listen: '0.0.0.0:0' }), (error: unknown) => error instanceof WebError && error.code === 'token-required');
    await assert.rejects(startWebServer(monitor, { listen: '0.0.0.0:0', token: 'short' }), (error: unknown) => error instanceof WebError && error.code === 'weak-token');
  });

  it('requires the token for the API and /metrics but not for the pages', async () => {
    // Bound to loopback here (tests only talk to loopback); the token rules are the same on any address.
    const guarded = await startWebServer(monitor, { listen: '127.0.0.1:0', token: TOKEN, log: () => undefined });
    try {
      const call = (path: string, authorization?: string) => fetch(`${guarded.url}${path}`, { headers: authorization ? { authorization } : {} });
      for (const path of ['/api/paths', '/metrics', '/api/events', '/api/nothing']) {
        const response = await call(path);
        assert.equal(response.status, 401, path);
        assert.equal(response.headers.get('www-authenticate'), 'Bearer realm="pathmon"');
        assert.doesNotMatch(await response.text(), new RegExp(TOKEN));
      }
      assert.equal((await call('/api/paths', `Bearer ${TOKEN}x`)).status, 401);
      assert.equal((await call('/api/paths', `Bearer ${TOKEN}`)).status, 200);
      assert.equal((await call('/metrics', `Bearer ${TOKEN}`)).status, 200);
      assert.equal((await call('/')).status, 200);
    } finally {
      await guarded.close();
    }
  });

  it('reports a port already in use as a WebError', async () => {
    const port = new URL(server.url).port;
    await assert.rejects(startWebServer(monitor, { listen: `127.0.0.1:${port}` }), (error: unknown) => error instanceof WebError && error.code === 'listen-failed');
  });
});
