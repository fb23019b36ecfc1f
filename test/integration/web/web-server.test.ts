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
import { INCIDENT_TICKET_ID, RecordedMonitor } from '../../helpers/recorded-monitor.js';
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
    assert.ok(json.points.some((point: { lossPct: number }) => point.lossPct > 0), 'the recorded incident shows as loss');
    assert.deepEqual(json.transitions.map((t: { to: string }) => t.to), ['DEGRADED', 'UP']);
    assert.deepEqual(json.tickets.map((t: { ticketId: number }) => t.ticketId), [INCIDENT_TICKET_ID]);
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
    assert.equal((await get('/api/tickets')).json.tickets.length, 1);
  });

  it('gzips the big answers for clients that accept it', async () => {
    const response = await fetch(`${server.url}/api/paths`, { headers: { 'accept-encoding': 'gzip' } });
    assert.equal(response.headers.get('content-encoding'), 'gzip');
    assert.equal((await response.json()).paths.length, 8);
  });
});

describe('live events', () => {
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
    for (const page of ['/', '/path', '/topology', '/paths-page.js', '/app.css']) {
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
    for (const name of ['pathmon_path_rtt_seconds', 'pathmon_path_state', 'pathmon_path_loss_ratio', 'pathmon_probes_sent_total', 'pathmon_topology_age_seconds']) {
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
