/**
 * /healthz and /readyz over HTTP on loopback, as a service manager or load balancer asks them: health
 * is 200 whenever the server answers; readiness is 503 with a reason until a first round has finished,
 * 503 while the store refuses round results (a real ResultWriter over a sink that fails like an
 * unreachable database), 200 once it takes them again, and 503 once the writer is closed. Neither needs
 * the bearer token the API needs, and neither leaks the store's error text.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { RoundResultRecord } from '../../../src/store/records.js';
import { ResultWriter, StoreError, type WriterTimers } from '../../../src/store/index.js';
import { startWebServer, type WebServer } from '../../../src/web/index.js';
import { RecordedMonitor } from '../../helpers/recorded-monitor.js';
import { repoRoot } from '../../helpers/repo-root.js';

const NANOG76 = join(repoRoot, 'lab', 'topologies', 'nanog76.yaml');
const TOKEN = 'health-token-0123456789';
const DATABASE_SECRET = 'db-password-in-driver-text';

/** Timers that never fire: the test drives the writer with flush() instead of waiting. */
const stillTimers: WriterTimers = { nowMs: () => 1_700_000_000_000, setTimeout: () => ({}), clearTimeout: () => undefined };

let monitor: RecordedMonitor;
let writer: ResultWriter;
let databaseUp = true;
let server: WebServer;

async function get(path: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.url}${path}`, { headers });
  const text = await response.text();
  return { status: response.status, text, json: JSON.parse(text) as Record<string, unknown> };
}

before(async () => {
  monitor = await RecordedMonitor.fromTopology(NANOG76, 'dev1', 'dev2', { historyHours: 0 });
  writer = new ResultWriter(
    async () => {
      if (!databaseUp) throw new StoreError('unreachable', 'postgres://pathmon@db/pathmon', `store: connection refused (password ${DATABASE_SECRET})`);
    },
    { timers: stillTimers, retryInitialMs: 1 },
  );
  const view = Object.assign(monitor, { resultWriter: () => writer.stats() });
  server = await startWebServer(view, { listen: '127.0.0.1:0', token: TOKEN, log: () => undefined });
});

after(async () => {
  await server?.close();
  await monitor?.store.close();
});

const someRows = (): RoundResultRecord[] =>
  monitor
    .paths()
    .slice(0, 2)
    .map((path) => ({
      pathId: path.record.id,
      roundAtMs: Date.now(),
      sent: 10,
      received: 10,
      lossPct: 0,
      rttMinMs: 1,
      rttAvgMs: 1,
      rttMaxMs: 1,
      rttP50Ms: 1,
      rttP95Ms: 1,
      rttP99Ms: 1,
      jitterMs: 0,
    }));

describe('/healthz and /readyz', () => {
  it('/healthz is 200 from the start, without the token the API needs', async () => {
    const health = await get('/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(health.json, { status: 'ok' });
    assert.equal((await get('/api/status')).status, 401, 'the API itself still needs the token');
  });

  it('/readyz is 503 with reason no-round-yet before the first round', async () => {
    const ready = await get('/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.json.ready, false);
    assert.equal(ready.json.reason, 'no-round-yet');
    assert.equal(ready.json.rounds, 0);
  });

  it('/readyz is 200 once a round has run and the store takes results', async () => {
    await monitor.round();
    writer.add(someRows());
    await writer.flush();
    const ready = await get('/readyz');
    assert.equal(ready.status, 200, ready.text);
    assert.equal(ready.json.ready, true);
    assert.equal(ready.json.reason, 'ready');
    assert.equal(ready.json.rounds, 1);
  });

  it('/readyz is 503 with reason store-unwritable while the store refuses results, without its error text', async () => {
    databaseUp = false;
    writer.add(someRows());
    await assert.rejects(writer.flush());
    const ready = await get('/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.json.reason, 'store-unwritable');
    assert.match(String(ready.json.message), /2 row\(s\) waiting/);
    assert.doesNotMatch(ready.text, new RegExp(DATABASE_SECRET));
    assert.doesNotMatch(ready.text, /connection refused/);
  });

  it('/readyz is 200 again when the store takes the waiting results', async () => {
    databaseUp = true;
    await writer.flush();
    const ready = await get('/readyz');
    assert.equal(ready.status, 200, ready.text);
  });

  it('/readyz is 503 with reason store-closed once the writer has closed, and HEAD answers the status alone', async () => {
    await writer.close();
    const ready = await get('/readyz');
    assert.equal(ready.status, 503);
    assert.equal(ready.json.reason, 'store-closed');
    const head = await fetch(`${server.url}/readyz`, { method: 'HEAD' });
    assert.equal(head.status, 503);
    assert.equal(await head.text(), '');
  });
});
