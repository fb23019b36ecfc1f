/**
 * The restart that matters: pathmon opens a ticket for an incident, the process ends, a new one starts
 * over the same PGlite data directory and the incident is still open. It must note the ticket it opened
 * before, not open a second, and resolve that one when the incident resolves: for a link incident and
 * for a path incident. The real store is used (not the in-memory one) because "remembered across
 * restarts" is a property of what is on disk.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../../src/store/index.js';
import { startFakeFreshdesk, type FakeFreshdesk } from '../../helpers/fake-freshdesk.js';
import { freshdeskUnderTest, testApiKey } from './support/freshdesk-setup.js';
import { linkChange, pathChange } from './support/sample-incidents.js';
import { samplePath } from './support/sample-transitions.js';

describe('Freshdesk across a daemon restart (PGlite store)', () => {
  let fd: FakeFreshdesk;
  let dir: string;
  before(async () => {
    fd = await startFakeFreshdesk({ apiKey: testApiKey });
    dir = mkdtempSync(join(tmpdir(), 'pathmon-notify-restart-'));
  });
  after(async () => {
    await fd.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('path incident: notes and then resolves the ticket opened before the restart; never a second ticket', async () => {
    const path = samplePath('path-pglite-restart');
    const firstStore = await openStore(`pglite:${dir}`);
    const first = freshdeskUnderTest(fd, firstStore);
    const openedAtMs = first.clock.nowMs();
    await first.send([pathChange(path, 'UP', 'DOWN', openedAtMs)]);
    await first.dispatcher.close();
    await firstStore.close();
    assert.equal(fd.tickets.length, 1);

    const secondStore = await openStore(`pglite:${dir}`);
    try {
      const second = freshdeskUnderTest(fd, secondStore);
      // The restarted monitor re-announces the state it resumed, then the path changes and recovers.
      await second.send([pathChange(path, 'DOWN', 'DEGRADED', second.clock.nowMs(), openedAtMs)]);
      await second.send([pathChange(path, 'DEGRADED', 'UP', second.clock.nowMs(), openedAtMs)]);
      assert.equal(fd.tickets.length, 1, 'no duplicate');
      assert.equal(fd.tickets[0]!.notes.length, 2);
      assert.equal(fd.tickets[0]!.status, 4);
      assert.equal(await secondStore.openTicket(`path:${path.id}`), null);
      assert.equal(fd.requests.filter((r) => r.method === 'GET' && r.path === '/api/v2/tickets').length, 1, 'Freshdesk was searched only before the first create');
    } finally {
      await secondStore.close();
    }
  });

  it('link incident: one ticket across a restart, found through the store, resolved once', async () => {
    fd.tickets.length = 0;
    fd.requests.length = 0;
    const firstStore = await openStore(`pglite:${dir}`);
    const first = freshdeskUnderTest(fd, firstStore);
    const opened = linkChange({ atMs: first.clock.nowMs(), kind: 'loss', lossPct: 20 });
    await first.send([opened]);
    await first.dispatcher.close();
    await firstStore.close();
    assert.equal(fd.tickets.length, 1);

    const secondStore = await openStore(`pglite:${dir}`);
    try {
      // The restarted monitor resumes the open incident from the store and carries on with it.
      const [resumed] = await secondStore.openIncidents();
      assert.equal(resumed?.id, opened.incident.id);
      const second = freshdeskUnderTest(fd, secondStore);
      const worse = linkChange({ atMs: second.clock.nowMs() + 20_000, openedAtMs: resumed!.openedAtMs, kind: 'down', change: 'updated', previous: resumed! });
      await second.send([worse]);
      await second.send([linkChange({ atMs: second.clock.nowMs() + 40_000, openedAtMs: resumed!.openedAtMs, kind: 'down', change: 'resolved', previous: worse.incident })]);
      assert.equal(fd.tickets.length, 1, 'no duplicate');
      assert.equal(fd.tickets[0]!.notes.length, 2);
      assert.equal(fd.tickets[0]!.priority, 4);
      assert.equal(fd.tickets[0]!.status, 4);
      assert.equal(await secondStore.openTicket(opened.incident.subjectKey), null);
      assert.equal(fd.requests.filter((r) => r.method === 'GET' && r.path === '/api/v2/tickets').length, 1, 'Freshdesk was searched only before the first create');
      const [ticket] = (await secondStore.notifications(0)).filter((n) => n.channel === 'freshdesk' && n.subjectKeys[0] === opened.incident.subjectKey);
      assert.equal(ticket?.status, 'sent');
    } finally {
      await secondStore.close();
    }
  });
});
