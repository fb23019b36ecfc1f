/**
 * One round feeds both channels, built from config as the daemon builds them. Each channel's failure
 * is its own: Freshdesk refusing the key does not stop the mail, an SMTP outage does not stop the
 * ticket, and each failure is recorded under its own channel.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { buildNotifiers } from '../../../src/notify/build-notifiers.js';
import { emailConfigSchema, freshdeskConfigSchema } from '../../../src/notify/config-schema.js';
import type { Notifier } from '../../../src/notify/notifier.js';
import { SecretError } from '../../../src/secrets/errors.js';
import { startFakeFreshdesk, type FakeFreshdesk } from '../../helpers/fake-freshdesk.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';
import { MemoryNotifyStore } from './support/memory-notify-store.js';
import { outboxUnderTest } from './support/outbox-under-test.js';
import { linkChange, pathChange } from './support/sample-incidents.js';
import { samplePath } from './support/sample-transitions.js';

const key = 'fd-key-channels-Pp42';

describe('Freshdesk and e-mail fail apart', () => {
  let fd: FakeFreshdesk;
  let sink: SmtpSink;
  before(async () => {
    fd = await startFakeFreshdesk({ apiKey: key });
    sink = await startSmtpSink();
  });
  after(async () => {
    await fd.close();
    await sink.close();
  });

  const build = (store: MemoryNotifyStore, env: Record<string, string>, smtpPort: number): Notifier[] =>
    buildNotifiers({
      freshdesk: freshdeskConfigSchema.parse({ baseUrl: fd.baseUrl, apiKey: { env: 'FD_KEY' }, requesterEmail: 'noc@lab.example', maxRetries: 0 }),
      email: emailConfigSchema.parse({ host: '127.0.0.1', port: smtpPort, tls: 'none', from: 'pathmon@lab.example', to: ['noc@lab.example'], timeoutMs: 3000 }),
      store,
      secrets: { env },
      log: () => undefined,
    });
  const round = (id: string) => [pathChange(samplePath(id), 'UP', 'DOWN', Date.now())];
  /** One round's changes through the outbox, as the monitor sends them: one row per channel. */
  const notifyAll = async (store: MemoryNotifyStore, notifiers: Notifier[], changes: ReturnType<typeof round>) => {
    await outboxUnderTest(store, notifiers, Date.now).send(changes);
  };
  /** The channels run side by side, so their records are compared per channel. */
  const byChannel = (store: MemoryNotifyStore) => [...store.notifications].sort((a, b) => a.channel.localeCompare(b.channel)).map((n) => [n.channel, n.status, n.subjectKeys]);

  it('a wrong Freshdesk key: the ticket fails, the mail goes', async () => {
    const store = new MemoryNotifyStore();
    const notifiers = build(store, { FD_KEY: 'not-the-key-Xx' }, sink.port);
    await notifyAll(store, notifiers, round('p-wrong-key'));
    await sink.waitForMessages(1);
    assert.equal(fd.tickets.length, 0);
    assert.deepEqual(byChannel(store), [
      ['email', 'sent', ['path:p-wrong-key']],
      ['freshdesk', 'failed', ['path:p-wrong-key']],
    ]);
    for (const n of notifiers) await n.close();
  });

  it('SMTP down: the mail is queued, the ticket opens', async () => {
    const store = new MemoryNotifyStore();
    const closed = await startSmtpSink();
    const deadPort = closed.port;
    await closed.close();
    const notifiers = build(store, { FD_KEY: key }, deadPort);
    await notifyAll(store, notifiers, round('p-smtp-down'));
    assert.equal(fd.tickets.length, 1);
    assert.deepEqual(byChannel(store), [
      ['email', 'queued', ['path:p-smtp-down']],
      ['freshdesk', 'sent', ['path:p-smtp-down']],
    ]);
    assert.deepEqual(
      store.outbox.map((o) => [o.channel, o.state]),
      [
        ['freshdesk', 'delivered'],
        ['email', 'pending'],
      ],
    );
    for (const n of notifiers) await n.close();
  });

  it('a link incident: SMTP down queues its mail, its ticket still opens; each recorded under its own channel', async () => {
    fd.tickets.length = 0;
    const store = new MemoryNotifyStore();
    const closed = await startSmtpSink();
    const deadPort = closed.port;
    await closed.close();
    const notifiers = build(store, { FD_KEY: key }, deadPort);
    const change = linkChange({ atMs: Date.now(), kind: 'down', controlPlaneUp: true });
    await notifyAll(store, notifiers, [change]);
    assert.deepEqual(
      fd.tickets.map((t) => t.subject),
      ['R4→R6: 100 % loss (data plane down, control plane up)'],
    );
    assert.deepEqual(byChannel(store), [
      ['email', 'queued', [change.incident.subjectKey]],
      ['freshdesk', 'sent', [change.incident.subjectKey]],
    ]);
    for (const n of notifiers) await n.close();
  });

  it('a missing secret stops the start with the variable named', () => {
    assert.throws(
      () => build(new MemoryNotifyStore(), {}, sink.port),
      (e: unknown) => e instanceof SecretError && /FD_KEY/.test(e.message),
    );
  });
});
