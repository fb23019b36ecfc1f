/**
 * The e-mail notifier through nodemailer to a real SMTP server started here: what arrives (subject,
 * evidence, several transitions in one mail), that a round without transitions sends nothing, that an
 * SMTP outage queues the mail and a later retry delivers it, and that the SMTP password is used for
 * AUTH yet appears in no error, log line or record.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { emailConfigSchema } from '../../../src/notify/config-schema.js';
import { EmailNotifier } from '../../../src/notify/email-notifier.js';
import { smtpTransport } from '../../../src/notify/smtp-transport.js';
import { resolveSecret } from '../../../src/secrets/resolve-secret.js';
import { startSmtpSink, type SmtpSink } from '../../helpers/smtp-sink.js';
import { MemoryNotifyStore } from './support/memory-notify-store.js';
import { fakeClock, samplePath, transitionOf } from './support/sample-transitions.js';

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
    store,
    from: config.from,
    to: config.to,
    subjectPrefix: config.subjectPrefix,
    maxAttempts: config.maxAttempts,
    maxQueued: config.maxQueued,
    nowMs: clock.nowMs,
    log: (level, message) => logs.push(`${level} ${message}`),
    random: () => 0.5,
  });
  return { notifier, clock, logs };
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

  it('sends one mail for a round with several transitions, worst first, with the evidence', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, clock } = mailerFor(sink.port, store);
    const round = [
      transitionOf(samplePath('p-up', ['R1', 'R3', 'R6']), 'DEGRADED', 'UP', clock.nowMs()),
      transitionOf(samplePath('p-down', ['R1', 'R2', 'R4', 'R6']), 'UP', 'DOWN', clock.nowMs()),
      transitionOf(samplePath('p-deg', ['R1', 'R5', 'R6']), 'UP', 'DEGRADED', clock.nowMs()),
    ];
    await notifier.notify(round);
    const [mail] = await sink.waitForMessages(1);
    assert.equal(sink.messages.length, 1, 'one mail for the round');
    assert.equal(mail!.subject, 'pathmon: R1 > R2 > R4 > R6 DOWN (+2 more)');
    assert.equal(mail!.envelopeFrom, 'pathmon@lab.example');
    assert.deepEqual(mail!.envelopeTo, ['noc@lab.example', 'oncall@lab.example']);
    for (const part of [mail!.text, mail!.html]) {
      assert.match(part, /R1 &gt; R5 &gt; R6: UP -&gt; DEGRADED|R1 > R5 > R6: UP -> DEGRADED/);
      assert.match(part, /R1 (>|&gt;) R3 (>|&gt;) R6: DEGRADED (->|-&gt;) UP/);
      assert.match(part, /loss 100 % for 3 rounds/);
      assert.match(part, /23\.45/, 'measured p95 of the degraded path');
      assert.match(part, /10\.0\.2\.1/, 'a hop address');
    }
    assert.ok(mail!.text.indexOf('R1 > R2 > R4 > R6') < mail!.text.indexOf('R1 > R5 > R6'), 'DOWN listed before DEGRADED');
    assert.deepEqual(store.notifications.map((n) => [n.channel, n.status, n.pathIds]), [['email', 'sent', ['p-down', 'p-deg', 'p-up']]]);
    await notifier.close();
  });

  it('sends nothing for a round without transitions', async () => {
    const store = new MemoryNotifyStore();
    const { notifier } = mailerFor(sink.port, store);
    await notifier.notify([]);
    await notifier.retryQueued();
    await notifier.notify([transitionOf(samplePath('p-one'), 'UP', 'DOWN', 0)]);
    await sink.waitForMessages(1);
    assert.equal(sink.messages.length, 1, 'only the round with a transition made a mail');
    assert.equal(store.notifications.length, 1);
    await notifier.close();
  });

  it('queues mail while the SMTP server is down and delivers it, in order, when it is back', async () => {
    const down = await startSmtpSink();
    const port = down.port;
    await down.close();
    const store = new MemoryNotifyStore();
    const clock = fakeClock();
    const { notifier, logs } = mailerFor(port, store, { clock });
    await notifier.notify([transitionOf(samplePath('p-a', ['A', 'B']), 'UP', 'DOWN', clock.nowMs())]);
    await notifier.notify([transitionOf(samplePath('p-a', ['A', 'B']), 'DOWN', 'UP', clock.nowMs())]);
    assert.deepEqual(store.notifications.map((n) => n.status), ['queued', 'queued']);
    assert.match(store.notifications[0]!.detail, /ECONNREFUSED/);
    assert.equal(notifier.status().queued, 2);
    assert.ok(logs.some((l) => l.startsWith('warn ')), 'the failure is reported');

    const back = await startSmtpSink({ port });
    try {
      await notifier.retryQueued();
      assert.equal(back.messages.length, 0, 'not before the backoff time');
      clock.advance(60_000);
      await notifier.retryQueued();
      const mails = await back.waitForMessages(2);
      assert.deepEqual(mails.map((m) => m.subject), ['pathmon: A > B DOWN', 'pathmon: A > B UP']);
      assert.deepEqual(store.notifications.map((n) => n.status), ['queued', 'queued', 'sent', 'sent']);
      assert.equal(notifier.status().queued, 0);
    } finally {
      await notifier.close();
      await back.close();
    }
  });

  it('retries a mail the server refused with 451 and gives up after maxAttempts, reporting it failed', async () => {
    const store = new MemoryNotifyStore();
    const clock = fakeClock();
    const { notifier } = mailerFor(sink.port, store, { clock });
    sink.rejectNext(3);
    await notifier.notify([transitionOf(samplePath('p-refused'), 'UP', 'DOWN', clock.nowMs())]);
    for (let i = 0; i < 2; i += 1) {
      clock.advance(3_600_000);
      await notifier.retryQueued();
    }
    assert.equal(sink.messages.length, 0);
    assert.deepEqual(store.notifications.map((n) => n.status), ['queued', 'failed']);
    assert.match(store.notifications[1]!.detail, /451/);
    assert.equal(notifier.status().queued, 0);
    await notifier.close();
  });

  it('authenticates with the password from the environment and never shows it', async () => {
    const authSink = await startSmtpSink({ auth: { user: 'pathmon', password: smtpPassword } });
    try {
      const store = new MemoryNotifyStore();
      const good = mailerFor(authSink.port, store, { password: smtpPassword });
      await good.notifier.notify([transitionOf(samplePath('p-auth'), 'UP', 'DOWN', 0)]);
      const [mail] = await authSink.waitForMessages(1);
      assert.equal(mail!.authUser, 'pathmon');
      await good.notifier.close();

      const wrong = 'wrong-pw-Yt55?';
      const bad = mailerFor(authSink.port, store, { password: wrong });
      await bad.notifier.notify([transitionOf(samplePath('p-auth'), 'DOWN', 'UP', 0)]);
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
