/**
 * "kill -9 loses queued work": tickets and mails queued while Freshdesk answered 500 and the
 * SMTP server was away must be delivered by the next process, once each, and nothing must be opened for
 * an incident that was already over. Twice: a monitor on the nanog76 fakes over a PGlite store, dropped
 * mid-way without close() (its in-memory state gone, as a kill leaves it) and followed by a new monitor
 * on the same directory; and a real child process killed with SIGKILL.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { buildNotifiers } from '../../../src/notify/build-notifiers.js';
import { emailConfigSchema, freshdeskConfigSchema } from '../../../src/notify/config-schema.js';
import { OutboxDispatcher } from '../../../src/notify/outbox-dispatcher.js';
import { openStore, type SqlStore } from '../../../src/store/index.js';
import type { Store } from '../../../src/store/store.js';
import { startFakeFreshdesk, type FakeFreshdesk } from '../../helpers/fake-freshdesk.js';
import { startSmtpSink } from '../../helpers/smtp-sink.js';
import { crosses, harness, rounds } from '../../unit/monitor/monitor-fakes.js';

const apiKey = 'fd-key-outbox-restart-Zq1';

async function deadSmtpPort(): Promise<number> {
  const sink = await startSmtpSink();
  const { port } = sink;
  await sink.close();
  return port;
}

function notifiersFor(fd: FakeFreshdesk, store: Store, smtpPort: number, nowMs: () => number) {
  return buildNotifiers({
    freshdesk: freshdeskConfigSchema.parse({ baseUrl: fd.baseUrl, apiKey: { env: 'FD_KEY' }, requesterEmail: 'noc@lab.example', maxRetries: 0, timeoutMs: 3000 }),
    email: emailConfigSchema.parse({ host: '127.0.0.1', port: smtpPort, tls: 'none', from: 'pathmon@lab.example', to: ['noc@lab.example'], timeoutMs: 3000 }),
    store,
    secrets: { env: { FD_KEY: apiKey } },
    nowMs,
    log: () => undefined,
  });
}

describe('queued notifications survive a kill', () => {
  let fd: FakeFreshdesk;
  const dirs: string[] = [];
  before(async () => {
    fd = await startFakeFreshdesk({ apiKey });
  });
  after(async () => {
    await fd.close();
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('a monitor dropped mid-way: the next monitor on the same PGlite directory sends the tickets and mails, once each, none for a recovered incident', async () => {
    fd.tickets.length = 0;
    fd.clearFaults();
    const dir = mkdtempSync(join(tmpdir(), 'pathmon-outbox-kill-'));
    dirs.push(dir);
    const smtpPort = await deadSmtpPort();
    let clockNow = () => 0;

    // First life: Freshdesk answers 500 to everything, the SMTP server is away.
    fd.fail(100_000, { status: 500 });
    const firstStore: SqlStore = await openStore(`pglite:${dir}`);
    const first = harness({ monitorStore: firstStore, notifiers: notifiersFor(fd, firstStore, smtpPort, () => clockNow()) });
    clockNow = () => first.clock.now;
    await first.monitor.start();
    await rounds(first, 3);
    // R2–R4 degrades and recovers while nothing can be delivered; then R4–R6 goes down and stays down.
    first.network.fault('R2', 'R4', { delayMs: 20 });
    await rounds(first, 3);
    first.network.fault('R2', 'R4', null);
    await rounds(first, 3);
    first.network.fault('R4', 'R6', 'down');
    await rounds(first, 3);
    const downPaths = first.planned.filter((p) => crosses(p.path.names, 'R4', 'R6'));
    const changesMade = (await firstStore.outboxItems({ channel: 'email' })).length;
    assert.ok(changesMade >= 12, `opened, resolved and opened again for 4 paths each (got ${changesMade} changes)`);
    assert.equal((await firstStore.outboxItems({ state: 'pending' })).length, 2 * changesMade, 'every ticket and mail is still owed');
    assert.equal(fd.tickets.length, 0);

    // The kill: the monitor and its notifiers vanish without close(); only what is on disk remains.
    await firstStore.close();
    fd.clearFaults();
    const sink = await startSmtpSink({ port: smtpPort });
    const secondStore: SqlStore = await openStore(`pglite:${dir}`);
    try {
      const second = harness({
        monitorStore: secondStore,
        notifiers: notifiersFor(fd, secondStore, smtpPort, () => clockNow()),
        clockStartMs: first.clock.now + 5 * 60_000,
      });
      clockNow = () => second.clock.now;
      second.network.fault('R4', 'R6', 'down');
      await second.monitor.start();

      const labels = (names: string[]) => names.join(' > ');
      assert.deepEqual(
        fd.tickets.map((t) => t.subject.replace(/^pathmon: /, '').replace(/ DOWN.*$/, '')).sort(),
        downPaths.map((p) => labels(p.path.names)).sort(),
        'one ticket per path still down, none for the recovered R2–R4 paths',
      );
      const mails = await sink.waitForMessages(changesMade);
      assert.equal(new Set(mails.map((m) => `${m.subject}\n${m.text.split('\n').find((l) => l.startsWith('Incident '))}`)).size, changesMade, 'every mail once');
      assert.ok(
        mails.every((m) => /Late: queued since/.test(m.text)),
        'each says it is late',
      );
      assert.equal((await secondStore.outboxItems({ state: 'pending' })).length, 0);

      await rounds(second, 3);
      assert.equal(fd.tickets.length, downPaths.length, 'no duplicate later');
      assert.equal(sink.messages.length, changesMade);
      second.network.fault('R4', 'R6', null);
      await rounds(second, 3);
      assert.ok(
        fd.tickets.every((t) => t.status === 4),
        'and the tickets resolve when the paths recover',
      );
      await second.monitor.close();
    } finally {
      await secondStore.close();
      await sink.close();
    }
  });

  it('a real kill -9 of a process with queued work: the next process delivers the ticket and the mails, once each', async () => {
    fd.tickets.length = 0;
    fd.clearFaults();
    const dir = mkdtempSync(join(tmpdir(), 'pathmon-outbox-kill9-'));
    dirs.push(dir);
    const smtpPort = await deadSmtpPort();
    fd.fail(100_000, { status: 500 });
    const script = join(fileURLToPath(new URL('.', import.meta.url)), 'support', 'outbox-child.js');
    const child = spawn(process.execPath, [script, dir, fd.baseUrl, String(smtpPort), apiKey], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal ?? code)));
    const line = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('\n')) resolve(out.trim());
      });
      child.on('exit', () => reject(new Error(`outbox-child exited early: ${stderr}`)));
    });
    assert.equal(line, 'queued 6', 'three changes owe a ticket action and a mail each, all pending');
    child.kill('SIGKILL');
    assert.equal(await exited, 'SIGKILL');
    assert.equal(fd.tickets.length, 0);

    fd.clearFaults();
    const sink = await startSmtpSink({ port: smtpPort });
    const store = await openStore(`pglite:${dir}`);
    try {
      // The restart comes ten minutes later: the backoff the killed process set has passed.
      const later = () => Date.now() + 10 * 60_000;
      const notifiers = notifiersFor(fd, store, smtpPort, later);
      const dispatcher = new OutboxDispatcher({ store, notifiers, nowMs: later, log: () => undefined });
      const report = await dispatcher.dispatch();
      assert.deepEqual(
        fd.tickets.map((t) => t.subject),
        ['pathmon: R1 > R2 > R4 > R6 DOWN (group R1-R6)'],
        'the path still down gets its ticket; the blip none',
      );
      const mails = await sink.waitForMessages(3);
      assert.deepEqual(
        mails.map((m) => m.subject),
        ['[pathmon] opened: R1 > R2 > R4 > R6 DOWN', '[pathmon] opened: R1 > R3 > R6 DOWN', '[pathmon] resolved: R1 > R3 > R6 UP'],
      );
      assert.deepEqual(report, { delivered: 4, superseded: 2, failed: 0, retried: 0, pending: 0 });
      await dispatcher.dispatch();
      assert.equal(fd.tickets.length, 1, 'nothing twice');
      assert.equal(sink.messages.length, 3);
      for (const n of notifiers) await n.close();
    } finally {
      await store.close();
      await sink.close();
    }
  });
});
