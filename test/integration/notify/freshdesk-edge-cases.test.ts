/**
 * The Freshdesk breaks an unlucky operator hit, against the fake Freshdesk and through the
 * outbox as the monitor drives it: a ticket an agent closed or resolved is never noted, resolved or
 * reopened by pathmon, and the subject's next incident opens a new ticket naming it; a long
 * `Retry-After` holds all queued work until it has passed; one hanging request delays only its own
 * ticket.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, it } from 'node:test';
import { startFakeFreshdesk, type FakeFreshdesk } from '../../helpers/fake-freshdesk.js';
import { freshdeskUnderTest } from './support/freshdesk-setup.js';
import { MemoryNotifyStore } from './support/memory-notify-store.js';
import { linkChange, pathChange } from './support/sample-incidents.js';
import { fakeClock, samplePath } from './support/sample-transitions.js';

/** Polls until `done()` holds; fails after `limitMs` (a bound on a hang, not a timing assertion). */
async function until(done: () => boolean, what: string, limitMs = 10_000): Promise<void> {
  const startMs = Date.now();
  while (!done()) {
    if (Date.now() - startMs > limitMs) assert.fail(`gave up waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('Freshdesk edge cases', () => {
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
    fd.clearFaults();
  });

  for (const [status, how] of [
    [5, 'closed'],
    [4, 'resolved'],
  ] as const) {
    it(`a ticket an agent ${how} is left alone: no note, no resolve, no reopen; the next incident opens a new ticket naming it`, async () => {
      const store = new MemoryNotifyStore();
      const clock = fakeClock();
      const { send, logs } = freshdeskUnderTest(fd, store, { clock });
      const openedAtMs = clock.nowMs();
      const opened = linkChange({ atMs: openedAtMs, kind: 'loss' });
      await send([opened]);
      assert.equal(fd.tickets.length, 1);
      const ticket = fd.tickets[0]!;
      fd.agentSetsStatus(ticket.id, status);

      clock.advance(30_000);
      const worse = linkChange({ atMs: clock.nowMs(), openedAtMs, kind: 'down', change: 'updated', previous: opened.incident });
      await send([worse]);
      clock.advance(30_000);
      await send([linkChange({ atMs: clock.nowMs(), openedAtMs, kind: 'down', change: 'resolved', previous: worse.incident })]);

      assert.equal(ticket.status, status, `still ${how}: never moved back by pathmon`);
      assert.equal(ticket.notes.length, 0, 'no note on a ticket a person finished');
      assert.deepEqual(ticket.updates, [], 'no update either');
      assert.equal(fd.tickets.length, 1, 'and no second ticket for the same incident');
      const stored = store.tickets.find((t) => t.ticketId === ticket.id)!;
      assert.equal(stored.closedByPerson, true);
      assert.notEqual(stored.resolvedAtMs, null);
      assert.deepEqual(
        store.outbox.map((o) => o.state),
        ['delivered', 'superseded', 'superseded'],
      );
      assert.ok(logs.some((line) => line.includes(`was ${how} by a person`)));

      clock.advance(60_000);
      await send([linkChange({ atMs: clock.nowMs(), kind: 'loss' })]);
      assert.equal(fd.tickets.length, 2, 'a new fault on the link opens a new ticket');
      assert.equal(fd.tickets[1]!.status, 2);
      assert.match(fd.tickets[1]!.description, new RegExp(`previous ticket: <b>#${ticket.id}</b> \\(which a person closed`));
      assert.equal(ticket.status, status, 'the old one is still left alone');
    });
  }

  it('a ticket a person closed is not reopened by start-up reconciliation', async () => {
    const store = new MemoryNotifyStore();
    const { send, notifier } = freshdeskUnderTest(fd, store);
    const opened = pathChange(samplePath('path-closed-then-restart'), 'UP', 'DOWN', Date.UTC(2025, 0, 1, 10));
    await send([opened]);
    fd.agentSetsStatus(fd.tickets[0]!.id, 5);
    await send([pathChange(samplePath('path-closed-then-restart'), 'DOWN', 'DEGRADED', Date.UTC(2025, 0, 1, 10, 1), opened.incident.openedAtMs)]);
    assert.equal(await notifier.lacks(opened.incident), false, 'the incident had its ticket; a person closed it');
  });

  it('Retry-After: 90 holds every queued create until 90 s have passed (not the 15-30 s backoff)', async () => {
    const store = new MemoryNotifyStore();
    const clock = fakeClock();
    const { send, dispatch, pending, sleeps } = freshdeskUnderTest(fd, store, { clock, maxRetryAfterMs: 60_000 });
    fd.fail(1, { status: 429, retryAfterS: 90 });
    await send([pathChange(samplePath('path-rl-a'), 'UP', 'DOWN', clock.nowMs())]);
    assert.deepEqual(sleeps, [], 'longer than it waits inside a request: queued');
    assert.equal(fd.requests.length, 1);
    const [waiting] = await pending();
    assert.ok(waiting!.nextAttemptAtMs >= clock.nowMs() + 90_000, 'the outbox row is not due before the Retry-After');

    // Another subject's work queued meanwhile waits too: the limit is Freshdesk's, for the whole account.
    clock.advance(1000);
    await send([pathChange(samplePath('path-rl-b'), 'UP', 'DOWN', clock.nowMs())]);
    for (const atS of [20, 30, 60, 89]) {
      clock.advance(atS * 1000 - (clock.nowMs() - Date.UTC(2025, 0, 1, 10)));
      await dispatch();
      assert.equal(fd.requests.length, 1, `nothing sent ${atS} s after the 429`);
    }
    clock.advance(1000);
    await dispatch();
    assert.equal(fd.tickets.length, 2, 'both created once the Retry-After has passed');
    assert.equal((await pending()).length, 0);
  });

  it("one hanging request delays only its own ticket: the other subjects' tickets are made meanwhile", async () => {
    const store = new MemoryNotifyStore();
    const clock = fakeClock();
    const { send, dispatch } = freshdeskUnderTest(fd, store, { clock, timeoutMs: 60_000, concurrency: 4 });
    const hanging = samplePath('path-hanging');
    const openedAtMs = clock.nowMs();
    await send([pathChange(hanging, 'UP', 'DEGRADED', openedAtMs)]);
    const first = fd.tickets[0]!;
    fd.fail(1, { hold: true }, { method: 'POST', path: new RegExp(`^/api/v2/tickets/${first.id}/notes$`) });

    clock.advance(10_000);
    const changes = [
      pathChange(hanging, 'DEGRADED', 'DOWN', clock.nowMs(), openedAtMs),
      pathChange(samplePath('path-free-1', ['R1', 'R3', 'R6']), 'UP', 'DOWN', clock.nowMs()),
      pathChange(samplePath('path-free-2', ['R1', 'R5', 'R6']), 'UP', 'DOWN', clock.nowMs()),
    ];
    const pass = send(changes);
    await until(() => fd.tickets.length === 3, 'the two other subjects have their tickets');
    assert.equal(fd.held().length, 1, 'while the hanging note is still unanswered');
    assert.equal(first.notes.length, 0);

    fd.release();
    const report = await pass;
    assert.equal(report.delivered, 3);
    assert.equal(first.notes.length, 1, 'the held note went through once released');
    await dispatch();
    assert.equal(fd.tickets.length, 3);
  });
});
