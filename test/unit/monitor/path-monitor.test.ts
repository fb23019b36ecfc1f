/**
 * The monitor loop on the nanog76 topology with a fake network, clock, store and notifiers: what an
 * operator would see happen when a link degrades, fails, recovers or disappears, when the database goes
 * away, when a notifier breaks, and when the monitor is told to stop. Notifiers hear incidents: with
 * localization off, one per failing path; link localization has its own tests (link-localization.test.ts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { crosses, harness, rounds, FlakyStore } from './monitor-fakes.js';

test('every round probes every planned path, queues one row per path and updates the view', async () => {
  const h = harness();
  await h.monitor.start();
  await rounds(h, 2);
  assert.equal(h.writer.written.length, 2 * 8);
  assert.equal(new Set(h.writer.written.map((row) => row.pathId)).size, 8);
  const counters = h.monitor.counters();
  assert.equal(counters.rounds, 2);
  assert.equal(counters.probesSent, 2 * 8 * 10);
  assert.equal(counters.probesReceived, 2 * 8 * 10);
  assert.equal(counters.drops.malformed, 2);
  const live = h.monitor.paths();
  assert.equal(live.length, 8);
  for (const path of live) {
    assert.equal(path.lastRound?.received, 10);
    assert.equal(path.rttHistogram.count, 20);
    assert.equal(path.deciding, true, 'two rounds cannot decide with hysteresis 3');
  }
  assert.equal((await h.store.paths()).length, 8, 'paths registered in the store');
  assert.equal(h.store.snapshots.length, 1, 'the topology as planned is stored');
  assert.equal(h.monitor.plan(), null, 'no cover plan with localization off');
});

test('new paths are decided UP after N good rounds: stored, and nothing to notify', async () => {
  const h = harness();
  await h.monitor.start();
  await rounds(h, 3);
  assert.deepEqual(
    (await h.store.transitions(null, 0)).map((t) => `${t.from}->${t.to}`),
    Array(8).fill('null->UP'),
  );
  assert.equal(h.mail.calls.length, 0, 'a healthy start is no incident');
  assert.ok(h.monitor.paths().every((path) => path.state === 'UP' && !path.deciding));
});

test('a delayed link turns exactly the paths crossing it DEGRADED after N rounds: one path incident each, told to both notifiers at once', async () => {
  const h = harness();
  await h.monitor.start();
  await rounds(h, 3);
  h.network.fault('R2', 'R4', { delayMs: 20 });
  await rounds(h, 2);
  assert.equal(h.mail.calls.length, 0, 'no change before the third bad round');
  await rounds(h, 1);
  assert.equal(h.mail.calls.length, 1);
  const opened = h.mail.calls[0]!;
  assert.equal(opened.length, 4);
  for (const { change, incident } of opened) {
    assert.equal(change, 'opened');
    assert.equal(incident.subject.kind, 'path');
    const path = h.planned.find((p) => incident.subjectKey === `path:${p.path.id}`)!;
    assert.ok(crosses(path.path.names, 'R2', 'R4'), path.path.names.join(' '));
    assert.equal(incident.transition?.to, 'DEGRADED');
    assert.equal(incident.transition?.evidence.rounds.length, 3);
    assert.ok(incident.transition!.evidence.rounds.every((round) => round.rttP50Ms! > 40));
  }
  assert.deepEqual(h.tickets.calls[0], opened, "the ticket channel gets the same round's changes");
  assert.equal((await h.store.transitions(null, 0)).filter((t) => t.to === 'DEGRADED').length, 4);
  assert.equal(h.monitor.incidents().length, 4);
  assert.equal((await h.store.openIncidents()).length, 4, 'incidents are stored');

  h.network.fault('R2', 'R4', null);
  await rounds(h, 3);
  assert.deepEqual(
    h.mail.calls[1]!.map((c) => c.change),
    Array(4).fill('resolved'),
  );
  assert.equal(h.monitor.incidents().length, 0);
});

test('a link down makes its paths DOWN; the others stay UP', async () => {
  const h = harness();
  await h.monitor.start();
  await rounds(h, 3);
  h.network.fault('R4', 'R6', 'down');
  await rounds(h, 3);
  const states = new Map(h.monitor.paths().map((path) => [path.record.names.join(' '), path.state]));
  for (const [names, state] of states) assert.equal(state, crosses(names.split(' '), 'R4', 'R6') ? 'DOWN' : 'UP', names);
});

test('transitions made while the database is down are stored, in order, once it is back; probing never stops', async () => {
  const h = harness();
  await h.monitor.start();
  await rounds(h, 3);
  h.store.down = true;
  h.network.fault('R4', 'R6', 'down');
  await rounds(h, 3);
  h.network.fault('R4', 'R6', null);
  await rounds(h, 3);
  assert.equal((await h.store.transitions(null, 0)).filter((t) => t.from !== null).length, 0);
  assert.ok(h.logs.some((line) => line.startsWith('WARN monitor: cannot store')));
  assert.equal(h.mail.calls.length, 0, 'nothing is sent that is not stored: the changes wait in memory with the notifications they owe');
  h.store.down = false;
  await rounds(h, 1);
  const stored = (await h.store.transitions(null, 0)).filter((t) => t.from !== null);
  assert.deepEqual(
    stored.map((t) => t.to),
    [...Array(4).fill('DOWN'), ...Array(4).fill('UP')],
  );
  assert.deepEqual(
    h.mail.calls.map((round) => round.map((c) => c.change)),
    [Array(4).fill('opened'), Array(4).fill('resolved')],
    "once stored, both rounds' changes are delivered, in order",
  );
  assert.equal(h.writer.written.length, 10 * 8, 'every round reached the writer');
});

test('a path the topology removed is GONE at once, not DOWN; when it returns its next rounds decide it', async () => {
  const h = harness();
  await h.monitor.start();
  await rounds(h, 3);
  const removed = h.planned.filter((p) => crosses(p.path.names, 'R4', 'R6'));
  const kept = h.planned.filter((p) => !crosses(p.path.names, 'R4', 'R6'));
  h.planner.change({ gone: removed, kept });
  await rounds(h, 1);
  const gone = (await h.store.transitions(null, 0)).filter((t) => t.to === 'GONE');
  assert.equal(gone.length, 4);
  assert.ok(gone.every((t) => t.evidence.rounds.length === 0));
  assert.equal(h.mail.calls.length, 0, 'GONE is no failure: no incident');
  assert.equal(h.writer.written.length, 3 * 8 + 4, 'GONE paths are not probed');
  assert.equal(h.monitor.counters().lastReplanMs, 12.5);
  assert.equal(h.store.pathRecords.get(removed[0]!.path.id)?.goneAtMs !== null, true);

  h.planner.change({ added: removed, kept });
  await rounds(h, 2);
  assert.ok(
    h.monitor
      .paths()
      .filter((p) => removed.some((r) => r.path.id === p.record.id))
      .every((p) => p.state === 'GONE' && p.deciding),
  );
  await rounds(h, 1);
  const back = (await h.store.transitions(null, 0)).filter((t) => t.from === 'GONE');
  assert.deepEqual(
    back.map((t) => t.to),
    Array(4).fill('UP'),
  );
});

test('a DOWN path incident resolves when its path is GONE', async () => {
  const h = harness();
  await h.monitor.start();
  h.network.fault('R4', 'R6', 'down');
  await rounds(h, 3);
  assert.equal(h.monitor.incidents().length, 4);
  const removed = h.planned.filter((p) => crosses(p.path.names, 'R4', 'R6'));
  h.planner.change({ gone: removed, kept: h.planned.filter((p) => !removed.includes(p)) });
  await rounds(h, 1);
  assert.deepEqual(
    h.mail.calls.at(-1)!.map((c) => c.change),
    Array(4).fill('resolved'),
  );
  assert.equal(h.monitor.incidents().length, 0);
});

test('a notifier that throws does not stop the other notifier or the next round; its work stays in the outbox', async () => {
  const h = harness({ ticketsFail: new Error('freshdesk exploded') });
  await h.monitor.start();
  h.network.fault('R4', 'R6', 'down');
  await rounds(h, 4);
  assert.equal(h.mail.calls.length, 1);
  assert.equal(h.tickets.attempts, 4, 'each of the four incidents tried once, then waiting out its backoff');
  assert.ok(h.logs.some((line) => /^WARN freshdesk: opened .* queued for retry at .*: freshdesk exploded/.test(line)));
  assert.equal(h.monitor.counters().rounds, 4);
  const waiting = await h.store.outboxItems({ channel: 'freshdesk', state: 'pending' });
  assert.equal(waiting.length, 4);
  assert.ok(waiting.every((item) => item.attempts === 1 && item.lastError === 'freshdesk exploded'));
  assert.deepEqual(
    h.monitor.notifierStatus().map((s) => [s.channel, s.queued]),
    [
      ['freshdesk', 4],
      ['email', 0],
    ],
  );
  h.clock.now += 10 * 60_000;
  await rounds(h, 1);
  assert.equal(h.tickets.attempts, 8, 'retried once their backoff has passed');
});

test("a restarted monitor resumes each path's stored state and open incidents instead of announcing them again", async () => {
  const store = new FlakyStore();
  const first = harness({ store });
  await first.monitor.start();
  first.network.fault('R4', 'R6', 'down');
  await rounds(first, 3);
  assert.equal(first.monitor.paths().filter((p) => p.state === 'DOWN').length, 4);
  assert.equal(first.mail.calls.length, 1);

  const second = harness({ store });
  second.network.fault('R4', 'R6', 'down');
  await second.monitor.start();
  assert.equal(second.monitor.paths().filter((p) => p.state === 'DOWN').length, 4);
  assert.equal(second.monitor.incidents().length, 4, 'open incidents resumed from the store');
  await rounds(second, 3);
  assert.equal(second.mail.calls.length, 0, 'still DOWN, still UP: nothing to tell');
  second.network.fault('R4', 'R6', null);
  await rounds(second, 3);
  assert.deepEqual(
    second.mail.calls[0]!.map((c) => c.change),
    Array(4).fill('resolved'),
    'the resumed incidents resolve, none re-opens',
  );
});

test('paths stored as live that the topology no longer has become GONE at start', async () => {
  const store = new FlakyStore();
  const first = harness({ store });
  await first.monitor.start();
  await rounds(first, 3);
  const second = harness({ store });
  const keptOnly = second.planned.filter((p) => !crosses(p.path.names, 'R2', 'R4'));
  (second.planner as unknown as { first: typeof keptOnly }).first = keptOnly;
  await second.monitor.start();
  await rounds(second, 1);
  const gone = (await store.transitions(null, 0)).filter((t) => t.to === 'GONE');
  assert.equal(gone.length, 4);
  assert.ok(gone.every((t) => crosses(first.planned.find((p) => p.path.id === t.pathId)!.path.names, 'R2', 'R4')));
});

test('run() keeps the interval, and stop() ends it after the round in progress; close() flushes and closes all', async () => {
  const h = harness();
  const startMs = h.clock.now;
  h.network.onRound = () => {
    if (h.network.rounds === 5) h.monitor.stop();
  };
  await h.monitor.run();
  assert.equal(h.monitor.counters().rounds, 5, 'the fifth round finished');
  const roundTimes = [...new Set(h.writer.written.map((row) => row.roundAtMs))];
  assert.deepEqual(
    roundTimes.map((t) => t - startMs),
    [0, 1000, 2000, 3000, 4000],
  );
  await h.monitor.close();
  assert.ok(h.writer.closed && h.mail.closed && h.tickets.closed && h.planner.closed);
  assert.equal(h.store.closedCalls, 1);
});

test('retention runs on the first round and then once per period', async () => {
  const h = harness({ retentionEveryMs: 5000 });
  let calls = 0;
  h.store.applyRetention = async () => {
    calls++;
    return { deletedRounds: 0 };
  };
  await h.monitor.start();
  await rounds(h, 11);
  assert.equal(calls, 3);
});

test('update listeners hear rounds, transitions and incidents; outcome listeners hear every round; a throwing listener breaks nothing', async () => {
  const h = harness();
  const kinds: string[] = [];
  h.monitor.onUpdate(() => {
    throw new Error('listener bug');
  });
  h.monitor.onUpdate((update) => kinds.push(update.kind));
  const outcomes: number[] = [];
  h.monitor.onRoundOutcome((outcome) => outcomes.push(outcome.routes.length));
  await h.monitor.start();
  await rounds(h, 3);
  h.network.fault('R4', 'R6', 'down');
  await rounds(h, 3);
  assert.equal(kinds.filter((k) => k === 'round').length, 6);
  assert.equal(kinds.filter((k) => k === 'transition').length, 8 + 4);
  assert.equal(kinds.filter((k) => k === 'incident').length, 4);
  assert.deepEqual(outcomes, Array(6).fill(8));
});
