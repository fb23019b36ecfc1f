/**
 * What an engineer reads: `pathmon events` (the built CLI, on a PGlite directory a receiver filled)
 * and the events page's API, GET /api/syslog-events, with its filters.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore, type SqlStore } from '../../../src/store/index.js';
import { startSyslog, updateEvents, listEvents } from '../../../src/syslog/index.js';
import { apiRoute, type ApiContext } from '../../../src/web/api-routes.js';
import { ApiInputError } from '../../../src/web/web-error.js';
import { runCli } from '../../helpers/cli.js';

const LINES = [
  '<189>Jun  1 11:59:58 R1 12: %LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/1, changed state to down',
  '<29>1 2025-06-01T11:59:58Z r4 ospfd 4321 - - AdjChg: Nbr 10.0.0.6, NbrIP 10.1.1.13 (default) on eth1: Full -> Deleted (InactivityTimer)',
  '<28>Jun  1 11:59:58 mx1 mib2d[1]: SNMP_TRAP_LINK_DOWN: ifIndex 5, ifAdminStatus up(1), ifOperStatus down(2), ifName ge-0/0/1',
  '<190>Jun  1 11:59:58 R1 13: %SYS-6-LOGGINGHOST_STARTSTOP: Logging to host 10.0.0.1 started',
  'garbage that is not syslog',
];

describe('pathmon events and /api/syslog-events', () => {
  let dir: string;
  let store: SqlStore;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pathmon-events-'));
    store = await openStore(`pglite:${dir}`);
    const receiver = await startSyslog({ udp: '127.0.0.1:0' }, { store, log: () => undefined });
    const stored = new Promise<void>((resolve) => {
      let n = 0;
      receiver.onEvent(() => {
        if (++n === LINES.length) resolve();
      });
    });
    const socket = createSocket('udp4');
    for (const line of LINES) await new Promise<void>((resolve) => socket.send(line, receiver.ports.udp!, '127.0.0.1', () => resolve()));
    socket.close();
    await stored;
    await receiver.close();
    const [ospf] = await listEvents(store.sqlClient, { code: 'OSPF-5-ADJCHG' });
    await updateEvents(store.sqlClient, [{ id: ospf!.id, status: 'MATCHED', incidentId: 'link:R4|R6:1' }]);
  });
  after(async () => {
    await store.close().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it('the API lists events newest first and filters by host, severity, code, status, text and parsed', async () => {
    const route = apiRoute('/api/syslog-events');
    assert.ok(route, '/api/syslog-events is routed');
    const context = { view: { store }, clock: () => Date.now() } as unknown as ApiContext;
    const get = async (query: string) =>
      (await route(context, new URLSearchParams(query))) as {
        events: { host: string; errorCode: string | null; status: string; parsed: boolean; incidentId: string | null }[];
        senders: { received: number }[];
      };
    const all = await get('');
    assert.equal(all.events.length, LINES.length);
    assert.equal(all.senders[0]?.received, LINES.length);
    assert.deepEqual(
      (await get('host=R1')).events.map((e) => e.errorCode),
      ['SYS-6-LOGGINGHOST_STARTSTOP', 'LINEPROTO-5-UPDOWN'],
    );
    assert.deepEqual(
      (await get('severity=warning')).events.map((e) => e.errorCode),
      ['SNMP_TRAP_LINK_DOWN'],
    );
    assert.deepEqual(
      (await get('code=%25LINEPROTO-5-UPDOWN')).events.map((e) => e.host),
      ['R1'],
    );
    assert.equal((await get('code=OSPF-*')).events.length, 1);
    const matched = (await get('status=matched')).events;
    assert.deepEqual(
      matched.map((e) => [e.host, e.incidentId]),
      [['r4', 'link:R4|R6:1']],
    );
    assert.deepEqual(
      (await get('q=ge-0/0/1')).events.map((e) => e.host),
      ['mx1'],
    );
    assert.deepEqual(
      (await get('parsed=false')).events.map((e) => e.parsed),
      [false],
    );
    const page = await get('limit=2');
    assert.equal(page.events.length, 2);
    for (const bad of ['severity=loud', 'status=DONE', 'code=a%20b', 'parsed=maybe', 'limit=0']) {
      await assert.rejects(get(bad), ApiInputError, bad);
    }
  });

  it('pathmon events prints the table and the JSON, filtered by --host and --code', async () => {
    await store.close();
    const table = runCli(['events', '--db', `pglite:${dir}`, '--since', '30d']);
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /LINEPROTO-5-UPDOWN/);
    assert.match(table.stdout, /UNPARSED/);
    assert.match(table.stdout, /MATCHED\s+link:R4\|R6:1/);
    const json = runCli(['events', '--db', `pglite:${dir}`, '--host', 'R1', '--code', 'LINEPROTO-*', '--json']);
    assert.equal(json.status, 0, json.stderr);
    const body = JSON.parse(json.stdout) as { events: { host: string; errorCode: string; facts: object }[] };
    assert.deepEqual(
      body.events.map((e) => [e.host, e.errorCode]),
      [['R1', 'LINEPROTO-5-UPDOWN']],
    );
    assert.deepEqual(body.events[0]!.facts, { interface: 'GigabitEthernet0/1', toState: 'down', direction: 'down' });
    const bad = runCli(['events', '--db', `pglite:${dir}`, '--code', 'no spaces please']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--code/);
  });
});
