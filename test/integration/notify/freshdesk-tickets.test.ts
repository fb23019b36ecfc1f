/**
 * The Freshdesk notifier against a server that follows the v2 contract: a ticket's whole life (open,
 * notes on change, resolution on recovery, GONE), no duplicate across a restart or after an unanswered
 * create, and the retry rules (429 Retry-After, 5xx, timeouts) seen from what Freshdesk ends up holding.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { pathTag } from '../../../src/notify/freshdesk-notifier.js';
import { startFakeFreshdesk, type FakeFreshdesk } from '../../helpers/fake-freshdesk.js';
import { freshdeskUnderTest } from './support/freshdesk-setup.js';
import { MemoryNotifyStore } from './support/memory-notify-store.js';
import { fakeClock, samplePath, transitionOf } from './support/sample-transitions.js';

const createPath = /^\/api\/v2\/tickets$/;

describe('Freshdesk tickets', () => {
  let fd: FakeFreshdesk;
  before(async () => {
    fd = await startFakeFreshdesk({ apiKey: 'fd-test-key-7Qz9wXv2Lk' });
  });
  after(async () => {
    await fd.close();
  });
  beforeEach(() => {
    fd.tickets.length = 0;
    fd.requests.length = 0;
  });

  it('opens one ticket on DEGRADED, notes the change to DOWN and raises its priority, resolves it on UP', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, clock } = freshdeskUnderTest(fd, store);
    const path = samplePath('path-a');

    await notifier.notify([transitionOf(path, 'UP', 'DEGRADED', clock.nowMs())]);
    assert.equal(fd.tickets.length, 1);
    const ticket = fd.tickets[0]!;
    assert.match(ticket.subject, /R1 > R2 > R4 > R6/);
    assert.match(ticket.subject, /DEGRADED/);
    assert.equal(ticket.status, 2);
    assert.equal(ticket.priority, 2);
    assert.equal(ticket.source, 2);
    assert.equal(ticket.email, 'noc@example.net');
    assert.deepEqual(ticket.tags, ['pathmon', 'R1-R6', 'DEGRADED', pathTag('path-a'), 'lab']);
    for (const hop of path.hops) assert.ok(ticket.description.includes(hop), `hop ${hop} in the description`);
    assert.match(ticket.description, /40\.0 %/, 'measured loss');
    assert.match(ticket.description, /5 %/, 'loss threshold');
    assert.match(ticket.description, /23\.45/, 'measured p95 delay');
    assert.match(ticket.description, /20 ms/, 'delay threshold');
    assert.deepEqual(await store.openTicket('path-a'), { pathId: 'path-a', ticketId: ticket.id, openedAtMs: clock.nowMs(), lastState: 'DEGRADED', resolvedAtMs: null });

    clock.advance(60_000);
    await notifier.notify([transitionOf(path, 'DEGRADED', 'DOWN', clock.nowMs())]);
    assert.equal(fd.tickets.length, 1, 'no second ticket');
    assert.equal(ticket.notes.length, 1);
    assert.match(ticket.notes[0]!.body, /DEGRADED -&gt; DOWN/);
    assert.equal(ticket.notes[0]!.private, true);
    assert.equal(ticket.priority, 4, 'priority raised to urgent');
    assert.equal(ticket.status, 2);

    clock.advance(60_000);
    await notifier.notify([transitionOf(path, 'DOWN', 'UP', clock.nowMs())]);
    assert.equal(ticket.notes.length, 2);
    assert.match(ticket.notes[1]!.body, /recovered/);
    assert.equal(ticket.status, 4, 'resolved');
    assert.equal(await store.openTicket('path-a'), null);
    assert.equal(store.tickets[0]!.resolvedAtMs, clock.nowMs());
    assert.deepEqual(store.notifications.map((n) => n.status), ['sent', 'sent', 'sent']);

    clock.advance(60_000);
    await notifier.notify([transitionOf(path, 'UP', 'DOWN', clock.nowMs())]);
    assert.equal(fd.tickets.length, 2, 'a new failure after resolution opens a new ticket');
    assert.equal(fd.tickets[1]!.priority, 4);
  });

  it('says "no longer exists" and resolves when the path is GONE; UP without a ticket does nothing', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, clock } = freshdeskUnderTest(fd, store);
    const path = samplePath('path-gone', ['A', 'B']);
    await notifier.notify([transitionOf(path, 'UP', 'DOWN', clock.nowMs()), transitionOf(samplePath('other'), null, 'UP', clock.nowMs())]);
    await notifier.notify([transitionOf(path, 'DOWN', 'GONE', clock.nowMs())]);
    assert.equal(fd.tickets.length, 1);
    assert.match(fd.tickets[0]!.notes[0]!.body, /no longer exists/);
    assert.equal(fd.tickets[0]!.status, 4);
    assert.equal(store.notifications.length, 2, 'one record for the open, one for the resolution; nothing for the UP path');
  });

  it('never duplicates across a restart: a new notifier over the same store notes the open ticket', async () => {
    const store = new MemoryNotifyStore();
    const path = samplePath('path-restart');
    const first = freshdeskUnderTest(fd, store);
    await first.notifier.notify([transitionOf(path, 'UP', 'DOWN', first.clock.nowMs())]);
    await first.notifier.close();

    const second = freshdeskUnderTest(fd, store);
    await second.notifier.notify([transitionOf(path, 'UP', 'DOWN', second.clock.nowMs())]);
    await second.notifier.notify([transitionOf(path, 'DOWN', 'DEGRADED', second.clock.nowMs())]);
    assert.equal(fd.tickets.length, 1);
    assert.equal(fd.tickets[0]!.notes.length, 2);
  });

  it('never duplicates when the store lost the ticket: the path tag finds it in Freshdesk', async () => {
    const path = samplePath('path-lost-store');
    const first = freshdeskUnderTest(fd, new MemoryNotifyStore());
    await first.notifier.notify([transitionOf(path, 'UP', 'DOWN', first.clock.nowMs())]);

    const freshStore = new MemoryNotifyStore();
    const second = freshdeskUnderTest(fd, freshStore);
    await second.notifier.notify([transitionOf(path, 'UP', 'DOWN', second.clock.nowMs())]);
    assert.equal(fd.tickets.length, 1);
    assert.equal(fd.tickets[0]!.notes.length, 1, 'the adopted ticket gets a note instead');
    assert.equal((await freshStore.openTicket(path.id))?.ticketId, fd.tickets[0]!.id);
  });

  it('a create Freshdesk carried out but never answered (timeout) is found, not repeated', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, clock } = freshdeskUnderTest(fd, store, { timeoutMs: 300 });
    fd.fail(1, { hang: true, process: true }, { method: 'POST', path: createPath });
    await notifier.notify([transitionOf(samplePath('path-ambiguous'), 'UP', 'DOWN', clock.nowMs())]);
    assert.equal(fd.tickets.length, 1, 'exactly one ticket');
    assert.equal((await store.openTicket('path-ambiguous'))?.ticketId, fd.tickets[0]!.id);
    assert.equal(store.notifications.at(-1)?.status, 'sent');
  });

  it('a create that timed out without being carried out is tried again and made once', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, clock } = freshdeskUnderTest(fd, store, { timeoutMs: 300 });
    fd.fail(1, { hang: true }, { method: 'POST', path: createPath });
    await notifier.notify([transitionOf(samplePath('path-timeout'), 'UP', 'DOWN', clock.nowMs())]);
    assert.equal(fd.tickets.length, 1);
    assert.equal(fd.requests.filter((r) => r.method === 'POST' && createPath.test(r.path)).length, 2);
  });

  it('honours 429 Retry-After (through the injected sleep) and then succeeds', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, clock, sleeps } = freshdeskUnderTest(fd, store);
    fd.fail(2, { status: 429, retryAfterS: 7 });
    await notifier.notify([transitionOf(samplePath('path-429'), 'UP', 'DOWN', clock.nowMs())]);
    assert.equal(fd.tickets.length, 1);
    assert.deepEqual(sleeps, [7000, 7000]);
    assert.deepEqual(fd.requests.map((r) => r.status), [429, 429, 400, 201], 'the lookup finds no contact yet (400 on email), then the create');
  });

  it('queues the work when Retry-After is longer than it will wait, and does it on a later retryQueued()', async () => {
    const store = new MemoryNotifyStore();
    const clock = fakeClock();
    const { notifier, sleeps } = freshdeskUnderTest(fd, store, { clock, maxRetryAfterMs: 60_000 });
    fd.fail(1, { status: 429, retryAfterS: 3600 });
    await notifier.notify([transitionOf(samplePath('path-429-long'), 'UP', 'DOWN', clock.nowMs())]);
    assert.equal(fd.tickets.length, 0);
    assert.deepEqual(sleeps, [], 'did not sleep an hour');
    assert.equal(store.notifications.at(-1)?.status, 'queued');
    assert.equal(notifier.status().queued, 1);

    await notifier.retryQueued();
    assert.equal(fd.tickets.length, 0, 'not before its backoff time');
    clock.advance(10 * 60_000);
    await notifier.retryQueued();
    assert.equal(fd.tickets.length, 1);
    assert.equal(store.notifications.at(-1)?.status, 'sent');
    assert.equal(notifier.status().queued, 0);
  });

  it('retries 5xx with backoff on every call, and a 5xx create only after looking for the ticket', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, clock, sleeps } = freshdeskUnderTest(fd, store);
    const path = samplePath('path-5xx');
    fd.fail(1, { status: 500 }, { method: 'POST', path: createPath });
    await notifier.notify([transitionOf(path, 'UP', 'DOWN', clock.nowMs())]);
    assert.equal(fd.tickets.length, 1);
    assert.deepEqual(fd.requests.map((r) => `${r.method} ${r.status}`), ['GET 400', 'POST 500', 'GET 400', 'POST 201']);

    fd.fail(2, { status: 503 }, { method: 'PUT' });
    sleeps.length = 0;
    await notifier.notify([transitionOf(path, 'DOWN', 'UP', clock.nowMs())]);
    assert.equal(fd.tickets[0]!.status, 4);
    assert.equal(sleeps.length, 2, 'two backoff waits');
    assert.ok(sleeps[1]! > sleeps[0]!, 'the backoff grows');
  });

  it('keeps per-path order when Freshdesk is unreachable: create then resolve, each step once', async () => {
    const store = new MemoryNotifyStore();
    const clock = fakeClock();
    const { notifier } = freshdeskUnderTest(fd, store, { clock, maxRetries: 1 });
    const path = samplePath('path-outage');
    fd.fail(2, { status: 502 }); // the lookup and its one retry
    await notifier.notify([transitionOf(path, 'UP', 'DOWN', clock.nowMs())]);
    await notifier.notify([transitionOf(path, 'DOWN', 'UP', clock.nowMs())]);
    assert.equal(notifier.status().queued, 2);
    assert.deepEqual(store.notifications.map((n) => n.status), ['queued', 'queued']);
    clock.advance(10 * 60_000);
    await notifier.retryQueued();
    assert.equal(fd.tickets.length, 1);
    assert.equal(fd.tickets[0]!.status, 4, 'created, then resolved');
    assert.equal(fd.tickets[0]!.notes.length, 1, 'one recovery note');
    assert.equal(notifier.status().queued, 0);
  });

  it('opens a new ticket when the one it remembered was deleted in Freshdesk', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, clock } = freshdeskUnderTest(fd, store);
    const path = samplePath('path-deleted');
    await notifier.notify([transitionOf(path, 'UP', 'DEGRADED', clock.nowMs())]);
    fd.deleteTicket(fd.tickets[0]!.id);
    await notifier.notify([transitionOf(path, 'DEGRADED', 'DOWN', clock.nowMs())]);
    assert.equal(fd.tickets.length, 2);
    assert.equal((await store.openTicket(path.id))?.ticketId, fd.tickets[1]!.id);
  });

  it('keeps a ticket it created while the store was down, and saves it once the store is back', async () => {
    const store = new MemoryNotifyStore();
    const clock = fakeClock();
    const { notifier } = freshdeskUnderTest(fd, store, { clock });
    const path = samplePath('path-store-down');
    store.failingSaves = true;
    await notifier.notify([transitionOf(path, 'UP', 'DOWN', clock.nowMs())]);
    assert.equal(fd.tickets.length, 1, 'created in Freshdesk');
    assert.equal(notifier.status().queued, 1, 'the store write is queued');
    store.failingSaves = false;
    clock.advance(10 * 60_000);
    await notifier.retryQueued();
    assert.equal(fd.tickets.length, 1, 'still one ticket');
    assert.equal(fd.tickets[0]!.notes.length, 0, 'only the missing store write was repeated');
    assert.equal((await store.openTicket(path.id))?.ticketId, fd.tickets[0]!.id);
  });

  it('queues the work while the store cannot be read, and does it when the store is back', async () => {
    const store = new MemoryNotifyStore();
    const clock = fakeClock();
    const { notifier } = freshdeskUnderTest(fd, store, { clock });
    const path = samplePath('path-store-unreadable');
    store.failing = true;
    await notifier.notify([transitionOf(path, 'UP', 'DOWN', clock.nowMs())]);
    assert.equal(fd.tickets.length, 0);
    assert.equal(notifier.status().queued, 1);
    store.failing = false;
    clock.advance(10 * 60_000);
    await notifier.retryQueued();
    assert.equal(fd.tickets.length, 1);
    assert.equal(store.notifications.at(-1)?.status, 'sent');
  });
});
