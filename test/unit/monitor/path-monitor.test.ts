/**
 * The monitor loop on the nanog76 topology with a fake network, clock, store and notifiers: what an
 * operator would see happen when a link degrades, fails, recovers or disappears, when the database goes
 * away, when a notifier breaks, and when the monitor is told to stop.
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
});

test('new paths are decided UP after N good rounds, all in one notification', async () => {
  const h = harness();
  await h.monitor.start();
  await rounds(h, 3);
  assert.equal(h.mail.calls.length, 1);
  assert.deepEqual(h.mail.calls[0]!.map((t) => `${t.transition.from}->${t.transition.to}`), Array(8).fill('null->UP'));
  assert.ok(h.monitor.paths().every((path) => path.state === 'UP' && !path.deciding));
});

test('a delayed link turns exactly the paths crossing it DEGRADED after N rounds, told to both notifiers at once', async () => {
  const h = harness();
  await h.monitor.start();
  await rounds(h, 3);
  h.network.fault('R2', 'R4', { delayMs: 20 });
  await rounds(h, 2);
  assert.equal(h.mail.calls.length, 1, 'no change before the third bad round');
  await rounds(h, 1);
  assert.equal(h.mail.calls.length, 2);
  const degraded = h.mail.calls[1]!;
  assert.equal(degraded.length, 4);
  for (const { path, transition } of degraded) {
    assert.ok(crosses(path.names, 'R2', 'R4'), path.names.join(' '));
    assert.equal(transition.to, 'DEGRADED');
    assert.equal(transition.evidence.rounds.length, 3);
    assert.ok(transition.evidence.rounds.every((round) => round.rttP50Ms! > 40));
  }
  assert.deepEqual(h.tickets.calls[1], degraded, 'the ticket channel gets the same round\'s transitions');
  const stored = await h.store.transitions(null, 0);
  assert.equal(stored.filter((t) => t.to === 'DEGRADED').length, 4);

  h.network.fault('R2', 'R4', null);
  await rounds(h, 3);
  assert.deepEqual(h.mail.calls[2]!.map((t) => `${t.transition.from}->${t.transition.to}`), Array(4).fill('DEGRADED->UP'));
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
  assert.equal(h.mail.calls.length, 3, 'notifiers are told even while the database is away');
  h.store.down = false;
  await rounds(h, 1);
  const stored = (await h.store.transitions(null, 0)).filter((t) => t.from !== null);
  assert.deepEqual(stored.map((t) => t.to), [...Array(4).fill('DOWN'), ...Array(4).fill('UP')]);
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
  const gone = h.mail.calls[1]!;
  assert.deepEqual(gone.map((t) => t.transition.to), Array(4).fill('GONE'));
  assert.ok(gone.every((t) => t.transition.evidence.rounds.length === 0 && t.path.goneAtMs !== null));
  assert.equal(h.writer.written.slice(-4).length, 4);
  assert.equal(h.writer.written.length, 3 * 8 + 4, 'GONE paths are not probed');
  assert.equal(h.monitor.counters().lastReplanMs, 12.5);
  assert.equal(h.store.pathRecords.get(removed[0]!.path.id)?.goneAtMs !== null, true);

  h.planner.change({ added: removed, kept });
  await rounds(h, 2);
  assert.ok(h.monitor.paths().filter((p) => removed.some((r) => r.path.id === p.record.id)).every((p) => p.state === 'GONE' && p.deciding));
  await rounds(h, 1);
  assert.deepEqual(h.mail.calls[2]!.map((t) => `${t.transition.from}->${t.transition.to}`), Array(4).fill('GONE->UP'));
});

test('a notifier that throws does not stop the other notifier or the next round', async () => {
  const h = harness({ ticketsFail: new Error('freshdesk exploded') });
  await h.monitor.start();
  await rounds(h, 4);
  assert.equal(h.mail.calls.length, 1);
  assert.equal(h.tickets.calls.length, 1);
  assert.ok(h.logs.some((line) => /WARN monitor: freshdesk notify failed: freshdesk exploded/.test(line)));
  assert.equal(h.monitor.counters().rounds, 4);
  assert.equal(h.mail.retries, 4, 'queued notifications are retried every round');
});

test('a restarted monitor resumes each path\'s stored state instead of announcing it again', async () => {
  const store = new FlakyStore();
  const first = harness({ store });
  await first.monitor.start();
  first.network.fault('R4', 'R6', 'down');
  await rounds(first, 3);
  const downBefore = first.monitor.paths().filter((p) => p.state === 'DOWN').length;
  assert.equal(downBefore, 4);

  const second = harness({ store });
  second.network.fault('R4', 'R6', 'down');
  await second.monitor.start();
  assert.equal(second.monitor.paths().filter((p) => p.state === 'DOWN').length, 4);
  await rounds(second, 3);
  assert.equal(second.mail.calls.length, 0, 'still DOWN, still UP: nothing to tell');
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
  assert.deepEqual(second.mail.calls[0]?.map((t) => t.transition.to), Array(4).fill('GONE'));
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
  assert.deepEqual(roundTimes.map((t) => t - startMs), [0, 1000, 2000, 3000, 4000]);
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

test('update listeners hear rounds and transitions; a throwing listener breaks nothing', async () => {
  const h = harness();
  const kinds: string[] = [];
  h.monitor.onUpdate(() => {
    throw new Error('listener bug');
  });
  h.monitor.onUpdate((update) => kinds.push(update.kind));
  await h.monitor.start();
  await rounds(h, 3);
  assert.deepEqual(kinds.filter((k) => k === 'round').length, 3);
  assert.equal(kinds.filter((k) => k === 'transition').length, 8);
});
