/**
 * The e-mail notifier through nodemailer to a real SMTP server started here: what arrives (one mail per
 * incident change, its subject naming the change and the subject, the evidence), that a round without
 * changes sends nothing, that an SMTP outage keeps the mails in the outbox and a later pass delivers
 * them in order (saying they are late), and that the SMTP password is used for AUTH yet appears in no
 * error, log line or record. The mails go through the outbox as the monitor sends them.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { emailConfigSchema } from '../../../src/notify/config-schema.js';
import { EmailNotifier } from '../../../src/notify/email-notifier.js';
import { smtpTransport } from '../../../src/notify/smtp-transport.js';
import { resolveSecret } from '../../../src/secrets/resolve-secret.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';
import { MemoryNotifyStore } from './support/memory-notify-store.js';
import { outboxUnderTest } from './support/outbox-under-test.js';
import { linkChange, pathChange } from './support/sample-incidents.js';
import { fakeClock, samplePath } from './support/sample-transitions.js';

const smtpPassword = 'smtp-pw-Zx81!kQ';

function mailerFor(port: number, store: MemoryNotifyStore, options: { password?: string; clock?: ReturnType<typeof fakeClock> } = {}) {
  const config = emailConfigSchema.parse({
    host: '127.0.0.1',
    port,
    tls: 'none',
    from: 'pathmon@lab.example',
    to: ['noc@lab.example', 'oncall@lab.example'],
    timeoutMs: 3000,
    maxAttempts: 3,
    ...(options.password !== undefined ? { user: 'pathmon', password: { env: 'TEST_SMTP_PASSWORD' } } : {}),
  });
  const password = config.password === undefined ? null : resolveSecret(config.password, 'the SMTP password', { env: { TEST_SMTP_PASSWORD: options.password } });
  const clock = options.clock ?? fakeClock();
  const logs: string[] = [];
  const notifier = new EmailNotifier({
    transport: smtpTransport(config, password),
    from: config.from,
    to: config.to,
    subjectPrefix: config.subjectPrefix,
    maxAttempts: config.maxAttempts,
    nowMs: clock.nowMs,
    random: () => 0.5,
  });
  const outbox = outboxUnderTest(store, [notifier], clock.nowMs, (level, message) => logs.push(`${level} ${message}`));
  return { notifier, clock, logs, ...outbox };
}

describe('e-mail through SMTP', () => {
  let sink: SmtpSink;
  before(async () => {
    sink = await startSmtpSink();
  });
  after(async () => {
    await sink.close();
  });
  beforeEach(() => {
    sink.messages.length = 0;
  });

  it('sends one mail per incident change of a round, each naming the change and the subject, with the evidence', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, send, clock } = mailerFor(sink.port, store);
    const link = linkChange({ atMs: clock.nowMs(), kind: 'down', controlPlaneUp: true });
    const round = [pathChange(samplePath('p-up', ['R1', 'R3', 'R6']), 'DEGRADED', 'UP', clock.nowMs()), link, pathChange(samplePath('p-deg', ['R1', 'R5', 'R6']), 'UP', 'DEGRADED', clock.nowMs())];
    await send(round);
    const mails = await sink.waitForMessages(3);
    assert.equal(sink.messages.length, 3, 'one mail per change');
    assert.deepEqual(
      mails.map((m) => m.subject),
      ['[pathmon] resolved: R1 > R3 > R6 UP', '[pathmon] opened: R4→R6: 100 % loss (data plane down, control plane up)', '[pathmon] opened: R1 > R5 > R6 DEGRADED'],
    );
    for (const mail of mails) {
      assert.equal(mail.envelopeFrom, 'pathmon@lab.example');
      assert.deepEqual(mail.envelopeTo, ['noc@lab.example', 'oncall@lab.example']);
    }
    const [up, down, deg] = mails;
    for (const part of [down!.text, down!.html]) {
      assert.match(part, /Evidence routes \(2\)/);
      assert.match(part, /w1a2b3c4d5e6, w9f8e7d6c5b4/);
      assert.match(part, /path-r1-r6-a, path-r1-r6-b/);
      assert.match(part, /data plane down, control plane up/);
      assert.match(part, /down for 3 rounds/, 'the reason');
    }
    for (const part of [deg!.text, deg!.html]) {
      assert.match(part, /R1 &gt; R5 &gt; R6: UP -&gt; DEGRADED|R1 > R5 > R6: UP -> DEGRADED/);
      assert.match(part, /23\.45/, 'measured p95 of the degraded path');
      assert.match(part, /loss 40 % (>|&gt;) 5 % for 3 rounds/);
    }
    assert.match(up!.text, /R1 > R3 > R6: DEGRADED -> UP/);
    assert.deepEqual(
      store.notifications.map((n) => [n.channel, n.status, n.subjectKeys]),
      [
        ['email', 'sent', ['path:p-up']],
        ['email', 'sent', [link.incident.subjectKey]],
        ['email', 'sent', ['path:p-deg']],
      ],
    );
    await notifier.close();
  });

  it('gives each outbox row one Message-ID, so a row sent again after a crash (or by a new fleet leader) is the same message', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, clock } = mailerFor(sink.port, store);
    const change = linkChange({ atMs: clock.nowMs(), kind: 'down', controlPlaneUp: true });
    const item = {
      id: 41,
      channel: 'email' as const,
      subjectKey: change.incident.subjectKey,
      incidentId: change.incident.id,
      change,
      createdAtMs: clock.nowMs(),
      attempts: 0,
      nextAttemptAtMs: clock.nowMs(),
      state: 'pending' as const,
    };
    const other = { ...item, id: 42 };
    const before = sink.messages.length;
    for (const row of [item, item, other]) assert.equal((await notifier.deliver(row as never, { nowMs: clock.nowMs(), current: null })).kind, 'delivered');
    const mails = (await sink.waitForMessages(before + 3)).slice(before);
    const ids = mails.map((mail) => mail.headers.get('message-id'));
    assert.match(ids[0] ?? '', /^<pathmon-outbox-41-[^@]+@pathmon>$/);
    assert.equal(ids[1], ids[0], 'the same row sent twice carries the same Message-ID');
    assert.notEqual(ids[2], ids[0], 'another row has its own');
    await notifier.close();
  });

  it('sends nothing for a round without changes', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, send, dispatch } = mailerFor(sink.port, store);
    await send([]);
    await dispatch();
    await send([pathChange(samplePath('p-one'), 'UP', 'DOWN', 0)]);
    await sink.waitForMessages(1);
    assert.equal(sink.messages.length, 1, 'only the round with a change made a mail');
    assert.equal(store.notifications.length, 1);
    await notifier.close();
  });

  it('queues mail while the SMTP server is down and delivers it, in order, when it is back', async () => {
    const down = await startSmtpSink();
    const port = down.port;
    await down.close();
    const store = new MemoryNotifyStore();
    const clock = fakeClock();
    const { notifier, send, dispatch, pending, logs } = mailerFor(port, store, { clock });
    await send([pathChange(samplePath('p-a', ['A', 'B']), 'UP', 'DOWN', clock.nowMs())]);
    await send([pathChange(samplePath('p-a', ['A', 'B']), 'DOWN', 'UP', clock.nowMs()), linkChange({ atMs: clock.nowMs() })]);
    assert.deepEqual(
      store.notifications.map((n) => n.status),
      ['queued'],
      'one failure; the later mails wait without a connection attempt each',
    );
    assert.match(store.notifications[0]!.detail, /ECONNREFUSED/);
    assert.equal((await pending()).length, 3);
    assert.ok(
      logs.some((l) => l.startsWith('warn ')),
      'the failure is reported',
    );

    const back = await startSmtpSink({ port });
    try {
      await dispatch();
      assert.equal(back.messages.length, 0, 'not before the backoff time');
      clock.advance(60_000);
      await dispatch();
      const mails = await back.waitForMessages(3);
      assert.deepEqual(
        mails.map((m) => m.subject),
        ['[pathmon] opened: A > B DOWN', '[pathmon] resolved: A > B UP', '[pathmon] opened: R4→R6: 20 % loss'],
      );
      assert.deepEqual(
        store.notifications.map((n) => n.status),
        ['queued', 'sent', 'sent', 'sent'],
      );
      assert.equal((await pending()).length, 0);
      for (const mail of mails) {
        assert.match(mail.text, /Late: queued since 2025-01-01 10:00:00 UTC \(60 s ago\)/, 'a late mail says since when it waited');
      }
      assert.match(mails[0]!.text, /the incident has since resolved/, 'and that the fault it reports is over');
      assert.doesNotMatch(mails[1]!.text, /since resolved/);
    } finally {
      await notifier.close();
      await back.close();
    }
  });

  it('retries a mail the server refused with 451 and gives up after maxAttempts, reporting it failed', async () => {
    const store = new MemoryNotifyStore();
    const clock = fakeClock();
    const { notifier, send, dispatch } = mailerFor(sink.port, store, { clock });
    sink.rejectNext(3);
    await send([pathChange(samplePath('p-refused'), 'UP', 'DOWN', clock.nowMs())]);
    for (let i = 0; i < 2; i += 1) {
      clock.advance(3_600_000);
      await dispatch();
    }
    assert.equal(sink.messages.length, 0);
    assert.deepEqual(
      store.notifications.map((n) => n.status),
      ['queued', 'failed'],
    );
    assert.match(store.notifications[1]!.detail, /451/);
    assert.equal(store.outbox[0]!.state, 'failed');
    assert.equal(store.outbox[0]!.attempts, 3);
    await notifier.close();
  });

  it('authenticates with the password from the environment and never shows it', async () => {
    const authSink = await startSmtpSink({ auth: { user: 'pathmon', password: smtpPassword } });
    try {
      const store = new MemoryNotifyStore();
      const good = mailerFor(authSink.port, store, { password: smtpPassword });
      await good.send([pathChange(samplePath('p-auth'), 'UP', 'DOWN', 0)]);
      const [mail] = await authSink.waitForMessages(1);
      assert.equal(mail!.authUser, 'pathmon');
      await good.notifier.close();

      const wrong = 'wrong-pw-Yt55?';
      const bad = mailerFor(authSink.port, store, { password: wrong });
      await bad.send([pathChange(samplePath('p-auth'), 'DOWN', 'UP', 0)]);
      assert.equal(store.notifications.at(-1)?.status, 'queued');
      assert.match(store.notifications.at(-1)!.detail, /535|auth|login/i);
      const everything = [...good.logs, ...bad.logs, JSON.stringify(store.notifications), JSON.stringify(bad.notifier.status())].join('\n');
      assert.ok(!everything.includes(smtpPassword) && !everything.includes(wrong), 'a password in logs or records');
      await bad.notifier.close();
    } finally {
      await authSink.close();
    }
  });
});
