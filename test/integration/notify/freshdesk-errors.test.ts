/**
 * Freshdesk refusing pathmon: a validation error names the field, a wrong key is a clear 401 that
 * nobody retries, an unreachable server queues the work, and the API key shows up in none of the
 * errors, log lines or notification records.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, beforeEach, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { FreshdeskClient } from '../../../src/notify/freshdesk-client.js';
import { IntegrationError } from '../../../src/notify/integration-error.js';
import { Secret } from '../../../src/secrets/secret.js';
import { startFakeFreshdesk, type FakeFreshdesk } from '../../helpers/fake-freshdesk.js';
import { freshdeskUnderTest, testApiKey } from './support/freshdesk-setup.js';
import { MemoryNotifyStore } from './support/memory-notify-store.js';
import { pathChange } from './support/sample-incidents.js';
import { fakeClock, samplePath } from './support/sample-transitions.js';

const wrongKey = 'wrong-key-Hq83nZp1';

function leaks(text: string, key: string): boolean {
  return text.includes(key) || text.includes(Buffer.from(`${key}:X`).toString('base64'));
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('Freshdesk errors', () => {
  let fd: FakeFreshdesk;
  before(async () => {
    fd = await startFakeFreshdesk({ apiKey: testApiKey });
  });
  after(async () => {
    await fd.close();
  });
  beforeEach(() => {
    fd.tickets.length = 0;
    fd.requests.length = 0;
  });

  it('a 400 names the field Freshdesk refused and is not retried', async () => {
    const client = new FreshdeskClient({ baseUrl: fd.baseUrl, apiKey: new Secret(testApiKey, 'env T'), timeoutMs: 2000, maxRetries: 3, maxRetryAfterMs: 1000, sleep: async () => undefined });
    const error = await client.createTicket({ email: 'not-an-address', subject: 's', description: 'd', status: 2, priority: 9, source: 2, tags: [] }).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(error instanceof IntegrationError);
    assert.equal(error.service, 'freshdesk');
    assert.equal(error.status, 400);
    assert.equal(error.code, 'rejected');
    assert.equal(error.retryable, false);
    assert.deepEqual(
      error.fields.map((f) => [f.field, f.code]),
      [
        ['email', 'invalid_value'],
        ['priority', 'invalid_value'],
      ],
    );
    assert.equal(fd.requests.length, 1, 'no retry');
  });

  it('a 400 from the notifier is recorded failed (with the field), not queued', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, send, dispatch, pending, clock, logs } = freshdeskUnderTest(fd, store, { requesterEmail: 'broken address' });
    await send([pathChange(samplePath('path-400'), 'UP', 'DOWN', clock.nowMs())]);
    assert.equal(fd.tickets.length, 0);
    assert.equal(store.notifications.length, 1);
    assert.equal(store.notifications[0]!.status, 'failed');
    assert.match(store.notifications[0]!.detail, /email/);
    assert.equal((await pending()).length, 0);
    assert.ok(logs.some((l) => l.startsWith('error ')));
  });

  it('a wrong key gets a clear 401, is not retried, and appears nowhere', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, send, dispatch, pending, client, clock, logs } = freshdeskUnderTest(fd, store, { apiKey: wrongKey });
    const error = await client.addNote(1, 'x', true).then(
      () => null,
      (e: unknown) => e,
    );
    assert.ok(error instanceof IntegrationError);
    assert.equal(error.status, 401);
    assert.equal(error.code, 'unauthorized');
    assert.ok(!leaks(`${error.message} ${error.stack ?? ''} ${inspect(error, { depth: 5 })} ${JSON.stringify(error)}`, wrongKey));

    fd.requests.length = 0;
    await send([pathChange(samplePath('path-401'), 'UP', 'DOWN', clock.nowMs())]);
    assert.equal(fd.requests.length, 1, 'no retry of a 401');
    assert.equal(store.notifications[0]!.status, 'failed');
    assert.match(store.notifications[0]!.detail, /401/);
    const everything = [...logs, ...store.notifications.map((n) => JSON.stringify(n)), JSON.stringify(notifier.status())].join('\n');
    assert.ok(!leaks(everything, wrongKey), 'key in logs or records');
  });

  it('an unreachable Freshdesk queues the work and reports it, without the key', async () => {
    const port = await freePort();
    const store = new MemoryNotifyStore();
    const clock = fakeClock();
    const deadFd = { ...fd, baseUrl: `http://127.0.0.1:${port}` };
    const { notifier, send, dispatch, pending, logs } = freshdeskUnderTest(deadFd, store, { clock, maxRetries: 2 });
    await send([pathChange(samplePath('path-unreachable'), 'UP', 'DOWN', clock.nowMs())]);
    assert.equal(store.notifications[0]!.status, 'queued');
    assert.match(store.notifications[0]!.detail, /ECONNREFUSED/);
    assert.equal((await pending()).length, 1);
    assert.match(notifier.status().lastError ?? '', /ECONNREFUSED/);
    assert.ok(logs.some((l) => l.startsWith('warn ')));
    assert.ok(!leaks([...logs, JSON.stringify(store.notifications)].join('\n'), testApiKey));
  });
});
