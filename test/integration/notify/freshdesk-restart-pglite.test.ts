/**
 * The restart that matters: pathmon opens a ticket, the process ends, a new one starts over the same
 * PGlite data directory and sees the same path still failing. It must note the ticket it opened before,
 * not open a second, and resolve that one on recovery. The real store is used (not the in-memory one)
 * because "remembered across restarts" is a property of what is on disk.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../../../src/store/index.js';
import { startFakeFreshdesk, type FakeFreshdesk } from '../../helpers/fake-freshdesk.js';
import { freshdeskUnderTest, testApiKey } from './support/freshdesk-setup.js';
import { samplePath, transitionOf } from './support/sample-transitions.js';

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

  it('notes and then resolves the ticket opened before the restart; never a second ticket', async () => {
    const path = samplePath('path-pglite-restart');
    const firstStore = await openStore(`pglite:${dir}`);
    const first = freshdeskUnderTest(fd, firstStore);
    await first.notifier.notify([transitionOf(path, 'UP', 'DOWN', first.clock.nowMs())]);
    await first.notifier.close();
    await firstStore.close();
    assert.equal(fd.tickets.length, 1);

    const secondStore = await openStore(`pglite:${dir}`);
    try {
      const second = freshdeskUnderTest(fd, secondStore);
      // The restarted monitor re-announces the state it resumed, then the path changes and recovers.
      await second.notifier.notify([transitionOf(path, 'DOWN', 'DEGRADED', second.clock.nowMs())]);
      await second.notifier.notify([transitionOf(path, 'DEGRADED', 'UP', second.clock.nowMs())]);
      assert.equal(fd.tickets.length, 1, 'no duplicate');
      assert.equal(fd.tickets[0]!.notes.length, 2);
      assert.equal(fd.tickets[0]!.status, 4);
      assert.equal(await secondStore.openTicket(path.id), null);
      assert.equal(fd.requests.filter((r) => r.method === 'GET').length, 1, 'Freshdesk was searched only before the first create');
    } finally {
      await secondStore.close();
    }
  });
});
