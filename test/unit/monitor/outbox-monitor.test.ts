/**
 * The monitor and the notification outbox: every incident change is stored with one outbox row per
 * channel, delivered by the round that made it; what a previous process left pending is delivered at
 * start; and start-up reconciliation queues a ticket for every open incident that has none and no
 * pending work that would make one (incidents from before the outbox, a store restored from a backup).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncidentRecord } from '../../../src/incidents/incident.js';
import { FlakyStore, RecordingNotifier, harness, rounds } from './monitor-fakes.js';

/** A ticket channel that says which open incidents lack their ticket. */
class TicketKeeper extends RecordingNotifier {
  constructor(private readonly ticketed: Set<string>) {
    super('freshdesk');
  }
  async lacks(incident: IncidentRecord): Promise<boolean> {
    return !this.ticketed.has(incident.id) && !this.delivered.some((item) => item.incidentId === incident.id);
  }
}

test('each incident change is stored with one outbox row per channel and delivered in the same round', async () => {
  const h = harness();
  await h.monitor.start();
  h.network.fault('R4', 'R6', 'down');
  await rounds(h, 3);
  const rows = await h.store.outboxItems({});
  assert.equal(rows.length, 8, 'four incidents, two channels');
  assert.ok(rows.every((row) => row.state === 'delivered'));
  assert.deepEqual([...new Set(rows.map((row) => row.channel))], ['freshdesk', 'email']);
  assert.equal(h.tickets.delivered.length, 4);
});

test('work a dropped monitor left pending is delivered by the next start, once', async () => {
  const store = new FlakyStore();
  const first = harness({ store, ticketsFail: new Error('freshdesk down') });
  await first.monitor.start();
  first.network.fault('R4', 'R6', 'down');
  await rounds(first, 3);
  assert.equal((await store.outboxItems({ channel: 'freshdesk', state: 'pending' })).length, 4);
  // No close(): the first monitor is simply gone.

  const second = harness({ store, clockStartMs: first.clock.now + 10 * 60_000 });
  second.network.fault('R4', 'R6', 'down');
  await second.monitor.start();
  assert.equal(second.tickets.delivered.length, 4, 'the four creates the first monitor could not send');
  assert.equal(second.mail.delivered.length, 0, 'the mails had gone already');
  await rounds(second, 3);
  assert.equal(second.tickets.delivered.length, 4, 'nothing twice');
});

test('start-up reconciliation queues a ticket for each open incident without one and without pending work', async () => {
  const store = new FlakyStore();
  // A monitor without notifiers stores incidents and owes nobody anything: as if from before the outbox.
  const first = harness({ store, notifiers: [] });
  await first.monitor.start();
  first.network.fault('R4', 'R6', 'down');
  await rounds(first, 3);
  const open = await store.openIncidents();
  assert.equal(open.length, 4);
  assert.equal((await store.outboxItems({})).length, 0);

  const [hasTicket, hasPending] = open;
  await store.enqueueOutbox([{ channel: 'freshdesk', change: { change: 'opened', incident: hasPending!, previous: null, reason: 'queued earlier' }, atMs: first.clock.now }]);
  const tickets = new TicketKeeper(new Set([hasTicket!.id]));
  const mail = new RecordingNotifier('email');
  const second = harness({ store, notifiers: [tickets, mail], clockStartMs: first.clock.now + 60_000 });
  second.network.fault('R4', 'R6', 'down');
  await second.monitor.start();

  const delivered = tickets.delivered.map((item) => item.incidentId).sort();
  assert.deepEqual(
    delivered,
    open
      .filter((i) => i !== hasTicket)
      .map((i) => i.id)
      .sort(),
    'every open incident but the ticketed one, each once',
  );
  assert.equal(tickets.delivered.filter((item) => item.change.reason.includes('reconciliation')).length, 2, 'two queued by reconciliation, one was pending already');
  assert.equal(mail.delivered.length, 0, 'mail keeps nothing per incident: not reconciled');
  assert.ok(second.logs.some((line) => /WARN freshdesk: .* is open without its ticket; queued a create/.test(line)));

  const third = harness({ store, notifiers: [new TicketKeeper(new Set(open.map((i) => i.id)))], clockStartMs: first.clock.now + 120_000 });
  third.network.fault('R4', 'R6', 'down');
  await third.monitor.start();
  assert.equal((await store.outboxItems({ state: 'pending' })).length, 0, 'nothing queued when every incident has its ticket');
});
