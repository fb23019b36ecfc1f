/**
 * The Freshdesk notifier against a server that follows the v2 contract: one ticket per incident and its
 * whole life (open, notes on change, resolution), for link incidents (subject naming the link,
 * direction and estimate; evidence in the description) and path incidents (the old path wording, GONE),
 * no duplicate across a restart, after an unanswered create or a lost store write, and the retry rules
 * (429 Retry-After, 5xx, timeouts) seen from what Freshdesk ends up holding.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { pathTag, subjectTag } from '../../../src/notify/freshdesk-notifier.js';
import { startFakeFreshdesk, type FakeFreshdesk } from '../../helpers/fake-freshdesk.js';
import { freshdeskUnderTest } from './support/freshdesk-setup.js';
import { MemoryNotifyStore } from './support/memory-notify-store.js';
import { linkChange, pathChange } from './support/sample-incidents.js';
import { fakeClock, samplePath } from './support/sample-transitions.js';

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

  it('path incident: opens one ticket on DEGRADED, notes the change to DOWN and raises its priority, resolves it on UP', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, send, dispatch, pending, clock } = freshdeskUnderTest(fd, store);
    const path = samplePath('path-a');
    const openedAtMs = clock.nowMs();

    await send([pathChange(path, 'UP', 'DEGRADED', clock.nowMs())]);
    assert.equal(fd.tickets.length, 1);
    const ticket = fd.tickets[0]!;
    assert.match(ticket.subject, /R1 > R2 > R4 > R6/);
    assert.match(ticket.subject, /DEGRADED/);
    assert.equal(ticket.status, 2);
    assert.equal(ticket.priority, 2);
    assert.equal(ticket.source, 2);
    assert.equal(ticket.email, 'noc@example.net');
    assert.deepEqual(ticket.tags, ['pathmon', 'R1-R6', 'loss', pathTag('path-a'), 'lab']);
    assert.match(ticket.description, /loss 40 % &gt; 5 % for 3 rounds/, 'the transition reason');
    assert.match(ticket.description, /40\.0 %/, 'measured loss');
    assert.match(ticket.description, /5 %/, 'loss threshold');
    assert.match(ticket.description, /23\.45/, 'measured p95 delay');
    assert.match(ticket.description, /20 ms/, 'delay threshold');
    assert.deepEqual(await store.openTicket('path:path-a'), {
      subjectKey: 'path:path-a',
      incidentId: `path:path-a@${openedAtMs}`,
      ticketId: ticket.id,
      openedAtMs,
      lastState: 'loss',
      resolvedAtMs: null,
    });

    clock.advance(60_000);
    await send([pathChange(path, 'DEGRADED', 'DOWN', clock.nowMs(), openedAtMs)]);
    assert.equal(fd.tickets.length, 1, 'no second ticket');
    assert.equal(ticket.notes.length, 1);
    assert.match(ticket.notes[0]!.body, /DEGRADED -&gt; DOWN/);
    assert.equal(ticket.notes[0]!.private, true);
    assert.equal(ticket.priority, 4, 'priority raised to urgent');
    assert.equal(ticket.status, 2);

    clock.advance(60_000);
    await send([pathChange(path, 'DOWN', 'UP', clock.nowMs(), openedAtMs)]);
    assert.equal(ticket.notes.length, 2);
    assert.match(ticket.notes[1]!.body, /recovered/);
    assert.equal(ticket.status, 4, 'resolved');
    assert.equal(await store.openTicket('path:path-a'), null);
    assert.equal(store.tickets[0]!.resolvedAtMs, clock.nowMs());
    assert.deepEqual(
      store.notifications.map((n) => n.status),
      ['sent', 'sent', 'sent'],
    );

    clock.advance(60_000);
    await send([pathChange(path, 'UP', 'DOWN', clock.nowMs())]);
    assert.equal(fd.tickets.length, 2, 'a new failure after resolution opens a new ticket');
    assert.equal(fd.tickets[1]!.priority, 4);
    assert.equal((await store.openTicket('path:path-a'))?.incidentId, `path:path-a@${clock.nowMs()}`, "the new ticket is the new incident's");
  });

  it('says "no longer exists" and resolves when the path is GONE; UP without a ticket does nothing', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, send, dispatch, pending, clock } = freshdeskUnderTest(fd, store);
    const path = samplePath('path-gone', ['A', 'B']);
    await send([pathChange(path, 'UP', 'DOWN', clock.nowMs()), pathChange(samplePath('other'), null, 'UP', clock.nowMs())]);
    await send([pathChange(path, 'DOWN', 'GONE', clock.nowMs())]);
    assert.equal(fd.tickets.length, 1);
    assert.match(fd.tickets[0]!.notes[0]!.body, /no longer exists/);
    assert.equal(fd.tickets[0]!.status, 4);
    assert.equal(store.notifications.length, 2, 'one record for the open, one for the resolution; nothing for the UP path');
  });

  it('never duplicates across a restart: a new notifier over the same store notes the open ticket', async () => {
    const store = new MemoryNotifyStore();
    const path = samplePath('path-restart');
    const first = freshdeskUnderTest(fd, store);
    await first.send([pathChange(path, 'UP', 'DOWN', first.clock.nowMs())]);
    await first.dispatcher.close();

    const second = freshdeskUnderTest(fd, store);
    await second.send([pathChange(path, 'UP', 'DOWN', second.clock.nowMs())]);
    await second.send([pathChange(path, 'DOWN', 'DEGRADED', second.clock.nowMs())]);
    assert.equal(fd.tickets.length, 1);
    assert.equal(fd.tickets[0]!.notes.length, 2);
  });

  it('never duplicates when the store lost the ticket: the path tag finds it in Freshdesk', async () => {
    const path = samplePath('path-lost-store');
    const first = freshdeskUnderTest(fd, new MemoryNotifyStore());
    await first.send([pathChange(path, 'UP', 'DOWN', first.clock.nowMs())]);

    const freshStore = new MemoryNotifyStore();
    const second = freshdeskUnderTest(fd, freshStore);
    await second.send([pathChange(path, 'UP', 'DOWN', second.clock.nowMs())]);
    assert.equal(fd.tickets.length, 1);
    assert.equal(fd.tickets[0]!.notes.length, 1, 'the adopted ticket gets a note instead');
    assert.equal((await freshStore.openTicket(`path:${path.id}`))?.ticketId, fd.tickets[0]!.id);
  });

  it('a create Freshdesk carried out but never answered (timeout) is found, not repeated', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, send, dispatch, pending, clock } = freshdeskUnderTest(fd, store, { timeoutMs: 300 });
    fd.fail(1, { hang: true, process: true }, { method: 'POST', path: createPath });
    await send([pathChange(samplePath('path-ambiguous'), 'UP', 'DOWN', clock.nowMs())]);
    assert.equal(fd.tickets.length, 1, 'exactly one ticket');
    assert.equal((await store.openTicket('path:path-ambiguous'))?.ticketId, fd.tickets[0]!.id);
    assert.equal(store.notifications.at(-1)?.status, 'sent');
  });

  it('a create that timed out without being carried out is tried again and made once', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, send, dispatch, pending, clock } = freshdeskUnderTest(fd, store, { timeoutMs: 300 });
    fd.fail(1, { hang: true }, { method: 'POST', path: createPath });
    await send([pathChange(samplePath('path-timeout'), 'UP', 'DOWN', clock.nowMs())]);
    assert.equal(fd.tickets.length, 1);
    assert.equal(fd.requests.filter((r) => r.method === 'POST' && createPath.test(r.path)).length, 2);
  });

  it('honours 429 Retry-After (through the injected sleep) and then succeeds', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, send, dispatch, pending, clock, sleeps } = freshdeskUnderTest(fd, store);
    fd.fail(2, { status: 429, retryAfterS: 7 });
    await send([pathChange(samplePath('path-429'), 'UP', 'DOWN', clock.nowMs())]);
    assert.equal(fd.tickets.length, 1);
    assert.deepEqual(sleeps, [7000, 7000]);
    assert.deepEqual(
      fd.requests.map((r) => r.status),
      [429, 429, 400, 201],
      'the lookup finds no contact yet (400 on email), then the create',
    );
  });

  it('queues the work when Retry-After is longer than it will wait, and does it only once the Retry-After has passed', async () => {
    const store = new MemoryNotifyStore();
    const clock = fakeClock();
    const { notifier, send, dispatch, pending, sleeps } = freshdeskUnderTest(fd, store, { clock, maxRetryAfterMs: 60_000 });
    fd.fail(1, { status: 429, retryAfterS: 3600 });
    await send([pathChange(samplePath('path-429-long'), 'UP', 'DOWN', clock.nowMs())]);
    assert.equal(fd.tickets.length, 0);
    assert.deepEqual(sleeps, [], 'did not sleep an hour');
    assert.equal(store.notifications.at(-1)?.status, 'queued');
    assert.equal((await pending()).length, 1);

    await dispatch();
    assert.equal(fd.tickets.length, 0, 'not before its backoff time');
    clock.advance(10 * 60_000);
    await dispatch();
    assert.equal(fd.tickets.length, 0, 'the backoff has passed, the Retry-After has not');
    assert.equal(fd.requests.length, 1, 'not even a lookup before the Retry-After');
    clock.advance(50 * 60_000);
    await dispatch();
    assert.equal(fd.tickets.length, 1);
    assert.equal(store.notifications.at(-1)?.status, 'sent');
    assert.equal((await pending()).length, 0);
  });

  it('retries 5xx with backoff on every call, and a 5xx create only after looking for the ticket', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, send, dispatch, pending, clock, sleeps } = freshdeskUnderTest(fd, store);
    const path = samplePath('path-5xx');
    fd.fail(1, { status: 500 }, { method: 'POST', path: createPath });
    await send([pathChange(path, 'UP', 'DOWN', clock.nowMs())]);
    assert.equal(fd.tickets.length, 1);
    assert.deepEqual(
      fd.requests.map((r) => `${r.method} ${r.status}`),
      ['GET 400', 'POST 500', 'GET 400', 'POST 201'],
    );

    fd.fail(2, { status: 503 }, { method: 'PUT' });
    sleeps.length = 0;
    await send([pathChange(path, 'DOWN', 'UP', clock.nowMs())]);
    assert.equal(fd.tickets[0]!.status, 4);
    assert.equal(sleeps.length, 2, 'two backoff waits');
    assert.ok(sleeps[1]! > sleeps[0]!, 'the backoff grows');
  });

  it('keeps per-subject order when Freshdesk is unreachable: create then note, each step once', async () => {
    const store = new MemoryNotifyStore();
    const clock = fakeClock();
    const { send, dispatch, pending } = freshdeskUnderTest(fd, store, { clock, maxRetries: 1 });
    const path = samplePath('path-outage');
    const openedAtMs = clock.nowMs();
    fd.fail(2, { status: 502 }); // the lookup and its one retry
    await send([pathChange(path, 'UP', 'DOWN', openedAtMs)]);
    clock.advance(1000);
    await send([pathChange(path, 'DOWN', 'DEGRADED', clock.nowMs(), openedAtMs)]);
    assert.equal((await pending()).length, 2);
    assert.deepEqual(
      store.notifications.map((n) => n.status),
      ['queued'],
      'the later change waits behind, untried',
    );
    clock.advance(10 * 60_000);
    await dispatch();
    assert.equal(fd.tickets.length, 1);
    assert.match(fd.tickets[0]!.subject, /DOWN/, 'created first, from the first change');
    assert.equal(fd.tickets[0]!.notes.length, 1, 'then one note for the second');
    assert.match(fd.tickets[0]!.notes[0]!.body, /DOWN -&gt; DEGRADED/);
    assert.equal((await pending()).length, 0);
  });

  it('a create queued during an outage is not sent once the incident has recovered: no ticket opened and resolved in one breath', async () => {
    const store = new MemoryNotifyStore();
    const clock = fakeClock();
    const { send, dispatch, pending } = freshdeskUnderTest(fd, store, { clock, maxRetries: 1 });
    const path = samplePath('path-short-outage');
    const openedAtMs = clock.nowMs();
    fd.fail(2, { status: 502 });
    await send([pathChange(path, 'UP', 'DOWN', openedAtMs)]);
    clock.advance(5000);
    await send([pathChange(path, 'DOWN', 'UP', clock.nowMs(), openedAtMs)]);
    clock.advance(10 * 60_000);
    await dispatch();
    assert.equal(fd.tickets.length, 0, 'no ticket for a fault that is over');
    assert.equal(fd.requests.filter((r) => r.method !== 'GET' || r.status !== 502).length, 0, 'nothing but the failed lookups reached Freshdesk');
    assert.equal((await pending()).length, 0);
    assert.deepEqual(
      store.outbox.map((o) => [o.change.change, o.state]),
      [
        ['opened', 'superseded'],
        ['resolved', 'superseded'],
      ],
    );
    assert.match(store.outbox[0]!.detail ?? '', /resolved/);
  });

  it('opens a new ticket when the one it remembered was deleted in Freshdesk', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, send, dispatch, pending, clock } = freshdeskUnderTest(fd, store);
    const path = samplePath('path-deleted');
    await send([pathChange(path, 'UP', 'DEGRADED', clock.nowMs())]);
    fd.deleteTicket(fd.tickets[0]!.id);
    await send([pathChange(path, 'DEGRADED', 'DOWN', clock.nowMs())]);
    assert.equal(fd.tickets.length, 2);
    assert.equal((await store.openTicket(`path:${path.id}`))?.ticketId, fd.tickets[1]!.id);
  });

  it('keeps a ticket it created while the store was down, and saves it once the store is back', async () => {
    const store = new MemoryNotifyStore();
    const clock = fakeClock();
    const { notifier, send, dispatch, pending } = freshdeskUnderTest(fd, store, { clock });
    const path = samplePath('path-store-down');
    store.failingSaves = true;
    await send([pathChange(path, 'UP', 'DOWN', clock.nowMs())]);
    assert.equal(fd.tickets.length, 1, 'created in Freshdesk');
    assert.equal((await pending()).length, 1, 'the store write is queued');
    store.failingSaves = false;
    clock.advance(10 * 60_000);
    await dispatch();
    assert.equal(fd.tickets.length, 1, 'still one ticket');
    assert.equal(fd.tickets[0]!.notes.length, 0, 'only the missing store write was repeated');
    assert.equal((await store.openTicket(`path:${path.id}`))?.ticketId, fd.tickets[0]!.id);
  });

  it('queues the work while the store cannot be read, and does it when the store is back', async () => {
    const store = new MemoryNotifyStore();
    const clock = fakeClock();
    const { notifier, send, dispatch, pending } = freshdeskUnderTest(fd, store, { clock });
    const path = samplePath('path-store-unreadable');
    store.failing = true;
    await send([pathChange(path, 'UP', 'DOWN', clock.nowMs())]);
    assert.equal(fd.tickets.length, 0);
    assert.equal((await pending()).length, 1);
    store.failing = false;
    clock.advance(10 * 60_000);
    await dispatch();
    assert.equal(fd.tickets.length, 1);
    assert.equal(store.notifications.at(-1)?.status, 'sent');
  });
  it('link incident: one ticket naming link, direction and estimate, with the evidence; noted, raised, resolved', async () => {
    const store = new MemoryNotifyStore();
    const { notifier, send, dispatch, pending, clock } = freshdeskUnderTest(fd, store);
    const openedAtMs = clock.nowMs();
    const opened = linkChange({ atMs: openedAtMs, kind: 'loss', lossPct: 20 });
    const key = opened.incident.subjectKey;
    await send([opened]);
    assert.equal(fd.tickets.length, 1);
    const ticket = fd.tickets[0]!;
    assert.equal(ticket.subject, 'R4→R6: 20 % loss');
    assert.equal(ticket.priority, 2, 'loss is priority.DEGRADED');
    assert.equal(ticket.status, 2);
    assert.deepEqual(ticket.tags, ['pathmon', 'loss', subjectTag(opened.incident), 'lab']);
    assert.match(subjectTag(opened.incident), /^pathmon-[0-9a-f]{16}$/, 'short enough for Freshdesk');
    assert.match(ticket.description, /Evidence routes \(2\)/);
    assert.match(ticket.description, /w1a2b3c4d5e6, w9f8e7d6c5b4/);
    assert.match(ticket.description, /User paths explained \(2\)/);
    assert.match(ticket.description, /path-r1-r6-a, path-r1-r6-b/);
    assert.match(ticket.description, /93 %/, 'confidence');
    assert.match(ticket.description, /one direction: R4-&gt;R6/, 'direction and the directed link key');
    assert.match(ticket.description, /2025-01-01 09:59:30 UTC/, 'the first round of estimates');
    assert.equal((await store.openTicket(key))?.incidentId, opened.incident.id);

    clock.advance(30_000);
    const worse = linkChange({ atMs: clock.nowMs(), openedAtMs, kind: 'down', change: 'updated', controlPlaneUp: true, previous: opened.incident, reason: 'estimate rose from 20 % to 100 %' });
    await send([worse]);
    assert.equal(fd.tickets.length, 1, 'an update is a note, not a ticket');
    assert.equal(ticket.notes.length, 1);
    assert.match(ticket.notes[0]!.body, /R4→R6: 20 % loss -&gt; R4→R6: 100 % loss \(data plane down, control plane up\)/);
    assert.match(ticket.notes[0]!.body, /estimate rose from 20 % to 100 %/);
    assert.equal(ticket.priority, 4, 'down raises to priority.DOWN');
    assert.equal((await store.openTicket(key))?.lastState, 'down');

    clock.advance(30_000);
    await send([linkChange({ atMs: clock.nowMs(), openedAtMs, kind: 'down', change: 'resolved', previous: worse.incident })]);
    assert.equal(ticket.notes.length, 2);
    assert.match(ticket.notes[1]!.body, /Incident resolved.*healthy for 3 rounds/);
    assert.equal(ticket.status, 4);
    assert.equal(await store.openTicket(key), null);
    assert.deepEqual(
      store.notifications.map((n) => [n.status, n.subjectKeys]),
      [
        ['sent', [key]],
        ['sent', [key]],
        ['sent', [key]],
      ],
    );

    clock.advance(60_000);
    const again = linkChange({ atMs: clock.nowMs(), kind: 'loss', lossPct: 5 });
    await send([again]);
    assert.equal(fd.tickets.length, 2, 'a new incident on the same link after resolution is a new ticket');
    assert.equal((await store.openTicket(key))?.incidentId, again.incident.id);
    assert.ok(fd.tickets[1]!.tags.includes(ticket.tags[2]!), 'the subject tag is stable across incidents');
  });

  it('names both directions, delay and the control plane in the subject; one ticket per link', async () => {
    const store = new MemoryNotifyStore();
    // One subject at a time, so the tickets are made in the changes' order.
    const { send, clock } = freshdeskUnderTest(fd, store, { concurrency: 1 });
    const delay = linkChange({ atMs: clock.nowMs(), linkKeys: ['R2->R4', 'R4->R2'], label: 'R2↔R4', kind: 'delay', addedDelayMs: 10 });
    const down = linkChange({ atMs: clock.nowMs(), kind: 'down', controlPlaneUp: true });
    const downNoPlane = linkChange({ atMs: clock.nowMs(), linkKeys: ['R1->R3'], label: 'R1→R3', kind: 'down', controlPlaneUp: null });
    await send([delay, down, downNoPlane]);
    assert.deepEqual(
      fd.tickets.map((t) => t.subject),
      ['R2↔R4: +10.0 ms one-way delay', 'R4→R6: 100 % loss (data plane down, control plane up)', 'R1→R3: 100 % loss'],
    );
    assert.deepEqual(
      fd.tickets.map((t) => t.priority),
      [2, 4, 4],
    );
    assert.match(fd.tickets[0]!.description, /both directions: R2-&gt;R4, R4-&gt;R2/);
    assert.match(fd.tickets[0]!.description, /10\.0 ms/);
    assert.match(fd.tickets[1]!.description, /control plane<\/td><td>data plane down, control plane up/);
    assert.equal(new Set(fd.tickets.flatMap((t) => t.tags.filter((tag) => tag.startsWith('pathmon-')))).size, 3, 'a tag per subject');
  });

  it('never duplicates a link ticket when the store lost it: the subject tag finds it in Freshdesk', async () => {
    const first = freshdeskUnderTest(fd, new MemoryNotifyStore());
    const opened = linkChange({ atMs: first.clock.nowMs(), kind: 'loss' });
    await first.send([opened]);
    const freshStore = new MemoryNotifyStore();
    const second = freshdeskUnderTest(fd, freshStore);
    await second.send([linkChange({ atMs: second.clock.nowMs() + 10_000, openedAtMs: second.clock.nowMs(), kind: 'delay', change: 'updated', previous: opened.incident })]);
    assert.equal(fd.tickets.length, 1);
    assert.equal(fd.tickets[0]!.notes.length, 1);
    assert.equal((await freshStore.openTicket(opened.incident.subjectKey))?.ticketId, fd.tickets[0]!.id);
  });

  it("keeps each subject's order while another subject's work goes through", async () => {
    const store = new MemoryNotifyStore();
    const clock = fakeClock();
    // One subject at a time, so the link's lookup is the request that fails.
    const { send, dispatch, pending } = freshdeskUnderTest(fd, store, { clock, maxRetries: 0, concurrency: 1 });
    const link = linkChange({ atMs: clock.nowMs() });
    fd.fail(1, { status: 502 });
    await send([link, pathChange(samplePath('path-beside'), 'UP', 'DOWN', clock.nowMs())]);
    await send([linkChange({ atMs: clock.nowMs() + 1000, openedAtMs: clock.nowMs(), kind: 'down', change: 'updated', previous: link.incident })]);
    assert.equal(fd.tickets.length, 1, "the path ticket was not held up by the link's failure");
    assert.match(fd.tickets[0]!.subject, /R1 > R2 > R4 > R6 DOWN/);
    assert.equal((await pending()).length, 2, "the link's open and its update wait, in order");
    clock.advance(10 * 60_000);
    await dispatch();
    assert.equal(fd.tickets.length, 2);
    assert.equal(fd.tickets[1]!.subject, 'R4→R6: 20 % loss');
    assert.equal(fd.tickets[1]!.notes.length, 1, 'opened, then noted');
    assert.equal(fd.tickets[1]!.priority, 4, 'and raised to DOWN');
    assert.equal((await pending()).length, 0);
  });
});
